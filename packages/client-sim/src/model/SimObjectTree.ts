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

const BEHAVIOUR: unique symbol = Symbol('simBehaviour');

/** Where a behaviour runs: the tree and the resource it is installed on. */
export interface BehaviourContext {
  readonly tree: SimObjectTree;
  readonly objectId: number;
  readonly instanceId: number;
  readonly resourceId: number;
}

/**
 * What a resource does instead of holding a plain value: computed reads (sensors, clocks), side
 * effects of writes, Execute. Behaviours are shared objects (one per kind, not per device) that
 * keep their per-instance state in `tree.instanceState(...)`, so a device costs a few maps.
 */
export interface ResourceBehaviour {
  readonly [BEHAVIOUR]: true;
  read?(ctx: BehaviourContext): SimValue;
  /** Absent: a write replaces the behaviour with the stored value. */
  write?(ctx: BehaviourContext, value: SimValue): void;
  execute?(ctx: BehaviourContext, args: string): void;
  /** `true` when the value changes over time by itself (observations of it are polled). */
  readonly timeVarying?: boolean;
}

/** Builds a shareable behaviour. */
export function behaviour(b: Omit<ResourceBehaviour, typeof BEHAVIOUR>): ResourceBehaviour {
  return { ...b, [BEHAVIOUR]: true };
}

function isBehaviour(v: unknown): v is ResourceBehaviour {
  return typeof v === 'object' && v !== null && (v as { [BEHAVIOUR]?: true })[BEHAVIOUR] === true;
}

/** A per-device computed resource (closure style; prefer shared behaviours for many devices). */
export interface DynamicResource {
  read(): SimValue;
  write?(value: SimValue): void;
  readonly timeVarying?: boolean;
}

export type Executor = (args: string) => void;

/** Fired after a value or an instance changed (not for time-varying reads). */
export type TreeChangeListener = (objectId: number, instanceId?: number, resourceId?: number) => void;

type Stored = SimValue | Map<number, SimValue> | ResourceBehaviour;

const typeOfCache = new WeakMap<ObjectRegistry, (objectId: number, resourceId: number) => SimResourceType | undefined>();

function typeOfFor(registry: ObjectRegistry): (objectId: number, resourceId: number) => SimResourceType | undefined {
  let fn = typeOfCache.get(registry);
  if (!fn) {
    fn = (o, r) => registry.resource(o, r)?.type;
    typeOfCache.set(registry, fn);
  }
  return fn;
}

export function isObjectLink(v: unknown): v is ObjectLink {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && 'objectId' in v && 'instanceId' in v;
}

/**
 * The objects, instances and resource values of one simulated device. Small by design (a few
 * maps per device, shared behaviours) so thousands of devices fit in one process.
 */
export class SimObjectTree {
  private readonly objects = new Map<number, Map<number, Map<number, Stored>>>();
  private states: Map<number, unknown> | undefined;
  private listener: TreeChangeListener | undefined;
  /** Device-wide environment for behaviours (clock, hooks...), set by whoever populates the tree. */
  env: unknown;

  constructor(
    objectIds: readonly number[] = [],
    /** Object definitions (types, operations); the core's built-ins by default. */
    readonly registry: ObjectRegistry = defaultSimRegistry,
  ) {
    for (const id of objectIds) this.objects.set(id, new Map());
    this.typeOf = typeOfFor(registry);
  }

  /** The definition of an object (from the registry). */
  def(objectId: number): SimObjectDef | undefined {
    return this.registry.get(objectId);
  }

  resourceDef(objectId: number, resourceId: number): SimResourceDef | undefined {
    return this.registry.resource(objectId, resourceId);
  }

  /** The declared type of a resource (`undefined` when unknown); a plain function, shared per registry. */
  readonly typeOf: (objectId: number, resourceId: number) => SimResourceType | undefined;

  onChange(listener: TreeChangeListener | undefined): void {
    this.listener = listener;
  }

