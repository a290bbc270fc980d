import { describe, expect, it } from 'vitest';
import { CodecError } from '../CodecError.js';
import { ACL_TLV_HEX, DEVICE_TLV_HEX, hex, toHex } from '../testVectors.js';
import {
  TlvType,
  decodeTlv,
  decodeTlvFloat,
  decodeTlvInteger,
  decodeTlvUnsigned,
  encodeTlv,
  encodeTlvFloat,
  encodeTlvInteger,
  encodeTlvUnsigned,
} from './tlv.js';

describe('TLV wire format', () => {
  it('decodes the /3/0 example of the TS and re-encodes it byte for byte', () => {
    const bytes = hex(DEVICE_TLV_HEX);
    const entries = decodeTlv(bytes);
    expect(entries.map((e) => [e.type, e.id])).toEqual([
      [3, 0], [3, 1], [3, 2], [3, 3], [2, 6], [2, 7], [2, 8], [3, 9], [3, 10], [2, 11], [3, 13], [3, 14], [3, 16],
    ]);
    const power = entries[4];
    expect(power && 'children' in power ? power.children.map((c) => [c.type, c.id, 'value' in c ? toHex(c.value) : '']) : []).toEqual([
      [TlvType.ResourceInstance, 0, '01'],
      [TlvType.ResourceInstance, 1, '05'],
    ]);
    expect(toHex(encodeTlv(entries))).toBe(toHex(bytes));
  });

  it('decodes the /2 example (object instances, 16-bit resource instance id)', () => {
    const bytes = hex(ACL_TLV_HEX);
    const entries = decodeTlv(bytes);
    expect(entries.map((e) => [e.type, e.id])).toEqual([[0, 0], [0, 2]]);
    const second = entries[1];
    const acl = second && 'children' in second ? second.children[2] : undefined;
    expect(acl && 'children' in acl ? acl.children.map((c) => c.id) : []).toEqual([127, 310]);
    expect(toHex(encodeTlv(entries))).toBe(toHex(bytes));
  });

  it.each([
    // [type, id, value length] -> header
    [3, 0, 0, 'C000'],
    [3, 0, 7, 'C700'],
    [3, 0, 8, 'C80008'],
    [3, 0, 255, 'C800FF'],
    [3, 0, 256, 'D0000100'],
    [3, 0, 65536, 'D800010000'],
    [3, 300, 1, 'E1012C'],
    [1, 5, 1, '4105'],
  ])('uses the shortest header: type %i id %i length %i -> %s', (type, id, len, header) => {
    const out = encodeTlv([{ type: type as 1 | 3, id, value: new Uint8Array(len) }]);
    expect(toHex(out.subarray(0, header.length / 2))).toBe(header);
    expect(out.length).toBe(header.length / 2 + len);
    const [back] = decodeTlv(out);
    expect(back && 'value' in back ? back.value.length : -1).toBe(len);
  });

  it.each([
    [0, '00'],
    [127, '7F'],
    [-128, '80'],
    [128, '0080'],
    [-129, 'FF7F'],
    [32767, '7FFF'],
    [32768, '00008000'],
    [1367491215, '5182428F'],
    [2 ** 31, '0000000080000000'],
    [-(2 ** 31) - 1, 'FFFFFFFF7FFFFFFF'],
  ])('encodes integer %d as %s', (v, h) => {
    expect(toHex(encodeTlvInteger(v))).toBe(h);
    expect(decodeTlvInteger(hex(h))).toBe(v);
  });

  it('keeps 64-bit integers beyond 2^53 as bigint', () => {
    const big = 2n ** 62n + 1n;
    expect(decodeTlvInteger(encodeTlvInteger(big))).toBe(big);
    expect(decodeTlvInteger(hex('7FFFFFFFFFFFFFFF'))).toBe(2n ** 63n - 1n);
    expect(toHex(encodeTlvUnsigned(255))).toBe('FF');
    expect(toHex(encodeTlvUnsigned(65535))).toBe('FFFF');
    expect(decodeTlvUnsigned(hex('FFFFFFFFFFFFFFFF'))).toBe(2n ** 64n - 1n);
  });

  it('encodes floats in 4 bytes when exact, else 8', () => {
    expect(toHex(encodeTlvFloat(22.5))).toBe('41B40000');
    expect(toHex(encodeTlvFloat(0.1))).toBe('3FB999999999999A');
    expect(decodeTlvFloat(hex('41B40000'))).toBe(22.5);
    expect(decodeTlvFloat(hex('3FB999999999999A'))).toBe(0.1);
  });

  it.each([
    ['truncated header', 'C8'],
    ['truncated 16-bit id', 'E1 01'],
    ['length beyond the end', 'C8 00 14 4F 70'],
    ['length bits with a length field', 'C9 00 01 00'],
    ['object instance containing an object instance', '08 00 04 00 00 00 00'],
    ['multiple resource containing a resource', '82 06 C0 00'],
    ['integer of 3 bytes', ''],
  ])('rejects %s with CodecError', (name, h) => {
    if (name === 'integer of 3 bytes') {
      expect(() => decodeTlvInteger(hex('010203'))).toThrow(CodecError);
      return;
    }
    expect(() => decodeTlv(hex(h))).toThrow(CodecError);
  });
});
