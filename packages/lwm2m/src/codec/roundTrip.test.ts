/**
 * Randomized round trips: random object instances (every resource type, single and multiple
 * resources, unicode strings, extreme integers) encoded and decoded in every multi-node format give
 * back the same nodes when the object model is known. Seeded, so failures reproduce.
 */
import { describe, expect, it } from 'vitest';
import { ContentFormat } from '../ContentFormat.js';
import { ObjectRegistry } from '../model/ObjectRegistry.js';
import { defineObject, res } from '../model/ObjectModel.js';
import type { ResourceModel, ResourceType } from '../model/ObjectModel.js';
import type { Lwm2mResource, Lwm2mValue } from '../node/Lwm2mNode.js';
import { lwm2mObject, multipleResource, objectInstance, singleResource } from '../node/Lwm2mNode.js';
import { decodeNode, encodeNode } from './Lwm2mCodec.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES: ResourceType[] = ['string', 'integer', 'unsignedInteger', 'float', 'boolean', 'opaque', 'time', 'objlnk', 'corelnk'];
const OBJECT_ID = 40000;

// Resource i has type TYPES[i % n]; resources 100+ are multiple.
const resources: ResourceModel[] = [];
for (let i = 0; i < TYPES.length; i++) {
  resources.push(res(i, `single ${i}`, 'RW', 'S', 'O', TYPES[i] as ResourceType));
  resources.push(res(100 + i, `multiple ${i}`, 'RW', 'M', 'O', TYPES[i] as ResourceType));
}
const model = new ObjectRegistry([defineObject({ id: OBJECT_ID, name: 'Round trip', multiple: true, mandatory: false, resources })]);

function randomValue(rnd: () => number, type: ResourceType, wide: boolean): Lwm2mValue {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  switch (type) {
    case 'string':
    case 'corelnk':
      return pick(['', 'a', 'Open Mobile Alliance', 'ünïcødé ✓', '中文', 'emoji 🚀', 'quote " and \\ backslash', 'x'.repeat(300)]);
    case 'integer':
      return pick([0, 1, -1, 127, -128, 128, 32767, -32769, 2 ** 31 - 1, -(2 ** 31), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, ...(wide ? [2n ** 62n, -(2n ** 63n)] : [])]);
    case 'unsignedInteger':
      return pick([0, 1, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, ...(wide ? [2n ** 64n - 1n] : [])]);
    case 'float':
      return pick([0, 1.5, -22.25, 0.1, 1e-300, 1.7976931348623157e308, 3.4028234663852886e38, Math.PI, -1e21]);
    case 'boolean':
      return rnd() < 0.5;
    case 'opaque':
      return Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256));
    case 'time':
      return new Date(Math.floor(rnd() * 4e9) * 1000);
    case 'objlnk':
      return { objectId: Math.floor(rnd() * 65536), instanceId: Math.floor(rnd() * 65536) };
    case 'none':
      throw new Error('unreachable');
  }
}

function randomResources(rnd: () => number, wide: boolean): Lwm2mResource[] {
  const out: Lwm2mResource[] = [];
  for (const r of resources) {
    if (rnd() < 0.5) continue;
    if (r.multiple) {
      const values = new Map<number, Lwm2mValue>();
      const n = 1 + Math.floor(rnd() * 4);
      while (values.size < n) values.set(Math.floor(rnd() * 65535), randomValue(rnd, r.type, wide));
      out.push(multipleResource(r.id, r.type, values));
    } else out.push(singleResource(r.id, r.type, randomValue(rnd, r.type, wide)));
  }
  if (out.length === 0) out.push(singleResource(0, 'string', 'only'));
  return out;
}

describe('randomized round trips with a model', () => {
  it.each([
    ['TLV', ContentFormat.Tlv, true],
    ['SenML-JSON', ContentFormat.SenmlJson, false],
    ['SenML-CBOR', ContentFormat.SenmlCbor, false],
    ['LwM2M JSON', ContentFormat.Json, false],
  ] as const)('%s', (_name, format, wide) => {
    const rnd = prng(format);
    for (let i = 0; i < 60; i++) {
      const instance = objectInstance(Math.floor(rnd() * 100), randomResources(rnd, wide));
      const at = `/${OBJECT_ID}/${instance.id}`;
      expect(decodeNode(encodeNode(instance, format, { path: at }), format, { path: at, model }), `${at} #${i}`).toEqual(instance);
      const object = lwm2mObject(OBJECT_ID, [instance, objectInstance(instance.id + 1, randomResources(rnd, wide))]);
      expect(decodeNode(encodeNode(object, format, { path: `/${OBJECT_ID}` }), format, { path: `/${OBJECT_ID}`, model })).toEqual(object);
      for (const r of instance.resources) {
        const rp = `${at}/${r.id}`;
        expect(decodeNode(encodeNode(r, format, { path: rp }), format, { path: rp, model })).toEqual(r);
      }
    }
  });
});
