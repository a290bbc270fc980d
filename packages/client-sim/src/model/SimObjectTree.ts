import type { ObjectRegistry } from '@chainm2m/lwm2m';
import { defaultSimRegistry, type SimObjectDef, type SimResourceDef, type SimResourceType } from './simObjects.js';

/** An LwM2M object link value (`objlnk`, e.g. `3:0`). */
export interface ObjectLink {
  readonly objectId: number;
  readonly instanceId: number;
}

/** One resource (instance) value. `time` resources hold Unix seconds as a number. */
export type SimValue = string | number | boolean | Uint8Array | ObjectLink;

/** A single resource value, or the instances of a multiple resource. */
export type SimResourceValue = SimValue | ReadonlyMap<number, SimValue>;

/** One leaf of the tree: a single resource, or one instance of a multiple resource. */
export interface SimEntry {
  readonly objectId: number;
  readonly instanceId: number;
  readonly resourceId: number;
  /** Set for the instances of a multiple resource. */
  readonly resourceInstanceId?: number;
  readonly value: SimValue;
}

/** A resource whose value is computed when read (sensor values, current time). */
export interface DynamicResource {
  read(): SimValue;
  /** Absent: writes replace the dynamic value with a stored one. */
  write?(value: SimValue): void;
  /** `true` when the value changes over time by itself (observations of it are polled). */
  readonly timeVarying?: boolean;
}

export type Executor = (args: string) => void;

/** Fired after a value or an instance changed (not for time-varying reads). */
export type TreeChangeListener = (objectId: number, instanceId?: number, resourceId?: number) => void;

type Stored = SimValue | Map<number, SimValue>;

const key = (o: number, i: number, r: number): string => `${o}/${i}/${r}`;

export function isObjectLink(v: unknown): v is ObjectLink {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && 'objectId' in v && 'instanceId' in v;
}

/**
 * The objects, instances and resource values of one simulated device. Small by design (a few
 * maps per device) so thousands of devices fit in one process.
 */
export class SimObjectTree {
  private readonly objects = new Map<number, Map<number, Map<number, Stored>>>();
  private dynamics: Map<string, DynamicResource> | undefined;
  private executors: Map<string, Executor> | undefined;
  private listener: TreeChangeListener | undefined;

  constructor(
    objectIds: readonly number[] = [],
    /** Object definitions (types, operations); the core's built-ins by default. */
    readonly registry: ObjectRegistry = defaultSimRegistry,
  ) {
    for (const id of objectIds) this.objects.set(id, new Map());
  }

  /** The definition of an object (from the registry). */
  def(objectId: number): SimObjectDef | undefined {
    return this.registry.get(objectId);
  }

  resourceDef(objectId: number, resourceId: number): SimResourceDef | undefined {
    return this.registry.resource(objectId, resourceId);
  }

  /** The declared type of a resource (`undefined` when the registry does not know it). */
  readonly typeOf = (objectId: number, resourceId: number): SimResourceType | undefined =>
    this.registry.resource(objectId, resourceId)?.type;

  onChange(listener: TreeChangeListener | undefined): void {
    this.listener = listener;
  }

  hasObject(objectId: number): boolean {
    return this.objects.has(objectId);
  }

  objectIds(): number[] {
    return [...this.objects.keys()].sort((a, b) => a - b);
  }

  instanceIds(objectId: number): number[] {
    const obj = this.objects.get(objectId);
    return obj ? [...obj.keys()].sort((a, b) => a - b) : [];
  }

  hasInstance(objectId: number, instanceId: number): boolean {
    return this.objects.get(objectId)?.has(instanceId) ?? false;
  }

  /** Ids of the resources present in an instance (stored or dynamic), ascending. */
  resourceIds(objectId: number, instanceId: number): number[] {
    const inst = this.objects.get(objectId)?.get(instanceId);
    return inst ? [...inst.keys()].sort((a, b) => a - b) : [];
  }

  /** The lowest free instance id of an object. */
  freeInstanceId(objectId: number): number {
    const obj = this.objects.get(objectId);
    let id = 0;
    while (obj?.has(id)) id++;
    return id;
  }

  /** Creates an (empty) instance; returns `false` if it already exists. Creates the object too. */
  createInstance(objectId: number, instanceId: number): boolean {
    let obj = this.objects.get(objectId);
    if (!obj) {
      obj = new Map();
      this.objects.set(objectId, obj);
    }
    if (obj.has(instanceId)) return false;
    obj.set(instanceId, new Map());
    this.listener?.(objectId, instanceId);
    return true;
  }

  deleteInstance(objectId: number, instanceId: number): boolean {
    const obj = this.objects.get(objectId);
    if (!obj?.delete(instanceId)) return false;
    const prefix = `${objectId}/${instanceId}/`;
    for (const m of [this.dynamics, this.executors]) {
      if (!m) continue;
      for (const k of m.keys()) if (k.startsWith(prefix)) m.delete(k);
    }
    this.listener?.(objectId, instanceId);
    return true;
  }

  /** `true` when the resource has an executor installed. */
  isExecutable(objectId: number, instanceId: number, resourceId: number): boolean {
    return this.executors?.has(key(objectId, instanceId, resourceId)) ?? false;
  }

  /** Whether a resource is present (stored, dynamic, or an executable with an executor). */
  hasResource(objectId: number, instanceId: number, resourceId: number): boolean {
    return this.objects.get(objectId)?.get(instanceId)?.has(resourceId) ?? false;
  }

