/**
 * The simulator's codecs are written independently of the LwM2M core's (so the two sides of the
 * servers' e2e tests do not share a codec). This checks they agree, both ways, on every structured
 * format.
 */
import {
  ContentFormat,
  decodeNode,
  encodeNode,
  multipleResource,
  objectInstance,
  singleResource,
  type Lwm2mNode,
  type Lwm2mObjectInstance,
} from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { decodeEntries, defaultSimRegistry, encodeEntries, SimDevice } from '../../src/index.js';
import { seededRandom } from '../harness.js';
import { FakeClock } from '@chainm2m/lwm2m';

const FORMATS = [ContentFormat.Tlv, ContentFormat.SenmlJson, ContentFormat.SenmlCbor, ContentFormat.Json] as const;

function deviceTree() {
  const d = new SimDevice({ endpoint: 'x1', clock: new FakeClock(0), random: seededRandom(5), profile: { epochAtClockZeroS: 1_700_000_000 } });
  return d.objects;
}

function resourceValue(node: Lwm2mNode, id: number): unknown {
  const inst = node as Lwm2mObjectInstance;
  const r = inst.resources.find((x) => x.id === id);
  if (!r) return undefined;
  return r.kind === 'singleResource' ? r.value : r.instances.map((i) => i.value);
}

describe('simulator codecs vs the LwM2M core codecs', () => {
  for (const format of FORMATS) {
    it(`core decodes what the simulator encodes (${format})`, () => {
      const t = deviceTree();
      const bytes = encodeEntries(t.entries(3, 0), format, [3, 0], t.typeOf);
      const node = decodeNode(bytes, format, { path: '/3/0', model: defaultSimRegistry });
      expect(node.kind).toBe('objectInstance');
      expect(resourceValue(node, 0)).toBe('chainm2m');
      expect(resourceValue(node, 6)).toEqual([1, 5]);
      expect(resourceValue(node, 9)).toBe(95);
      expect(resourceValue(node, 13)).toEqual(new Date(1_700_000_000 * 1000));
    });

    it(`the simulator decodes what the core encodes (${format})`, () => {
      const server = objectInstance(0, [
        singleResource(0, 'integer', 101),
        singleResource(1, 'integer', 86400),
        singleResource(6, 'boolean', true),
        singleResource(7, 'string', 'UQ'),
      ]);
      const sec = objectInstance(1, [
        singleResource(0, 'string', 'coaps://127.0.0.1:5684'),
        singleResource(1, 'boolean', false),
        singleResource(2, 'integer', 0),
        singleResource(3, 'opaque', new TextEncoder().encode('dev-id')),
        singleResource(5, 'opaque', new Uint8Array([0, 1, 2, 254, 255])),
        singleResource(10, 'integer', 101),
      ]);
      const light = objectInstance(0, [multipleResource(6, 'integer', [[0, 1], [7, 5]].map(([id, v]) => ({ kind: 'resourceInstance' as const, id: id as number, type: 'integer' as const, value: v as number })))]);
      const t = deviceTree();
      const srv = decodeEntries(encodeNode(server, format, { path: '/1/0', model: defaultSimRegistry }), format, [1, 0], t.typeOf);
      expect(new Map(srv.entries.map((e) => [e.resourceId, e.value]))).toEqual(new Map<number, unknown>([[0, 101], [1, 86400], [6, true], [7, 'UQ']]));
      const s = decodeEntries(encodeNode(sec, format, { path: '/0/1', model: defaultSimRegistry }), format, [0, 1], t.typeOf);
      const byId = new Map(s.entries.map((e) => [e.resourceId, e.value]));
      expect(byId.get(0)).toBe('coaps://127.0.0.1:5684');
      expect(byId.get(1)).toBe(false);
      expect(byId.get(3)).toEqual(new TextEncoder().encode('dev-id'));
      expect(byId.get(5)).toEqual(new Uint8Array([0, 1, 2, 254, 255]));
      const m = decodeEntries(encodeNode(light, format, { path: '/3/0', model: defaultSimRegistry }), format, [3, 0], t.typeOf);
      expect(m.entries.map((e) => [e.resourceInstanceId, e.value])).toEqual([
        [0, 1],
        [7, 5],
      ]);
    });
  }
});