  /** Per-instance state of behaviours, created on first use. */
  instanceState<T>(objectId: number, instanceId: number, init: () => T): T {
    const k = objectId * 65536 + instanceId;
    this.states ??= new Map();
    let s = this.states.get(k) as T | undefined;
    if (s === undefined) {
      s = init();
      this.states.set(k, s);
    }
    return s;
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

  /** Ids of the resources present in an instance (values, computed and executable), ascending. */
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

  private instance(objectId: number, instanceId: number): Map<number, Stored> {
    let obj = this.objects.get(objectId);
    if (!obj) {
      obj = new Map();
      this.objects.set(objectId, obj);
    }
    let inst = obj.get(instanceId);
    if (!inst) {
      inst = new Map();
      obj.set(instanceId, inst);
      this.listener?.(objectId, instanceId);
    }
    return inst;
  }

  /** Creates an (empty) instance; returns `false` if it already exists. Creates the object too. */
  createInstance(objectId: number, instanceId: number): boolean {
    if (this.hasInstance(objectId, instanceId)) return false;
    this.instance(objectId, instanceId);
    return true;
  }

  deleteInstance(objectId: number, instanceId: number): boolean {
    const obj = this.objects.get(objectId);
    if (!obj?.delete(instanceId)) return false;
    this.states?.delete(objectId * 65536 + instanceId);
    this.listener?.(objectId, instanceId);
    return true;
  }

  /** Whether a resource is present (stored, computed, or executable). */
  hasResource(objectId: number, instanceId: number, resourceId: number): boolean {
    return this.objects.get(objectId)?.get(instanceId)?.has(resourceId) ?? false;
  }

  /** Reads a resource; computed resources are computed now; executables read as `undefined`. */
  get(objectId: number, instanceId: number, resourceId: number): SimResourceValue | undefined {
    const v = this.objects.get(objectId)?.get(instanceId)?.get(resourceId);
    if (!isBehaviour(v)) return v;
    return v.read?.({ tree: this, objectId, instanceId, resourceId });
  }

  /** Sets a resource (creating the instance when needed). A `Map` sets a multiple resource. */
  set(objectId: number, instanceId: number, resourceId: number, value: SimResourceValue): void {
    const inst = this.instance(objectId, instanceId);
    const cur = inst.get(resourceId);
    if (isBehaviour(cur) && cur.write && !(value instanceof Map)) {
      cur.write({ tree: this, objectId, instanceId, resourceId }, value as SimValue);
      this.listener?.(objectId, instanceId, resourceId);
      return;
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
    this.listener?.(objectId, instanceId, resourceId);
    return true;
  }

  /** Installs a (shared) behaviour on a resource; the resource shows as present. */
  setBehaviour(objectId: number, instanceId: number, resourceId: number, b: ResourceBehaviour): void {
    this.instance(objectId, instanceId).set(resourceId, b);
  }

  /** Makes a resource computed on read, closure style. */
  defineDynamic(objectId: number, instanceId: number, resourceId: number, dyn: DynamicResource): void {
    this.setBehaviour(
      objectId,
      instanceId,
      resourceId,
      behaviour({
        read: () => dyn.read(),
        ...(dyn.write ? { write: (_c: BehaviourContext, v: SimValue) => dyn.write?.(v) } : {}),
        ...(dyn.timeVarying ? { timeVarying: true } : {}),
      }),
    );
  }

  /** Installs the action of an executable resource (marks it present). */
  setExecutor(objectId: number, instanceId: number, resourceId: number, fn: Executor): void {
    this.setBehaviour(objectId, instanceId, resourceId, behaviour({ execute: (_c, args) => fn(args) }));
  }

  private behaviourAt(objectId: number, instanceId: number, resourceId: number): ResourceBehaviour | undefined {
    const v = this.objects.get(objectId)?.get(instanceId)?.get(resourceId);
    return isBehaviour(v) ? v : undefined;
  }

  /** `true` when the resource is backed by a behaviour (computed, or executable). */
  isComputed(objectId: number, instanceId: number, resourceId: number): boolean {
    return this.behaviourAt(objectId, instanceId, resourceId) !== undefined;
  }

  /** `true` when the resource can be executed. */
  isExecutable(objectId: number, instanceId: number, resourceId: number): boolean {
    return this.behaviourAt(objectId, instanceId, resourceId)?.execute !== undefined;
  }

  /** `true` when the resource's value changes over time by itself. */
  isTimeVarying(objectId: number, instanceId: number, resourceId: number): boolean {
    return this.behaviourAt(objectId, instanceId, resourceId)?.timeVarying === true;
  }

  /** `true` when anything under the given path changes over time by itself. */
  hasTimeVarying(objectId?: number, instanceId?: number, resourceId?: number): boolean {
    for (const [o, obj] of this.objects) {
      if (objectId !== undefined && o !== objectId) continue;
      for (const [i, inst] of obj) {
        if (instanceId !== undefined && i !== instanceId) continue;
        for (const [r, v] of inst) {
          if (resourceId !== undefined && r !== resourceId) continue;
          if (isBehaviour(v) && v.timeVarying) return true;
        }
      }
    }
    return false;
  }

  /** Runs an executable resource; `false` when it is not executable. */
  execute(objectId: number, instanceId: number, resourceId: number, args: string): boolean {
    const b = this.behaviourAt(objectId, instanceId, resourceId);
    if (!b?.execute) return false;
    b.execute({ tree: this, objectId, instanceId, resourceId }, args);
    this.listener?.(objectId, instanceId);
    return true;
  }

  /**
   * The leaves under a path (ids given shallowest first), with values read now. Executable-only
   * resources are left out.
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