  /** Reads a resource; dynamic resources are computed now. */
  get(objectId: number, instanceId: number, resourceId: number): SimResourceValue | undefined {
    const dyn = this.dynamics?.get(key(objectId, instanceId, resourceId));
    if (dyn) return dyn.read();
    const v = this.objects.get(objectId)?.get(instanceId)?.get(resourceId);
    return v;
  }

  /** Sets a resource (creating the instance when needed). A `Map` sets a multiple resource. */
  set(objectId: number, instanceId: number, resourceId: number, value: SimResourceValue): void {
    let obj = this.objects.get(objectId);
    if (!obj) {
      obj = new Map();
      this.objects.set(objectId, obj);
    }
    let inst = obj.get(instanceId);
    if (!inst) {
      inst = new Map();
      obj.set(instanceId, inst);
    }
    const dyn = this.dynamics?.get(key(objectId, instanceId, resourceId));
    if (dyn && !(value instanceof Map)) {
      if (dyn.write) {
        dyn.write(value as SimValue);
        this.listener?.(objectId, instanceId, resourceId);
        return;
      }
      this.dynamics?.delete(key(objectId, instanceId, resourceId));
    }
    inst.set(resourceId, value instanceof Map ? new Map(value) : (value as SimValue));
    this.listener?.(objectId, instanceId, resourceId);
  }

  /** Sets one instance of a multiple resource. */
  setInstance(objectId: number, instanceId: number, resourceId: number, riid: number, value: SimValue): void {
    const cur = this.objects.get(objectId)?.get(instanceId)?.get(resourceId);
    const m = cur instanceof Map ? new Map(cur) : new Map<number, SimValue>();
    m.set(riid, value);
    this.set(objectId, instanceId, resourceId, m);
  }

  deleteResource(objectId: number, instanceId: number, resourceId: number): boolean {
    const inst = this.objects.get(objectId)?.get(instanceId);
    if (!inst?.delete(resourceId)) return false;
    this.dynamics?.delete(key(objectId, instanceId, resourceId));
    this.listener?.(objectId, instanceId, resourceId);
    return true;
  }

  /** Makes a resource computed on read. The resource shows as present. */
  defineDynamic(objectId: number, instanceId: number, resourceId: number, dyn: DynamicResource): void {
    this.dynamics ??= new Map();
    this.dynamics.set(key(objectId, instanceId, resourceId), dyn);
    const inst = this.objects.get(objectId)?.get(instanceId);
    if (inst && !inst.has(resourceId)) inst.set(resourceId, dyn.read());
  }

  /** `true` when the resource's value changes over time by itself. */
  isTimeVarying(objectId: number, instanceId: number, resourceId: number): boolean {
    return this.dynamics?.get(key(objectId, instanceId, resourceId))?.timeVarying === true;
  }

  /** `true` when anything under the given path changes over time by itself. */
  hasTimeVarying(objectId?: number, instanceId?: number, resourceId?: number): boolean {
    if (!this.dynamics) return false;
    for (const [k, d] of this.dynamics) {
      if (!d.timeVarying) continue;
      const [o, i, r] = k.split('/').map(Number);
      if (objectId !== undefined && o !== objectId) continue;
      if (instanceId !== undefined && i !== instanceId) continue;
      if (resourceId !== undefined && r !== resourceId) continue;
      return true;
    }
    return false;
  }

  /** Installs the action of an executable resource (marks it present). */
  setExecutor(objectId: number, instanceId: number, resourceId: number, fn: Executor): void {
    this.executors ??= new Map();
    this.executors.set(key(objectId, instanceId, resourceId), fn);
    const inst = this.objects.get(objectId)?.get(instanceId);
    if (inst && !inst.has(resourceId)) inst.set(resourceId, '');
  }

  /** Runs an executable resource; `false` when it has no executor. */
  execute(objectId: number, instanceId: number, resourceId: number, args: string): boolean {
    const fn = this.executors?.get(key(objectId, instanceId, resourceId));
    if (!fn) return false;
    fn(args);
    this.listener?.(objectId, instanceId);
    return true;
  }

  /**
   * The leaves under a path (ids given shallowest first), with values read now. Executable
   * resources (type `none`) are left out.
   */
  entries(objectId?: number, instanceId?: number, resourceId?: number): SimEntry[] {
    const out: SimEntry[] = [];
    const objs = objectId === undefined ? this.objectIds() : [objectId];
    for (const o of objs) {
      const insts = instanceId === undefined ? this.instanceIds(o) : [instanceId];
      for (const i of insts) {
        const res = resourceId === undefined ? this.resourceIds(o, i) : [resourceId];
        for (const rid of res) {
          if (!this.hasResource(o, i, rid)) continue;
          if (this.resourceDef(o, rid)?.type === 'none') continue;
          if (this.executors?.has(key(o, i, rid)) && !this.dynamics?.has(key(o, i, rid))) continue;
          const v = this.get(o, i, rid);
          if (v === undefined) continue;
          if (v instanceof Map) {
            for (const [riid, rv] of [...v.entries()].sort((a, b) => a[0] - b[0])) {
              out.push({ objectId: o, instanceId: i, resourceId: rid, resourceInstanceId: riid, value: rv });
            }
          } else {
            out.push({ objectId: o, instanceId: i, resourceId: rid, value: v as SimValue });
          }
        }
      }
    }
    return out;
  }
}
