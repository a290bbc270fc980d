import { ContentFormat } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { SimObjectTree, type SimEntry } from '../model/SimObjectTree.js';
import { decodeEntries, encodeEntries } from './simCodec.js';

const tree = new SimObjectTree();
const typeOf = tree.typeOf;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('TLV vectors (LwM2M 1.1 §7.4.3)', () => {
  const cases: Array<{ name: string; base: number[]; entries: SimEntry[]; hex: string }> = [
    {
      name: 'single string resource, 8-bit id',
      base: [3, 0, 0],
      entries: [{ objectId: 3, instanceId: 0, resourceId: 0, value: 'Open Mobile Alliance' }],
      hex: 'c8 00 14 4f70656e204d6f62696c6520416c6c69616e6365',
    },
    {
      name: 'multiple resource with two instances',
      base: [3, 0, 6],
      entries: [
        { objectId: 3, instanceId: 0, resourceId: 6, resourceInstanceId: 0, value: 1 },
        { objectId: 3, instanceId: 0, resourceId: 6, resourceInstanceId: 1, value: 5 },
      ],
      hex: '86 06 41 00 01 41 01 05',
    },
    {
      name: 'object level: instance wrapping a 16-bit-id float and a boolean',
      base: [3311],
      entries: [
        { objectId: 3311, instanceId: 0, resourceId: 5850, value: true },
        { objectId: 3311, instanceId: 0, resourceId: 5851, value: 300 },
      ],
      hex: '08 00 09 e1 16da 01 e2 16db 012c',
    },
    {
      name: 'float as 8 bytes',
      base: [3303, 0, 5700],
      entries: [{ objectId: 3303, instanceId: 0, resourceId: 5700, value: 21.5 }],
      hex: 'e8 1644 08 4035800000000000',
    },
  ];
  for (const c of cases) {
    it(`encodes and decodes: ${c.name}`, () => {
      expect(toHex(encodeEntries(c.entries, ContentFormat.Tlv, c.base, typeOf))).toBe(c.hex.replace(/\s+/g, ''));
      expect(decodeEntries(hex(c.hex), ContentFormat.Tlv, c.base, typeOf).entries).toEqual(c.entries);
    });
  }

  it('decodes a Security instance written by a bootstrap server (opaque identity and key, 16-bit length)', () => {
    const uri = Buffer.from('coaps://127.0.0.1:5684');
    const payload = Buffer.concat([
      Buffer.from([0xc8, 0x00, uri.length]),
      uri,
      Buffer.from([0xc1, 0x01, 0x00, 0xc1, 0x02, 0x00, 0xc3, 0x03]),
      Buffer.from('id1'),
      Buffer.from([0xd0, 0x05, 0x01, 0x00]),
      Buffer.alloc(256, 7),
      Buffer.from([0xc1, 0x0a, 0x65]),
    ]);
    const { entries, instances } = decodeEntries(new Uint8Array(payload), ContentFormat.Tlv, [0, 1], typeOf);
    expect(instances).toEqual([{ objectId: 0, instanceId: 1 }]);
    const byId = new Map(entries.map((e) => [e.resourceId, e.value]));
    expect(byId.get(0)).toBe('coaps://127.0.0.1:5684');
    expect(byId.get(1)).toBe(false);
    expect(byId.get(2)).toBe(0);
    expect(byId.get(3)).toEqual(new Uint8Array(Buffer.from('id1')));
    expect((byId.get(5) as Uint8Array).length).toBe(256);
    expect(byId.get(10)).toBe(101);
  });

  it('rejects truncated and malformed TLV with SIM_BAD_PAYLOAD', () => {
    for (const bad of ['c8', 'c8 00 05 41', 'c2 09 01', 'c3 09 010203', '86 06 c1 00 01']) {
      expect(() => decodeEntries(hex(bad), ContentFormat.Tlv, [3, 0], typeOf)).toThrow(expect.objectContaining({ code: 'SIM_BAD_PAYLOAD' }));
    }
  });
});

describe('round trips through every structured format', () => {
  const entries: SimEntry[] = [
    { objectId: 3, instanceId: 0, resourceId: 0, value: 'chainm2m' },
    { objectId: 3, instanceId: 0, resourceId: 6, resourceInstanceId: 0, value: 1 },
    { objectId: 3, instanceId: 0, resourceId: 6, resourceInstanceId: 3, value: 5 },
    { objectId: 3, instanceId: 0, resourceId: 9, value: 95 },
    { objectId: 3, instanceId: 0, resourceId: 13, value: 1_700_000_000 },
    { objectId: 3, instanceId: 0, resourceId: 22, resourceInstanceId: 0, value: { objectId: 3303, instanceId: 0 } },
  ];
  const opaque: SimEntry[] = [
    { objectId: 0, instanceId: 1, resourceId: 3, value: new Uint8Array([0, 1, 2, 255]) },
    { objectId: 0, instanceId: 1, resourceId: 1, value: false },
    { objectId: 0, instanceId: 1, resourceId: 0, value: 'coap://x' },
  ];
  for (const format of [ContentFormat.Tlv, ContentFormat.SenmlJson, ContentFormat.SenmlCbor, ContentFormat.Json]) {
    it(`format ${format}`, () => {
      for (const [base, list] of [
        [[3, 0], entries],
        [[3], entries],
        [[0, 1], opaque],
      ] as const) {
        const bytes = encodeEntries(list, format, base, typeOf);
        const back = decodeEntries(bytes, format, base, typeOf).entries;
        expect(back.map((e) => JSON.stringify({ ...e, value: e.value instanceof Uint8Array ? [...e.value] : e.value }))).toEqual(
          list.map((e) => JSON.stringify({ ...e, value: e.value instanceof Uint8Array ? [...e.value] : e.value })),
        );
      }
    });
  }

  it('text and opaque carry one resource only', () => {
    expect(new TextDecoder().decode(encodeEntries([entries[3] as SimEntry], ContentFormat.Text, [3, 0, 9], typeOf))).toBe('95');
    expect(() => encodeEntries(entries, ContentFormat.Text, [3, 0], typeOf)).toThrow(expect.objectContaining({ code: 'SIM_UNSUPPORTED_FORMAT' }));
    expect(decodeEntries(new Uint8Array([1, 2]), ContentFormat.Opaque, [0, 1, 5], typeOf).entries[0]?.value).toEqual(new Uint8Array([1, 2]));
    expect(decodeEntries(new TextEncoder().encode('1'), ContentFormat.Text, [3311, 0, 5850], typeOf).entries[0]?.value).toBe(true);
  });

  it('SenML names outside the target path are refused', () => {
    const bytes = new TextEncoder().encode('[{"bn":"/1/0/","n":"1","v":5}]');
    expect(() => decodeEntries(bytes, ContentFormat.SenmlJson, [0, 1], typeOf)).toThrow(expect.objectContaining({ code: 'SIM_BAD_PAYLOAD' }));
  });
});
