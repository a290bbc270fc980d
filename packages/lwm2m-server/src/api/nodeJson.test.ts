import { describe, expect, it } from 'vitest';
import { ObjectRegistry, objectInstance, singleResource, multipleResource } from '@chainm2m/lwm2m';
import { contentToJson, jsonToInstance, jsonToResource, jsonToResources, jsonToResourceValue, jsonToValue, nodeToJson } from './nodeJson.js';

const objects = new ObjectRegistry();

describe('node JSON', () => {
  it('shows nodes with hex opaque, ISO time, objlnk text and big integers as strings', () => {
    const node = objectInstance(0, [
      singleResource(0, 'string', 'ACME'),
      singleResource(13, 'time', new Date(0)),
      singleResource(1, 'opaque', new Uint8Array([0xca, 0xfe])),
      singleResource(2, 'integer', 2n ** 60n),
      singleResource(3, 'objlnk', { objectId: 3, instanceId: 0 }),
      multipleResource(6, 'integer', new Map([[0, 1], [1, 5]])),
    ]);
    expect(nodeToJson(node)).toEqual({
      kind: 'objectInstance',
      id: 0,
      resources: [
        { kind: 'singleResource', id: 0, type: 'string', value: 'ACME' },
        { kind: 'singleResource', id: 1, type: 'opaque', value: 'cafe' },
        { kind: 'singleResource', id: 2, type: 'integer', value: '1152921504606846976' },
        { kind: 'singleResource', id: 3, type: 'objlnk', value: '3:0' },
        { kind: 'multipleResource', id: 6, type: 'integer', values: { 0: 1, 1: 5 } },
        { kind: 'singleResource', id: 13, type: 'time', value: '1970-01-01T00:00:00.000Z' },
      ],
    });
    expect(contentToJson('21.5')).toBe('21.5');
    expect(contentToJson(new Uint8Array([1, 2]))).toBe('0102');
  });

  it('types a JSON instance body by the object model and names the bad field', () => {
    const node = jsonToInstance(objects, 3311, 0, { 5850: true, 5851: 40 });
    expect(nodeToJson(node)).toEqual({
      kind: 'objectInstance',
      id: 0,
      resources: [
        { kind: 'singleResource', id: 5850, type: 'boolean', value: true },
        { kind: 'singleResource', id: 5851, type: 'integer', value: 40 },
      ],
    });
    expect(() => jsonToInstance(objects, 3311, 0, { 5850: 'yes' })).toThrow(/body\/content\/5850: is not a valid boolean/);
    expect(() => jsonToInstance(objects, 3311, 0, { 99999: 1 })).toThrow(/body\/content\/99999/);
    expect(() => jsonToInstance(objects, 3311, 0, [1])).toThrow(/object of resource id/);
    expect(jsonToValue('opaque', 'cafe', 'f')).toEqual(new Uint8Array([0xca, 0xfe]));
    expect(jsonToValue('time', 60, 'f')).toEqual(new Date(60_000));
    expect(() => jsonToValue('opaque', 'xyz', 'f')).toThrow(/valid opaque/);
  });
});

describe('resources no model describes', () => {
  it('are typed from the JSON value, or by an explicit type', () => {
    expect(jsonToResources(objects, 32769, { 0: 12, 1: 1.5, 2: 'on', 3: true, 4: [1, 2], 5: { type: 'objlnk', value: '3303:0' }, 6: { type: 'opaque', value: 'cafe' } })).toEqual([
      singleResource(0, 'integer', 12),
      singleResource(1, 'float', 1.5),
      singleResource(2, 'string', 'on'),
      singleResource(3, 'boolean', true),
      multipleResource(4, 'integer', { 0: 1, 1: 2 }),
      singleResource(5, 'objlnk', { objectId: 3303, instanceId: 0 }),
      singleResource(6, 'opaque', new Uint8Array([0xca, 0xfe])),
    ]);
    expect(jsonToResource(objects, 32769, 7, { type: 'unsignedInteger', values: { 3: 9 } }, 'f')).toEqual(multipleResource(7, 'unsignedInteger', { 3: 9 }));
    expect(jsonToResourceValue(objects, 32769, 0, { type: 'float', value: 3 }, 'f')).toEqual({ type: 'float', value: 3 });
  });

  it('refuse what cannot be typed, naming the field', () => {
    expect(() => jsonToResources(objects, 32769, { 0: null })).toThrow(/body\/content\/0: is not in the object model/);
    expect(() => jsonToResources(objects, 32769, { 0: { type: 'decimal', value: 1 } })).toThrow(/body\/content\/0\/type: must be one of/);
    expect(() => jsonToResources(objects, 32769, { 0: { type: 'integer' } })).toThrow(/give "value" or "values"/);
    expect(() => jsonToResources(objects, 32769, { 0: { type: 'integer', value: 'x' } })).toThrow(/not a valid integer/);
    expect(() => jsonToResources(objects, 32769, { '007': 1 })).toThrow(/not a resource id/);
    // A modelled resource keeps its model's type.
    expect(() => jsonToResources(objects, 3311, { 5850: { type: 'string', value: 'x' } })).toThrow(/not a valid boolean/);
  });
});
