import { Lwm2mError } from '../Lwm2mError.js';

/** A malformed or out-of-range LwM2M path. */
export class InvalidPathError extends Lwm2mError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('LWM2M_INVALID_PATH', message, details ? { details } : {});
  }
}

/** Largest object id / instance id / resource id / resource instance id (16-bit, 65535 reserved). */
export const MAX_ID = 65534;

export type PathLevel = 'root' | 'object' | 'objectInstance' | 'resource' | 'resourceInstance';

function checkId(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_ID) {
    throw new InvalidPathError(`${what} must be an integer in 0..${MAX_ID}`, { [what]: value });
  }
  return value;
}

/** Cached string forms (kept out of the instance so structural equality is unaffected). */
const TEXT = new WeakMap<object, string>();

/**
 * An LwM2M path: `/`, `/3`, `/3/0`, `/3/0/1` or `/3/0/6/1`. Immutable; ids are 0..65534.
 * A deeper level always has all shallower ones.
 */
export class Lwm2mPath {
  readonly objectId: number | undefined;
  readonly instanceId: number | undefined;
  readonly resourceId: number | undefined;
  readonly resourceInstanceId: number | undefined;

  constructor(objectId?: number, instanceId?: number, resourceId?: number, resourceInstanceId?: number) {
    if (objectId !== undefined) checkId(objectId, 'objectId');
    if (instanceId !== undefined) {
      if (objectId === undefined) throw new InvalidPathError('instanceId given without the levels above it');
      checkId(instanceId, 'instanceId');
    }
    if (resourceId !== undefined) {
      if (instanceId === undefined) throw new InvalidPathError('resourceId given without the levels above it');
      checkId(resourceId, 'resourceId');
    }
    if (resourceInstanceId !== undefined) {
      if (resourceId === undefined) throw new InvalidPathError('resourceInstanceId given without the levels above it');
      checkId(resourceInstanceId, 'resourceInstanceId');
    }
    this.objectId = objectId;
    this.instanceId = instanceId;
    this.resourceId = resourceId;
    this.resourceInstanceId = resourceInstanceId;
  }

  static readonly ROOT = new Lwm2mPath();

  /** Number of ids (0 for the root). */
  get depth(): number {
    if (this.objectId === undefined) return 0;
    if (this.instanceId === undefined) return 1;
    if (this.resourceId === undefined) return 2;
    if (this.resourceInstanceId === undefined) return 3;
    return 4;
  }

  get level(): PathLevel {
    return (['root', 'object', 'objectInstance', 'resource', 'resourceInstance'] as const)[this.depth] as PathLevel;
  }

  isRoot(): boolean {
    return this.depth === 0;
  }
  isObject(): boolean {
    return this.depth === 1;
  }
  isObjectInstance(): boolean {
    return this.depth === 2;
  }
  isResource(): boolean {
    return this.depth === 3;
  }
  isResourceInstance(): boolean {
    return this.depth === 4;
  }

  /** The ids, shallowest first. */
  ids(): number[] {
    return [this.objectId, this.instanceId, this.resourceId, this.resourceInstanceId].filter(
      (x): x is number => x !== undefined,
    );
  }

  /** The path one level up (the root's parent is the root). */
  parent(): Lwm2mPath {
    const ids = this.ids();
    ids.pop();
    return Lwm2mPath.of(ids);
  }

  /** A path one level deeper. */
  child(id: number): Lwm2mPath {
    if (this.depth === 4) throw new InvalidPathError('a resource instance path has no children', { path: this.toString() });
    return Lwm2mPath.of([...this.ids(), id]);
  }

  /** `true` when `other` equals this path or lies below it. */
  startsWith(other: Lwm2mPath): boolean {
    return (
      (other.objectId === undefined || other.objectId === this.objectId) &&
      (other.instanceId === undefined || other.instanceId === this.instanceId) &&
      (other.resourceId === undefined || other.resourceId === this.resourceId) &&
      (other.resourceInstanceId === undefined || other.resourceInstanceId === this.resourceInstanceId)
    );
  }

  equals(other: Lwm2mPath): boolean {
    return this.toString() === other.toString();
  }

  /** Uri-Path segments (`['3', '0', '1']`; `[]` for the root). */
  segments(): string[] {
    return this.ids().map(String);
  }

  toString(): string {
    let text = TEXT.get(this);
    if (text === undefined) {
      text = '/' + this.ids().join('/');
      TEXT.set(this, text);
    }
    return text;
  }

  toJSON(): string {
    return this.toString();
  }

  static of(ids: readonly number[]): Lwm2mPath {
    if (ids.length > 4) throw new InvalidPathError('a path has at most 4 levels', { ids: [...ids] });
    return new Lwm2mPath(ids[0], ids[1], ids[2], ids[3]);
  }
}

const SEGMENT = /^(0|[1-9][0-9]{0,4})$/;

/** Parses `/3/0/1`, `3/0/1`, `/` (root). Rejects empty segments, signs, leading zeros, ids > 65534. */
export function parsePath(text: string): Lwm2mPath {
  if (typeof text !== 'string') throw new InvalidPathError('path must be a string');
  if (text === '' || text === '/') return Lwm2mPath.ROOT;
  const body = text.startsWith('/') ? text.slice(1) : text;
  const parts = body.endsWith('/') ? body.slice(0, -1).split('/') : body.split('/');
  if (parts.length > 4) throw new InvalidPathError(`too many levels in path '${truncate(text)}'`);
  const ids = parts.map((p) => {
    if (!SEGMENT.test(p)) throw new InvalidPathError(`invalid segment '${truncate(p)}' in path '${truncate(text)}'`);
    return Number(p);
  });
  return Lwm2mPath.of(ids);
}

/** Parses Uri-Path segments (`['3','0','1']`). */
export function pathFromSegments(segments: readonly string[]): Lwm2mPath {
  if (segments.length === 0) return Lwm2mPath.ROOT;
  return parsePath('/' + segments.join('/'));
}

/** Formats ids as a path string (`formatPath(3, 0, 1)` -> `/3/0/1`). */
export function formatPath(...ids: number[]): string {
  return Lwm2mPath.of(ids).toString();
}

/** Accepts a path or its string form. */
export type PathLike = Lwm2mPath | string;

export function toPath(p: PathLike): Lwm2mPath {
  return typeof p === 'string' ? parsePath(p) : p;
}

function truncate(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}
