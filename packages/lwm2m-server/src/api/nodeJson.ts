import {
  objectInstance,
  singleResource,
  multipleResource,
  type Lwm2mNode,
  type Lwm2mResource,
  type Lwm2mValue,
  type ObjectRegistry,
  type ResourceType,
} from '@chainm2m/lwm2m';
import { ApiError, ApiErrorCode } from './ApiError.js';

/**
 * The API's JSON form of LwM2M content (close to Leshan's):
 * - a resource: `{ "kind": "singleResource", "id": 5700, "type": "float", "value": 21.5 }`
 * - an instance: `{ "kind": "objectInstance", "id": 0, "resources": [ ...resources ] }`
 * Values: opaque as hex, time as ISO-8601, objlnk as `"3:0"`, 64-bit integers beyond 2^53 as strings.
 */
export function valueToJson(value: Lwm2mValue): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'object') return `${value.objectId}:${value.instanceId}`;
  return value;
}

export function nodeToJson(node: Lwm2mNode): unknown {
  switch (node.kind) {
    case 'singleResource':
    case 'resourceInstance':
      return { kind: node.kind, id: node.id, type: node.type, value: valueToJson(node.value) };
    case 'multipleResource':
      return { kind: node.kind, id: node.id, type: node.type, values: Object.fromEntries(node.instances.map((i) => [i.id, valueToJson(i.value)])) };
    case 'objectInstance':
      return { kind: node.kind, id: node.id, resources: node.resources.map(nodeToJson) };
    case 'object':
      return { kind: node.kind, id: node.id, instances: node.instances.map(nodeToJson) };
  }
}

function isNode(x: unknown): x is Lwm2mNode {
  return typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string' && typeof (x as { id?: unknown }).id === 'number';
}

/** Whatever a decoder produced (nodes, path/node pairs, text, bytes, parsed JSON) in JSON form. */
export function contentToJson(decoded: unknown): unknown {
  if (isNode(decoded)) return nodeToJson(decoded);
  if (decoded instanceof Uint8Array) return Buffer.from(decoded).toString('hex');
  if (Array.isArray(decoded)) {
    return decoded.map((d: unknown) => {
      const pn = d as { path?: unknown; node?: unknown };
      if (typeof pn === 'object' && pn !== null && pn.path !== undefined && isNode(pn.node)) return { path: String(pn.path), node: nodeToJson(pn.node) };
      return contentToJson(d);
    });
  }
  if (typeof decoded === 'bigint') return decoded.toString();
  return decoded;
}

function bad(field: string, message: string): ApiError {
  return new ApiError(ApiErrorCode.BadRequest, `${field}: ${message}`, { details: { field } });
}

/** A JSON value as the LwM2M value of a resource of `type`. */
export function jsonToValue(type: ResourceType, json: unknown, field: string): Lwm2mValue {
  switch (type) {
    case 'string':
    case 'corelnk':
      if (typeof json === 'string') return json;
      break;
    case 'integer':
    case 'unsignedInteger':
      if (typeof json === 'number' && Number.isSafeInteger(json)) return json;
      if (typeof json === 'string' && /^-?\d+$/.test(json)) return BigInt(json);
      break;
    case 'float':
      if (typeof json === 'number') return json;
      break;
    case 'boolean':
      if (typeof json === 'boolean') return json;
      break;
    case 'opaque':
      if (typeof json === 'string' && /^([0-9a-fA-F]{2})*$/.test(json)) return new Uint8Array(Buffer.from(json, 'hex'));
      break;
    case 'time':
      if (typeof json === 'number') return new Date(json * 1000);
      if (typeof json === 'string' && !Number.isNaN(Date.parse(json))) return new Date(json);
      break;
    case 'objlnk':
      if (typeof json === 'string' && /^\d+:\d+$/.test(json)) {
        const [o, i] = json.split(':').map(Number) as [number, number];
        return { objectId: o, instanceId: i };
      }
      break;
    case 'none':
      throw bad(field, 'is executable and has no value');
  }
  throw bad(field, `is not a valid ${type} value`);
}

const RESOURCE_TYPES: readonly ResourceType[] = ['string', 'integer', 'unsignedInteger', 'float', 'boolean', 'opaque', 'time', 'objlnk', 'corelnk'];

