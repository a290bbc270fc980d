import { Lwm2mError } from '../Lwm2mError.js';

/** Resource data types of LwM2M 1.1 (TS Core, Appendix C). */
export const ResourceType = {
  String: 'string',
  Integer: 'integer',
  UnsignedInteger: 'unsignedInteger',
  Float: 'float',
  Boolean: 'boolean',
  Opaque: 'opaque',
  Time: 'time',
  Objlnk: 'objlnk',
  Corelnk: 'corelnk',
  /** Executable resources carry no value. */
  None: 'none',
} as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

/** Operations allowed on a resource, as written in the OMA registry (`''` = none, bootstrap only). */
export const Operations = {
  None: '',
  R: 'R',
  W: 'W',
  RW: 'RW',
  E: 'E',
} as const;
export type Operations = (typeof Operations)[keyof typeof Operations];

export interface ResourceModel {
  readonly id: number;
  readonly name: string;
  readonly operations: Operations;
  /** `true` when the resource has resource instances (`Multiple`). */
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly type: ResourceType;
  readonly rangeEnumeration?: string;
  readonly units?: string;
  readonly description?: string;
}

export interface ObjectModel {
  readonly id: number;
  readonly name: string;
  /** Object version, e.g. `1.1` (default `1.0`). */
  readonly version: string;
  /** LwM2M version the object targets, e.g. `1.1`. */
  readonly lwm2mVersion: string;
  readonly urn: string;
  /** `true` when the object may have several instances. */
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly description?: string;
  readonly resources: ReadonlyMap<number, ResourceModel>;
}

/** A malformed or inconsistent object definition (DDF). */
export class InvalidModelError extends Lwm2mError {
  constructor(message: string, details?: Record<string, unknown>, cause?: unknown) {
    super('LWM2M_INVALID_MODEL', message, { ...(details ? { details } : {}), ...(cause !== undefined ? { cause } : {}) });
  }
}

export function isReadable(r: ResourceModel): boolean {
  return r.operations === 'R' || r.operations === 'RW';
}
export function isWritable(r: ResourceModel): boolean {
  return r.operations === 'W' || r.operations === 'RW';
}
export function isExecutable(r: ResourceModel): boolean {
  return r.operations === 'E';
}

export interface ObjectModelInit extends Omit<ObjectModel, 'resources' | 'version' | 'lwm2mVersion' | 'urn'> {
  readonly version?: string;
  readonly lwm2mVersion?: string;
  readonly urn?: string;
  readonly resources: readonly ResourceModel[];
}

/** Builds an `ObjectModel`, checking ids and rejecting duplicate resource ids. */
export function defineObject(init: ObjectModelInit): ObjectModel {
  if (!Number.isInteger(init.id) || init.id < 0 || init.id > 65534) throw new InvalidModelError('object id out of range', { id: init.id });
  const version = init.version ?? '1.0';
  const resources = new Map<number, ResourceModel>();
  for (const r of init.resources) {
    if (!Number.isInteger(r.id) || r.id < 0 || r.id > 65534) throw new InvalidModelError('resource id out of range', { objectId: init.id, id: r.id });
    if (resources.has(r.id)) throw new InvalidModelError('duplicate resource id', { objectId: init.id, id: r.id });
    resources.set(r.id, r);
  }
  const isOma = init.id < 1024;
  return {
    id: init.id,
    name: init.name,
    version,
    lwm2mVersion: init.lwm2mVersion ?? '1.0',
    urn: init.urn ?? `urn:oma:lwm2m:${isOma ? 'oma' : 'ext'}:${init.id}${version === '1.0' ? '' : ':' + version}`,
    multiple: init.multiple,
    mandatory: init.mandatory,
    ...(init.description !== undefined ? { description: init.description } : {}),
    resources,
  };
}

/**
 * Compact resource row, as in the OMA tables:
 * `res(id, name, operations, 'S'|'M', 'M'|'O', type, units?)`.
 */
export function res(
  id: number,
  name: string,
  operations: Operations,
  instances: 'S' | 'M',
  mandatory: 'M' | 'O',
  type: ResourceType,
  units?: string,
  rangeEnumeration?: string,
): ResourceModel {
  return {
    id,
    name,
    operations,
    multiple: instances === 'M',
    mandatory: mandatory === 'M',
    type,
    ...(units ? { units } : {}),
    ...(rangeEnumeration ? { rangeEnumeration } : {}),
  };
}
