import { describe, expect, it } from 'vitest';
import { encodeInstanceTlv, tlvEntry, TlvType } from './encodeTlv.js';
import { encodeInstanceSenmlJson } from './encodeSenmlJson.js';
import { encodeResourcePlain } from './encodeResourceText.js';
import { securityResources, serverResources, type WritableResource } from './BootstrapResources.js';
import { BootstrapServerError } from '../BootstrapServerError.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('TLV encoder', () => {
  it.each([
    ['string, 3-bit length', { id: 0, value: { type: 'string', value: 'abc' } }, 'c300616263'],
    ['string, 8-bit length', { id: 0, value: { type: 'string', value: 'coaps://a' } }, 'c800' + '09' + Buffer.from('coaps://a').toString('hex')],
    ['boolean true', { id: 1, value: { type: 'boolean', value: true } }, 'c10101'],
    ['boolean false', { id: 6, value: { type: 'boolean', value: false } }, 'c10600'],
    ['int 1 byte', { id: 10, value: { type: 'integer', value: 101 } }, 'c10a65'],
    ['int negative 1 byte', { id: 10, value: { type: 'integer', value: -1 } }, 'c10aff'],
    ['int 2 bytes', { id: 1, value: { type: 'integer', value: 300 } }, 'c201012c'],
    ['int 2 bytes boundary', { id: 1, value: { type: 'integer', value: 128 } }, 'c2010080'],
    ['int 4 bytes', { id: 1, value: { type: 'integer', value: 86400 } }, 'c40100015180'],
    ['int 8 bytes', { id: 1, value: { type: 'integer', value: 2 ** 40 } }, 'c8010800000100' + '00000000'],
    ['opaque', { id: 5, value: { type: 'opaque', value: Uint8Array.of(1, 2) } }, 'c2050102'],
  ] as [string, WritableResource, string][])('%s', (_name, res, expected) => {
    expect(hex(encodeInstanceTlv([res]))).toBe(expected);
  });

  it('uses a 16-bit identifier and 16-bit length when needed', () => {
    expect(hex(tlvEntry(TlvType.Resource, 0x1234, new Uint8Array(300)).subarray(0, 5))).toBe('f012340' + '12c');
    expect(tlvEntry(TlvType.Resource, 0x1234, new Uint8Array(300)).length).toBe(305);
  });

  it('concatenates resources in order', () => {
    const out = encodeInstanceTlv([
      { id: 0, value: { type: 'integer', value: 101 } },
      { id: 7, value: { type: 'string', value: 'U' } },
    ]);
    expect(hex(out)).toBe('c10065' + 'c10755');
  });

  it('rejects unsafe integers and out-of-range identifiers with a typed error', () => {
    expect(() => encodeInstanceTlv([{ id: 1, value: { type: 'integer', value: 2 ** 60 } }])).toThrow(BootstrapServerError);
    expect(() => tlvEntry(TlvType.Resource, 70000, new Uint8Array(0))).toThrow(BootstrapServerError);
  });
});

describe('SenML-JSON encoder', () => {
  it('writes a base name and typed values, opaque as base64url without padding', () => {
    const json = new TextDecoder().decode(
      encodeInstanceSenmlJson('/0/1', [
        { id: 0, value: { type: 'string', value: 'coaps://dm:5684' } },
        { id: 1, value: { type: 'boolean', value: false } },
        { id: 2, value: { type: 'integer', value: 0 } },
        { id: 5, value: { type: 'opaque', value: Uint8Array.of(0xfb, 0xff, 0x01) } },
      ]),
    );
    expect(JSON.parse(json)).toEqual([
      { bn: '/0/1/', n: '0', vs: 'coaps://dm:5684' },
      { n: '1', vb: false },
      { n: '2', v: 0 },
      { n: '5', vd: '-_8B' },
    ]);
  });
});

describe('plain per-resource encoding', () => {
  it('text for strings, integers and booleans; opaque for bytes', () => {
    const t = (r: WritableResource): [number, string] => {
      const e = encodeResourcePlain(r);
      return [e.contentFormat, Buffer.from(e.payload).toString('latin1')];
    };
    expect(t({ id: 0, value: { type: 'string', value: 'coaps://x' } })).toEqual([0, 'coaps://x']);
    expect(t({ id: 1, value: { type: 'integer', value: -300 } })).toEqual([0, '-300']);
    expect(t({ id: 1, value: { type: 'boolean', value: true } })).toEqual([0, '1']);
    expect(t({ id: 1, value: { type: 'boolean', value: false } })).toEqual([0, '0']);
    expect(t({ id: 5, value: { type: 'opaque', value: Uint8Array.of(0, 255) } })).toEqual([42, '\x00\xff']);
  });
});

describe('Security and Server resources', () => {
  it('Security: URI, bootstrap flag, PSK mode, identity as opaque UTF-8, key marked secret, short id', () => {
    const res = securityResources({
      instanceId: 1, serverUri: 'coaps://dm', bootstrapServer: false, securityMode: 0, pskIdentity: 'dev-é', pskKey: Uint8Array.of(9), shortServerId: 101,
    });
    expect(res.map((r) => r.id)).toEqual([0, 1, 2, 3, 5, 10]);
    expect(res.find((r) => r.id === 3)?.value).toEqual({ type: 'opaque', value: new TextEncoder().encode('dev-é') });
    expect(res.filter((r) => r.secret).map((r) => r.id)).toEqual([5]);
  });

  it('Security of the bootstrap account has no short server id; NoSec has no key material', () => {
    const bs = securityResources({ instanceId: 0, serverUri: 'coaps://bs', bootstrapServer: true, securityMode: 0, pskIdentity: 'i', pskKey: Uint8Array.of(1) });
    expect(bs.map((r) => r.id)).toEqual([0, 1, 2, 3, 5]);
    const nosec = securityResources({ instanceId: 0, serverUri: 'coap://bs', bootstrapServer: true, securityMode: 3, pskIdentity: '', pskKey: new Uint8Array(0) });
    expect(nosec.map((r) => r.id)).toEqual([0, 1, 2]);
  });

  it('Server: short id, lifetime, notification storing (default true), binding', () => {
    expect(serverResources({ instanceId: 0, shortServerId: 101, lifetime: 300, binding: 'UQ' })).toEqual([
      { id: 0, value: { type: 'integer', value: 101 } },
      { id: 1, value: { type: 'integer', value: 300 } },
      { id: 6, value: { type: 'boolean', value: true } },
      { id: 7, value: { type: 'string', value: 'UQ' } },
    ]);
    expect(serverResources({ instanceId: 0, shortServerId: 1, lifetime: 1, binding: 'U', notificationStoring: false })[2]?.value).toEqual({ type: 'boolean', value: false });
  });
});