/** The type of a JSON value of a resource no model describes. */
function inferJsonType(json: unknown, field: string): ResourceType {
  if (typeof json === 'string') return 'string';
  if (typeof json === 'boolean') return 'boolean';
  if (typeof json === 'number') return Number.isInteger(json) ? 'integer' : 'float';
  throw bad(field, 'is not in the object model; give a string, number or boolean, or {"type": ..., "value": ...}');
}

/** `{"type": "integer", "value": 5}` (or `"values"` for a multiple resource): a value with an explicit type. */
function explicitTyped(json: unknown, field: string): { type: ResourceType; value?: unknown; values?: unknown } | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('type' in json)) return undefined;
  const t = (json as { type: unknown }).type;
  if (typeof t !== 'string' || !(RESOURCE_TYPES as readonly string[]).includes(t)) throw bad(`${field}/type`, `must be one of ${RESOURCE_TYPES.join(', ')}`);
  const o = json as { value?: unknown; values?: unknown };
  if ((o.value === undefined) === (o.values === undefined)) throw bad(field, 'give "value" or "values" with "type"');
  return { type: t as ResourceType, ...(o.value !== undefined ? { value: o.value } : {}), ...(o.values !== undefined ? { values: o.values } : {}) };
}

function instanceEntries(value: unknown, field: string): (readonly [number, unknown])[] {
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : typeof value === 'object' && value !== null ? Object.entries(value).map(([k, v]) => [Number(k), v] as const) : undefined;
  if (!entries) throw bad(field, 'is a multiple resource: give an array or an object of instance id to value');
  for (const [i] of entries) if (!Number.isInteger(i) || i < 0 || i > 65534) throw bad(field, 'has an invalid resource instance id');
  return entries;
}

/**
 * One resource from its JSON value: typed by the object model; for resources no model describes,
 * by an explicit `{"type", "value" | "values"}` or inferred from the JSON value (arrays and objects
 * of instance id to value are multiple resources).
 */
export function jsonToResource(objects: ObjectRegistry, objectId: number, id: number, value: unknown, field: string): Lwm2mResource {
  const model = objects.resource(objectId, id);
  const typed = model ? undefined : explicitTyped(value, field);
  const multiple = model ? model.multiple : typed ? typed.values !== undefined : typeof value === 'object' && value !== null;
  const raw = typed ? (typed.values ?? typed.value) : value;
  if (multiple) {
    const entries = instanceEntries(raw, field);
    const type = model?.type ?? typed?.type ?? (entries[0] ? inferJsonType(entries[0][1], `${field}/${entries[0][0]}`) : 'string');
    return multipleResource(id, type, new Map(entries.map(([i, v]) => [i, jsonToValue(type, v, `${field}/${i}`)])));
  }
  const type = model?.type ?? typed?.type ?? inferJsonType(raw, field);
  return singleResource(id, type, jsonToValue(type, raw, field));
}

/** A single value for a resource path, typed like `jsonToResource`. */
export function jsonToResourceValue(objects: ObjectRegistry, objectId: number, resourceId: number, json: unknown, field: string): { type: ResourceType; value: Lwm2mValue } {
  const model = objects.resource(objectId, resourceId);
  if (model) return { type: model.type, value: jsonToValue(model.type, json, field) };
  const typed = explicitTyped(json, field);
  if (typed?.values !== undefined) throw bad(field, 'give one value for a resource path');
  const raw = typed ? typed.value : json;
  const type = typed?.type ?? inferJsonType(raw, field);
  return { type, value: jsonToValue(type, raw, field) };
}

/**
 * The resources of an instance body: `{ "5850": true, "5851": 40 }` (resource id to value; arrays
 * or `{ "0": v }` objects for multiple resources), see `jsonToResource`.
 */
export function jsonToResources(objects: ObjectRegistry, objectId: number, json: unknown, field = 'body/content'): Lwm2mResource[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(field, 'must be an object of resource id to value');
  const resources: Lwm2mResource[] = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const id = Number(key);
    const f = `${field}/${key}`;
    if (!/^(0|[1-9]\d{0,4})$/.test(key) || id > 65534) throw bad(f, 'is not a resource id');
    resources.push(jsonToResource(objects, objectId, id, value, f));
  }
  return resources;
}

/** The JSON body of a write for an object instance (see `jsonToResources`). */
export function jsonToInstance(objects: ObjectRegistry, objectId: number, instanceId: number, json: unknown): Lwm2mNode {
  return objectInstance(instanceId, jsonToResources(objects, objectId, json));
}
