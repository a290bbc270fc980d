/**
 * The objects the simulated device hosts: LwM2M 0 (Security), 1 (Server), 3 (Device), IPSO 3303
 * (Temperature) and 3311 (Light Control). Their definitions (types, operations, multiplicity) come
 * from the LwM2M core's `ObjectRegistry`; they drive decoding, access checks, discovery and the
 * registration payload.
 */
import { ObjectRegistry, type ObjectModel, type ResourceModel } from '@chainm2m/lwm2m';

export type SimResourceType = ResourceModel['type'];
export type SimObjectDef = ObjectModel;
export type SimResourceDef = ResourceModel;

/** Object ids every simulated device hosts. */
export const SIM_OBJECT_IDS: readonly number[] = [0, 1, 3, 3303, 3311];

/** Shared by every device of the process (read-only after start). */
export const defaultSimRegistry = new ObjectRegistry();

export function isReadableDef(r: ResourceModel): boolean {
  return r.operations === 'R' || r.operations === 'RW';
}

export function isWritableDef(r: ResourceModel): boolean {
  return r.operations === 'W' || r.operations === 'RW';
}
