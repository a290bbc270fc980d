import { Lwm2mError } from '../Lwm2mError.js';
import type { ResourceType } from '../model/ObjectModel.js';

/** Target of an Objlnk resource: `objectId:instanceId` (65535:65535 is the null link). */
export interface ObjectLink {
  readonly objectId: number;
  readonly instanceId: number;
}

/**
 * A resource value. By resource type:
 * string / corelnk -> `string`; integer / unsignedInteger -> `number` (or `bigint` beyond 2^53);
 * float -> `number`; boolean -> `boolean`; opaque -> `Uint8Array`; time -> `Date` (whole seconds on the
 * wire); objlnk -> `ObjectLink`. Executable (`none`) resources carry no value.
 */
export type Lwm2mValue = string | number | bigint | boolean | Uint8Array | Date | ObjectLink;

export interface Lwm2mResourceInstance {
  readonly kind: 'resourceInstance';
  readonly id: number;
  readonly type: ResourceType;
  readonly value: Lwm2mValue;
}

export interface Lwm2mSingleResource {
  readonly kind: 'singleResource';
  readonly id: number;
  readonly type: ResourceType;
  readonly value: Lwm2mValue;
}

export interface Lwm2mMultipleResource {
  readonly kind: 'multipleResource';
  readonly id: number;
  readonly type: ResourceType;
  /** Ordered by id. */
  readonly instances: readonly Lwm2mResourceInstance[];
}

export type Lwm2mResource = Lwm2mSingleResource | Lwm2mMultipleResource;

export interface Lwm2mObjectInstance {
  readonly kind: 'objectInstance';
  readonly id: number;
  /** Ordered by id. */
  readonly resources: readonly Lwm2mResource[];
}

export interface Lwm2mObject {
  readonly kind: 'object';
  readonly id: number;
  /** Ordered by id. */
  readonly instances: readonly Lwm2mObjectInstance[];
}

export type Lwm2mNode = Lwm2mObject | Lwm2mObjectInstance | Lwm2mSingleResource | Lwm2mMultipleResource | Lwm2mResourceInstance;
export type Lwm2mNodeKind = Lwm2mNode['kind'];

/** A value that does not fit its declared resource type, or an inconsistent node. */
export class InvalidValueError extends Lwm2mError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('LWM2M_INVALID_VALUE', message, details ? { details } : {});
  }
}

function checkId(id: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id > 65534) throw new InvalidValueError(`${what} id must be an integer in 0..65534 (65535 is reserved)`, { id });
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

/** Throws `InvalidValueError` when `value` is not a valid JS representation of `type`. */
function badValue(type: ResourceType, value: unknown): never {
  throw new InvalidValueError(`value does not fit resource type ${type}`, { type, valueType: typeof value });
}

export function checkValue(type: ResourceType, value: unknown): asserts value is Lwm2mValue {
  switch (type) {
    case 'string':
    case 'corelnk':
      if (typeof value !== 'string') badValue(type, value);
      return;
    case 'integer':
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) badValue(type, value);
      } else if (typeof value === 'bigint') {
        if (value < I64_MIN || value > I64_MAX) badValue(type, value);
      } else badValue(type, value);
      return;
    case 'unsignedInteger':
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value) || value < 0) badValue(type, value);
      } else if (typeof value === 'bigint') {
        if (value < 0n || value > U64_MAX) badValue(type, value);
      } else badValue(type, value);
      return;
    case 'float':
      if (typeof value !== 'number' || Number.isNaN(value)) badValue(type, value);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') badValue(type, value);
      return;
    case 'opaque':
      if (!(value instanceof Uint8Array)) badValue(type, value);
      return;
    case 'time':
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) badValue(type, value);
      return;
    case 'objlnk': {
      const l = value as ObjectLink;
      if (typeof value !== 'object' || value === null || value instanceof Uint8Array || value instanceof Date) badValue(type, value);
      if (!Number.isInteger(l.objectId) || !Number.isInteger(l.instanceId)) badValue(type, value);
      if (l.objectId < 0 || l.objectId > 65535 || l.instanceId < 0 || l.instanceId > 65535) badValue(type, value);
      return;
    }
    case 'none':
      throw new InvalidValueError('executable resources carry no value', { type });
  }
}

export function resourceInstance(id: number, type: ResourceType, value: Lwm2mValue): Lwm2mResourceInstance {
  checkId(id, 'resource instance');
  checkValue(type, value);
  return { kind: 'resourceInstance', id, type, value };
}

export function singleResource(id: number, type: ResourceType, value: Lwm2mValue): Lwm2mSingleResource {
  checkId(id, 'resource');
  checkValue(type, value);
  return { kind: 'singleResource', id, type, value };
}

/** `values` as `{ 0: 1, 1: 5 }`, a Map, or resource-instance nodes. */
export function multipleResource(
  id: number,
  type: ResourceType,
  values: Readonly<Record<number, Lwm2mValue>> | ReadonlyMap<number, Lwm2mValue> | readonly Lwm2mResourceInstance[],
): Lwm2mMultipleResource {
  checkId(id, 'resource');
  let instances: Lwm2mResourceInstance[];
  if (Array.isArray(values)) {
    instances = (values as readonly Lwm2mResourceInstance[]).map((ri) => {
      if (ri.type !== type) throw new InvalidValueError('resource instance type differs from its resource', { id, instance: ri.id });
      if (ri.kind === 'resourceInstance') {
        checkId(ri.id, 'resource instance');
        checkValue(type, ri.value);
        return ri;
      }
      return resourceInstance(ri.id, type, ri.value);
    });
  } else if (values instanceof Map) {
    instances = [...values].map(([k, v]) => resourceInstance(k, type, v));
  } else {
    instances = Object.entries(values as Record<string, Lwm2mValue>).map(([k, v]) => resourceInstance(Number(k), type, v));
  }
  return { kind: 'multipleResource', id, type, instances: sortUnique(instances, 'resource instance') };
}

export function objectInstance(id: number, resources: readonly Lwm2mResource[]): Lwm2mObjectInstance {
  checkId(id, 'object instance');
  return { kind: 'objectInstance', id, resources: sortUnique([...resources], 'resource') };
}

export function lwm2mObject(id: number, instances: readonly Lwm2mObjectInstance[]): Lwm2mObject {
  checkId(id, 'object');
  return { kind: 'object', id, instances: sortUnique([...instances], 'object instance') };
}

function sortUnique<T extends { readonly id: number }>(items: T[], what: string): T[] {
  items.sort((a, b) => a.id - b.id);
  for (let i = 1; i < items.length; i++) {
    if ((items[i] as T).id === (items[i - 1] as T).id) throw new InvalidValueError(`duplicate ${what} id`, { id: (items[i] as T).id });
  }
  return items;
}

/** Finds a resource of an object instance by id. */
export function findResource(instance: Lwm2mObjectInstance, id: number): Lwm2mResource | undefined {
  return instance.resources.find((r) => r.id === id);
}
