/**
 * Model-level codecs: LwM2M nodes <-> payload bytes, picked by content format.
 * Decoders throw only `CodecError`; every other failure is wrapped into one.
 */
import { ContentFormat } from '../ContentFormat.js';
import { Lwm2mError } from '../Lwm2mError.js';
import type { ObjectRegistry } from '../model/ObjectRegistry.js';
import type { ResourceType } from '../model/ObjectModel.js';
import { InvalidValueError, checkValue, lwm2mObject, multipleResource, objectInstance, resourceInstance, singleResource } from '../node/Lwm2mNode.js';
import type { Lwm2mNode, Lwm2mObjectInstance, Lwm2mResource, Lwm2mResourceInstance, Lwm2mValue, ObjectLink } from '../node/Lwm2mNode.js';
import { InvalidPathError, Lwm2mPath, toPath } from '../path/Lwm2mPath.js';
import type { PathLike } from '../path/Lwm2mPath.js';
import { CodecError, CodecErrorCode, malformed } from './CodecError.js';
import { inferType, setSenmlValue, typeRawValue } from './typing.js';
import type { Lwm2mJsonEntry } from './wire/lwm2mJson.js';
import { decodeLwm2mJson, encodeLwm2mJson, resolveLwm2mJson } from './wire/lwm2mJson.js';
import type { ResolvedRecord, SenmlRecord } from './wire/senml.js';
import { decodeSenmlCbor, decodeSenmlJson, encodeSenmlCbor, encodeSenmlJson, resolveSenml } from './wire/senml.js';
import type { TlvEntry } from './wire/tlv.js';
import {
  TlvType,
  decodeTlv,
  decodeTlvBoolean,
  decodeTlvFloat,
  decodeTlvInteger,
  decodeTlvObjlnk,
  decodeTlvUnsigned,
  encodeTlv,
  encodeTlvBoolean,
  encodeTlvFloat,
  encodeTlvInteger,
  encodeTlvObjlnk,
  encodeTlvUnsigned,
} from './wire/tlv.js';
import { decodeCborValue, encodeCborValue } from './wire/cborValue.js';
import type { CborScalar } from './wire/cborValue.js';
import { base64Encode, formatObjlnk, formatTextValue, parseObjlnk, parseTextValue, secondsToTime, timeToSeconds, utf8Decode, utf8Encode } from './values.js';

export interface NodeCodecOptions {
  /** The path the payload is for (request URI). */
  readonly path: PathLike;
  /** Object definitions used to type values; without one, TLV values decode as opaque and text as string. */
  readonly model?: ObjectRegistry;
  /**
   * Current Unix time in seconds. When given, SenML times below 2^28 (relative, RFC 8428 §4.5.3)
   * are made absolute by adding it; otherwise times are returned as sent.
   */
  readonly now?: number;
}

const SENML_RELATIVE_LIMIT = 2 ** 28;

export interface PathNode {
  readonly path: Lwm2mPath;
  readonly node: Lwm2mNode;
}

export interface TimestampedNode {
  /** Seconds (SenML / LwM2M JSON time); absent when the payload had none. */
  readonly time?: number;
  readonly node: Lwm2mNode;
}

/** Content formats `encodeNode`/`decodeNode` handle. */
export const NODE_FORMATS: readonly number[] = [
  ContentFormat.Text,
  ContentFormat.Cbor,
  ContentFormat.Opaque,
  ContentFormat.Tlv,
  ContentFormat.Json,
  ContentFormat.SenmlJson,
  ContentFormat.SenmlCbor,
];

/** Content formats that can carry several paths (composite operations). */
export const COMPOSITE_FORMATS: readonly number[] = [ContentFormat.SenmlJson, ContentFormat.SenmlCbor];

function unsupported(message: string, details?: Record<string, unknown>): CodecError {
  return new CodecError(CodecErrorCode.Unsupported, message, details);
}
function pathMismatch(message: string, details?: Record<string, unknown>): CodecError {
  return new CodecError(CodecErrorCode.PathMismatch, message, details);
}

/** Runs `fn`, turning anything but a CodecError into one. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CodecError) throw e;
    if (e instanceof InvalidPathError) throw new CodecError(CodecErrorCode.PathMismatch, e.message, undefined, e);
    if (e instanceof InvalidValueError) throw new CodecError(CodecErrorCode.TypeMismatch, e.message, undefined, e);
    if (e instanceof Lwm2mError) throw new CodecError(CodecErrorCode.Malformed, e.message, undefined, e);
    throw malformed('cannot decode payload', undefined, e);
  }
}

// ---------------------------------------------------------------------------------------------
// Node <-> path consistency

function nodePathMismatch(node: Lwm2mNode, path: Lwm2mPath): CodecError {
  return pathMismatch(`a ${node.kind} node cannot be at ${path.toString()}`, { path: path.toString(), kind: node.kind, id: node.id });
}

/** Ids of the node itself, given the path it is written to (an object instance may go to an object path). */
function nodeIds(node: Lwm2mNode, path: Lwm2mPath): number[] {
  const ids = path.ids();
  const d = ids.length;
  switch (node.kind) {
    case 'object':
      if (d !== 1 || ids[0] !== node.id) throw nodePathMismatch(node, path);
      return ids;
    case 'objectInstance':
      if (d === 2 && ids[1] === node.id) return ids;
      if (d === 1) return [...ids, node.id];
      throw nodePathMismatch(node, path);
    case 'singleResource':
    case 'multipleResource':
      if (d !== 3 || ids[2] !== node.id) throw nodePathMismatch(node, path);
      return ids;
    case 'resourceInstance':
      if (d !== 4 || ids[3] !== node.id) throw nodePathMismatch(node, path);
      return ids;
  }
}

interface FlatValue {
  readonly ids: readonly number[];
  readonly type: ResourceType;
  readonly value: Lwm2mValue;
}

function flatten(node: Lwm2mNode, ids: readonly number[], out: FlatValue[]): void {
  switch (node.kind) {
    case 'object':
      for (const i of node.instances) flatten(i, [...ids, i.id], out);
      return;
    case 'objectInstance':
      for (const r of node.resources) flatten(r, [...ids, r.id], out);
      return;
    case 'multipleResource':
      for (const ri of node.instances) {
        checkValue(node.type, ri.value);
        out.push({ ids: [...ids, ri.id], type: node.type, value: ri.value });
      }
      return;
    case 'singleResource':
    case 'resourceInstance':
      checkValue(node.type, node.value);
      out.push({ ids, type: node.type, value: node.value });
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Building nodes from flat, typed entries (SenML, LwM2M JSON)

interface TypedEntry {
  readonly path: Lwm2mPath;
  readonly type: ResourceType;
  readonly value: Lwm2mValue;
}

function typeEntry(rec: ResolvedRecord, model: ObjectRegistry | undefined): TypedEntry | undefined {
  if (rec.value === undefined) return undefined;
  const path = Lwm2mPath.of(parseName(rec.name));
  if (path.depth < 3) throw pathMismatch('a value must be at a resource or resource instance path', { name: rec.name.slice(0, 64) });
  const rm = model?.resource(path.objectId as number, path.resourceId as number);
  const type = rm ? rm.type : inferType(rec.value);
  return { path, type, value: typeRawValue(type, rec.value) };
}

function parseName(name: string): number[] {
  // Hand-written (hot path): `/a/b/c/d`, leading and trailing slash optional, ids 0..65534, no leading zeros.
  const ids: number[] = [];
  const n = name.length;
  let i = name.charCodeAt(0) === 47 ? 1 : 0;
  const end = n > i && name.charCodeAt(n - 1) === 47 ? n - 1 : n;
  if (i >= end) throw pathMismatch('invalid name in payload', { name: name.slice(0, 64) });
  while (i < end) {
    let v = 0;
    const start = i;
    while (i < end) {
      const c = name.charCodeAt(i);
      if (c === 47) break;
      if (c < 48 || c > 57 || i - start >= 5 || (i > start && v === 0)) throw pathMismatch('invalid name in payload', { name: name.slice(0, 64) });
      v = v * 10 + (c - 48);
      i++;
    }
    if (i === start || v > 65534 || ids.length === 4) throw pathMismatch('invalid name in payload', { name: name.slice(0, 64) });
    ids.push(v);
    if (i < end) i++; // skip '/'
  }
  if (name.charCodeAt(end - 1) === 47) throw pathMismatch('invalid name in payload', { name: name.slice(0, 64) });
  return ids;
}

function unifyType(a: ResourceType, b: ResourceType): ResourceType {
  if (a === b) return a;
  const numeric = new Set<ResourceType>(['integer', 'float']);
  if (numeric.has(a) && numeric.has(b)) return 'float';
  throw new CodecError(CodecErrorCode.TypeMismatch, 'resource instances of different types', { a, b });
}

function buildResource(path: Lwm2mPath, entries: readonly TypedEntry[], model: ObjectRegistry | undefined): Lwm2mResource {
  const rid = path.resourceId as number;
  const rm = model?.resource(path.objectId as number, rid);
  const multiple = rm?.multiple === true || entries.some((e) => e.path.depth === 4);
  if (multiple) {
    if (entries.some((e) => e.path.depth !== 4)) throw pathMismatch('a multiple resource needs resource instance names', { path: path.toString() });
    let type: ResourceType | undefined = rm?.type;
    if (!type) for (const e of entries) type = type ? unifyType(type, e.type) : e.type;
    const t = type ?? 'opaque';
    return multipleResource(
      rid,
      t,
      entries.map((e) => resourceInstance(e.path.resourceInstanceId as number, t, e.value)),
    );
  }
  if (entries.length !== 1) throw pathMismatch(entries.length === 0 ? 'no value for resource' : 'several values for one resource', { path: path.toString() });
  const e = entries[0] as TypedEntry;
  return singleResource(rid, e.type, e.value);
}

function groupBy(entries: readonly TypedEntry[], level: 'instanceId' | 'resourceId'): Map<number, TypedEntry[]> {
  const groups = new Map<number, TypedEntry[]>();
  for (const e of entries) {
    const id = e.path[level] as number;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(e);
  }
  return groups;
}

function buildInstance(path: Lwm2mPath, entries: readonly TypedEntry[], model: ObjectRegistry | undefined): Lwm2mObjectInstance {
  const resources = [...groupBy(entries, 'resourceId')].map(([rid, es]) => buildResource(path.child(rid), es, model));
  return objectInstance(path.instanceId as number, resources);
}

function buildAt(path: Lwm2mPath, entries: readonly TypedEntry[], model: ObjectRegistry | undefined): Lwm2mNode {
  for (const e of entries) {
    if (!e.path.startsWith(path)) throw pathMismatch(`payload name ${e.path.toString()} is outside ${path.toString()}`);
  }
  switch (path.depth) {
    case 4: {
      if (entries.length !== 1) throw pathMismatch('expected exactly one value for a resource instance', { path: path.toString() });
      const e = entries[0] as TypedEntry;
      return resourceInstance(path.resourceInstanceId as number, e.type, e.value);
    }
    case 3:
      return buildResource(path, entries, model);
    case 2:
      return buildInstance(path, entries, model);
    case 1:
      return lwm2mObject(
        path.objectId as number,
        [...groupBy(entries, 'instanceId')].map(([iid, es]) => buildInstance(path.child(iid), es, model)),
      );
    default:
      throw unsupported('a single node cannot be decoded at the root path; use decodeNodes');
  }
}

// ---------------------------------------------------------------------------------------------
// SenML and LwM2M JSON

function relativeName(ids: readonly number[], baseDepth: number): string {
  return ids.slice(baseDepth).join('/');
}

function senmlRecordsFor(node: Lwm2mNode, path: Lwm2mPath): SenmlRecord[] {
  const ids = nodeIds(node, path);
  const flat: FlatValue[] = [];
  flatten(node, ids, flat);
  const leaf = node.kind === 'singleResource' || node.kind === 'resourceInstance';
  const bn = leaf ? path.toString() : path.isRoot() ? '/' : path.toString() + '/';
  const base = path.depth;
  const out: SenmlRecord[] = new Array<SenmlRecord>(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const f = flat[i] as FlatValue;
    const r: { bn?: string; n?: string } & Partial<Record<'v' | 'vs' | 'vb' | 'vd' | 'vlo', unknown>> = {};
    if (i === 0) r.bn = bn;
    if (!leaf) r.n = relativeName(f.ids, base);
    setSenmlValue(r, f.type, f.value);
    out[i] = r as SenmlRecord;
  }
  return out;
}

function lwm2mJsonEntry(f: FlatValue, n: string | undefined): Lwm2mJsonEntry {
  const e: { n?: string; v?: number; sv?: string; bv?: boolean; ov?: string } = {};
  if (n !== undefined) e.n = n;
  switch (f.type) {
    case 'integer':
    case 'unsignedInteger':
      e.v = Number(f.value as number | bigint);
      break;
    case 'float':
      e.v = f.value as number;
      break;
    case 'time':
      e.v = timeToSeconds(f.value as Date);
      break;
    case 'boolean':
      e.bv = f.value as boolean;
      break;
    case 'string':
    case 'corelnk':
      e.sv = f.value as string;
      break;
    case 'opaque':
      e.sv = base64Encode(f.value as Uint8Array);
      break;
    case 'objlnk':
      e.ov = formatObjlnk(f.value as ObjectLink);
      break;
    case 'none':
      throw unsupported('executable resources carry no value');
  }
  return e;
}

function encodeJson(node: Lwm2mNode, path: Lwm2mPath): Uint8Array {
  const ids = nodeIds(node, path);
  const flat: FlatValue[] = [];
  flatten(node, ids, flat);
  const leaf = node.kind === 'singleResource' || node.kind === 'resourceInstance';
  const bn = leaf ? path.toString() : path.toString() + '/';
  return encodeLwm2mJson({ bn, e: flat.map((f) => lwm2mJsonEntry(f, leaf ? undefined : relativeName(f.ids, path.depth))) });
}

function resolveRecords(bytes: Uint8Array, format: number): ResolvedRecord[] {
  switch (format) {
    case ContentFormat.SenmlJson:
      return resolveSenml(decodeSenmlJson(bytes));
    case ContentFormat.SenmlCbor:
      return resolveSenml(decodeSenmlCbor(bytes));
    case ContentFormat.Json:
      return resolveLwm2mJson(decodeLwm2mJson(bytes));
    default:
      throw unsupported(`content format ${format} has no records`, { format });
  }
}

function timestampedFromRecords(
  records: readonly ResolvedRecord[],
  path: Lwm2mPath,
  model: ObjectRegistry | undefined,
  now?: number,
): TimestampedNode[] {
  const groups = new Map<number | undefined, TypedEntry[]>();
  for (const r of records) {
    const e = typeEntry(r, model);
    if (!e) continue;
    const time = r.time !== undefined && now !== undefined && r.time < SENML_RELATIVE_LIMIT ? now + r.time : r.time;
    let g = groups.get(time);
    if (!g) groups.set(time, (g = []));
    g.push(e);
  }
  if (groups.size === 0) groups.set(undefined, []);
  return [...groups]
    .sort(([a], [b]) => (a ?? -Infinity) - (b ?? -Infinity))
    .map(([time, entries]) => ({ ...(time !== undefined ? { time } : {}), node: buildAt(path, entries, model) }));
}

// ---------------------------------------------------------------------------------------------
// TLV

function tlvValue(type: ResourceType, value: Lwm2mValue): Uint8Array {
  switch (type) {
    case 'string':
    case 'corelnk':
      return utf8Encode(value as string);
    case 'integer':
      return encodeTlvInteger(value as number | bigint);
    case 'unsignedInteger':
      return encodeTlvUnsigned(value as number | bigint);
    case 'float':
      return encodeTlvFloat(value as number);
    case 'boolean':
      return encodeTlvBoolean(value as boolean);
    case 'opaque':
      return value as Uint8Array;
    case 'time':
      return encodeTlvInteger(timeToSeconds(value as Date));
    case 'objlnk': {
      const l = value as ObjectLink;
      return encodeTlvObjlnk(l.objectId, l.instanceId);
    }
    case 'none':
      return new Uint8Array(0);
  }
}

function typeTlvValue(type: ResourceType, b: Uint8Array): Lwm2mValue {
  switch (type) {
    case 'string':
    case 'corelnk':
      return utf8Decode(b);
    case 'integer':
      return decodeTlvInteger(b);
    case 'unsignedInteger':
      return decodeTlvUnsigned(b);
    case 'float':
      return decodeTlvFloat(b);
    case 'boolean':
      return decodeTlvBoolean(b);
    case 'opaque':
      return b.slice();
    case 'time':
      return secondsToTime(decodeTlvInteger(b));
    case 'objlnk':
      return decodeTlvObjlnk(b);
    case 'none':
      throw new CodecError(CodecErrorCode.TypeMismatch, 'executable resources carry no value');
  }
}

function resourceToTlv(r: Lwm2mResource): TlvEntry {
  if (r.kind === 'singleResource') {
    checkValue(r.type, r.value);
    return { type: TlvType.Resource, id: r.id, value: tlvValue(r.type, r.value) };
  }
  return {
    type: TlvType.MultipleResource,
    id: r.id,
    children: r.instances.map((ri) => {
      checkValue(r.type, ri.value);
      return { type: TlvType.ResourceInstance, id: ri.id, value: tlvValue(r.type, ri.value) };
    }),
  };
}

function instanceToTlv(i: Lwm2mObjectInstance): TlvEntry {
  return { type: TlvType.ObjectInstance, id: i.id, children: i.resources.map(resourceToTlv) };
}

function encodeTlvNode(node: Lwm2mNode, path: Lwm2mPath): Uint8Array {
  nodeIds(node, path);
  switch (node.kind) {
    case 'object':
      return encodeTlv(node.instances.map(instanceToTlv));
    case 'objectInstance':
      return encodeTlv(path.depth === 1 ? [instanceToTlv(node)] : node.resources.map(resourceToTlv));
    case 'singleResource':
    case 'multipleResource':
      return encodeTlv([resourceToTlv(node)]);
    case 'resourceInstance':
      checkValue(node.type, node.value);
      return encodeTlv([{ type: TlvType.ResourceInstance, id: node.id, value: tlvValue(node.type, node.value) }]);
  }
}

function resourceType(model: ObjectRegistry | undefined, objectId: number, resourceId: number): ResourceType {
  const t = model?.resource(objectId, resourceId)?.type;
  return t === undefined || t === 'none' ? 'opaque' : t;
}

function tlvInstances(objectId: number, resourceId: number, entries: readonly TlvEntry[], model: ObjectRegistry | undefined): Lwm2mResourceInstance[] {
  const type = resourceType(model, objectId, resourceId);
  return entries.map((c) => {
    if (!('value' in c) || c.type !== TlvType.ResourceInstance) throw malformed('expected a resource instance TLV');
    return resourceInstance(c.id, type, typeTlvValue(type, c.value));
  });
}

function tlvToResource(objectId: number, e: TlvEntry, model: ObjectRegistry | undefined): Lwm2mResource {
  const type = resourceType(model, objectId, e.id);
  if (e.type === TlvType.Resource) return singleResource(e.id, type, typeTlvValue(type, e.value));
  if (e.type === TlvType.MultipleResource) return multipleResource(e.id, type, tlvInstances(objectId, e.id, e.children, model));
  throw pathMismatch('expected a resource TLV', { id: e.id });
}

function tlvToInstance(objectId: number, instanceId: number, entries: readonly TlvEntry[], model: ObjectRegistry | undefined): Lwm2mObjectInstance {
  return objectInstance(
    instanceId,
    entries.map((e) => tlvToResource(objectId, e, model)),
  );
}

function isResource(e: TlvEntry): boolean {
  return e.type === TlvType.Resource || e.type === TlvType.MultipleResource;
}

function decodeTlvNode(bytes: Uint8Array, path: Lwm2mPath, model: ObjectRegistry | undefined): Lwm2mNode {
  const entries = decodeTlv(bytes);
  const o = path.objectId as number;
  switch (path.depth) {
    case 4: {
      const [e] = entries;
      if (entries.length !== 1 || !e || !('value' in e) || e.id !== path.resourceInstanceId) {
        throw pathMismatch('expected one resource instance TLV matching the path', { path: path.toString() });
      }
      const type = resourceType(model, o, path.resourceId as number);
      return resourceInstance(e.id, type, typeTlvValue(type, e.value));
    }
    case 3: {
      const rid = path.resourceId as number;
      const [e] = entries;
      if (entries.length === 1 && e && isResource(e)) {
        if (e.id !== rid) throw pathMismatch('resource TLV id differs from the path', { path: path.toString(), id: e.id });
        return tlvToResource(o, e, model);
      }
      if (entries.every((x) => x.type === TlvType.ResourceInstance)) return multipleResource(rid, resourceType(model, o, rid), tlvInstances(o, rid, entries, model));
      throw pathMismatch('expected a resource TLV', { path: path.toString() });
    }
    case 2: {
      const iid = path.instanceId as number;
      const [e] = entries;
      if (entries.length === 1 && e && e.type === TlvType.ObjectInstance) {
        if (e.id !== iid) throw pathMismatch('object instance TLV id differs from the path', { path: path.toString(), id: e.id });
        return tlvToInstance(o, iid, e.children, model);
      }
      if (!entries.every(isResource)) throw pathMismatch('expected resource TLVs', { path: path.toString() });
      return tlvToInstance(o, iid, entries, model);
    }
    case 1: {
      if (entries.every((e) => e.type === TlvType.ObjectInstance)) {
        return lwm2mObject(
          o,
          entries.map((e) => tlvToInstance(o, e.id, 'children' in e ? e.children : [], model)),
        );
      }
      // Single-instance objects may be sent without the object instance wrapper.
      if (entries.every(isResource)) return lwm2mObject(o, [tlvToInstance(o, 0, entries, model)]);
      throw pathMismatch('expected object instance TLVs', { path: path.toString() });
    }
    default:
      throw unsupported('TLV cannot be decoded at the root path');
  }
}

// ---------------------------------------------------------------------------------------------
// text/plain and opaque

function leafType(path: Lwm2mPath, model: ObjectRegistry | undefined, format: string): ResourceType | undefined {
  if (path.depth < 3) throw unsupported(`${format} carries only a single resource or resource instance`, { path: path.toString() });
  const rm = model?.resource(path.objectId as number, path.resourceId as number);
  if (rm && rm.multiple && path.depth === 3) throw unsupported(`${format} cannot carry a multiple resource`, { path: path.toString() });
  return rm?.type;
}

function leafNode(path: Lwm2mPath, type: ResourceType, value: Lwm2mValue): Lwm2mNode {
  return path.depth === 4 ? resourceInstance(path.resourceInstanceId as number, type, value) : singleResource(path.resourceId as number, type, value);
}

function leafOf(node: Lwm2mNode, path: Lwm2mPath, format: string): { type: ResourceType; value: Lwm2mValue } {
  nodeIds(node, path);
  if (node.kind !== 'singleResource' && node.kind !== 'resourceInstance') {
    throw unsupported(`${format} carries only a single resource or resource instance`, { kind: node.kind });
  }
  checkValue(node.type, node.value);
  return { type: node.type, value: node.value };
}

function toCborScalar(type: ResourceType, value: Lwm2mValue): CborScalar {
  switch (type) {
    case 'time':
      return timeToSeconds(value as Date);
    case 'objlnk':
      return formatObjlnk(value as ObjectLink);
    case 'none':
      throw unsupported('executable resources carry no value');
    default:
      return value as CborScalar;
  }
}

function inferCborType(raw: CborScalar): ResourceType {
  if (typeof raw === 'number') return Number.isInteger(raw) ? 'integer' : 'float';
  if (typeof raw === 'bigint') return 'integer';
  if (typeof raw === 'string') return 'string';
  if (typeof raw === 'boolean') return 'boolean';
  if (raw instanceof Date) return 'time';
  return 'opaque';
}

function fromCborScalar(type: ResourceType, raw: CborScalar): Lwm2mValue {
  const mismatch = new CodecError(CodecErrorCode.TypeMismatch, `a CBOR ${typeof raw} does not fit resource type ${type}`, { type });
  switch (type) {
    case 'integer':
    case 'unsignedInteger':
      if (typeof raw === 'bigint') return raw;
      if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || (type === 'unsignedInteger' && raw < 0)) throw mismatch;
      return raw;
    case 'float':
      if (typeof raw !== 'number') throw mismatch;
      return raw;
    case 'time':
      if (raw instanceof Date) return new Date(Math.floor(raw.getTime() / 1000) * 1000);
      if ((typeof raw === 'number' && Number.isInteger(raw)) || typeof raw === 'bigint') return secondsToTime(raw);
      throw mismatch;
    case 'boolean':
      if (typeof raw !== 'boolean') throw mismatch;
      return raw;
    case 'string':
    case 'corelnk':
      if (typeof raw !== 'string') throw mismatch;
      return raw;
    case 'opaque':
      if (!(raw instanceof Uint8Array)) throw mismatch;
      return raw;
    case 'objlnk':
      if (typeof raw !== 'string') throw mismatch;
      return parseObjlnk(raw);
    case 'none':
      throw mismatch;
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Encodes one node for `path` in `format` (0, 42, 60, 11542, 11543, 110, 112). */
export function encodeNode(node: Lwm2mNode, format: number, options: NodeCodecOptions): Uint8Array {
  const path = toPath(options.path);
  return guard(() => {
    switch (format) {
      case ContentFormat.Text: {
        const { type, value } = leafOf(node, path, 'text/plain');
        return utf8Encode(formatTextValue(type, value));
      }
      case ContentFormat.Cbor: {
        const { type, value } = leafOf(node, path, 'CBOR');
        return encodeCborValue(toCborScalar(type, value));
      }
      case ContentFormat.Opaque: {
        const { type, value } = leafOf(node, path, 'opaque');
        if (type !== 'opaque') throw unsupported('the opaque format carries only opaque resources', { type });
        return (value as Uint8Array).slice();
      }
      case ContentFormat.Tlv:
        return encodeTlvNode(node, path);
      case ContentFormat.Json:
        return encodeJson(node, path);
      case ContentFormat.SenmlJson:
        return encodeSenmlJson(senmlRecordsFor(node, path));
      case ContentFormat.SenmlCbor:
        return encodeSenmlCbor(senmlRecordsFor(node, path));
      default:
        throw unsupported(`content format ${format} cannot carry nodes`, { format });
    }
  });
}

/** Decodes the node at `path` from a payload. With timestamped SenML/JSON, the most recent values win. */
export function decodeNode(bytes: Uint8Array, format: number, options: NodeCodecOptions): Lwm2mNode {
  const path = guard(() => toPath(options.path));
  const model = options.model;
  return guard(() => {
    switch (format) {
      case ContentFormat.Text: {
        const type = leafType(path, model, 'text/plain') ?? 'string';
        if (type === 'none') throw new CodecError(CodecErrorCode.TypeMismatch, 'executable resources carry no value');
        return leafNode(path, type, parseTextValue(type, utf8Decode(bytes)));
      }
      case ContentFormat.Cbor: {
        const raw = decodeCborValue(bytes);
        const type = leafType(path, model, 'CBOR') ?? inferCborType(raw);
        return leafNode(path, type, fromCborScalar(type, raw));
      }
      case ContentFormat.Opaque: {
        const type = leafType(path, model, 'opaque');
        if (type !== undefined && type !== 'opaque') throw unsupported('the opaque format carries only opaque resources', { type });
        return leafNode(path, 'opaque', bytes.slice());
      }
      case ContentFormat.Tlv:
        return decodeTlvNode(bytes, path, model);
      case ContentFormat.Json:
      case ContentFormat.SenmlJson:
      case ContentFormat.SenmlCbor: {
        const groups = timestampedFromRecords(resolveRecords(bytes, format), path, model);
        return (groups[groups.length - 1] as TimestampedNode).node;
      }
      default:
        throw unsupported(`content format ${format} cannot carry nodes`, { format });
    }
  });
}

/** Decodes every timestamped version of the node at `path` (notifications with history), oldest first. */
export function decodeTimestampedNodes(bytes: Uint8Array, format: number, options: NodeCodecOptions): TimestampedNode[] {
  const path = guard(() => toPath(options.path));
  return guard(() => {
    if (format === ContentFormat.Json || format === ContentFormat.SenmlJson || format === ContentFormat.SenmlCbor) {
      return timestampedFromRecords(resolveRecords(bytes, format), path, options.model, options.now);
    }
    return [{ node: decodeNode(bytes, format, options) }];
  });
}

/** Encodes several nodes at several paths in one SenML payload (Read-Composite response, Write-Composite). */
export function encodeNodes(entries: readonly { readonly path: PathLike; readonly node: Lwm2mNode }[], format: number): Uint8Array {
  return guard(() => {
    if (!COMPOSITE_FORMATS.includes(format)) throw unsupported(`content format ${format} cannot carry several paths`, { format });
    const records: SenmlRecord[] = [];
    for (const e of entries) records.push(...senmlRecordsFor(e.node, toPath(e.path)));
    return format === ContentFormat.SenmlJson ? encodeSenmlJson(records) : encodeSenmlCbor(records);
  });
}

export interface DecodeNodesOptions {
  readonly model?: ObjectRegistry;
  /** The requested paths; each gets the node built from the records under it. Default: one node per resource. */
  readonly paths?: readonly PathLike[];
}

/** Decodes a composite SenML payload into nodes by path. */
export function decodeNodes(bytes: Uint8Array, format: number, options: DecodeNodesOptions = {}): PathNode[] {
  return guard(() => {
    if (!COMPOSITE_FORMATS.includes(format) && format !== ContentFormat.Json) {
      throw unsupported(`content format ${format} cannot carry several paths`, { format });
    }
    const entries: TypedEntry[] = [];
    for (const r of resolveRecords(bytes, format)) {
      const e = typeEntry(r, options.model);
      if (e) entries.push(e);
    }
    if (options.paths) {
      return options.paths.map((p) => {
        const path = toPath(p);
        const under = entries.filter((e) => e.path.startsWith(path));
        return { path, node: buildAt(path, under, options.model) };
      });
    }
    const byResource = new Map<string, { path: Lwm2mPath; entries: TypedEntry[] }>();
    for (const e of entries) {
      const rp = Lwm2mPath.of(e.path.ids().slice(0, 3));
      const key = rp.toString();
      let g = byResource.get(key);
      if (!g) byResource.set(key, (g = { path: rp, entries: [] }));
      g.entries.push(e);
    }
    return [...byResource.values()].map((g) => ({ path: g.path, node: buildAt(g.path, g.entries, options.model) }));
  });
}

export interface TimestampedPathNode extends PathNode {
  /** Seconds, when the payload gave a time. */
  readonly time?: number;
}

/**
 * Decodes a SenML (or LwM2M JSON) payload into one node per resource and time, oldest first
 * (a Send, or a notification carrying history). `now` makes relative times absolute.
 */
export function decodeTimestampedResources(bytes: Uint8Array, format: number, options: { readonly model?: ObjectRegistry; readonly now?: number } = {}): TimestampedPathNode[] {
  return guard(() => {
    if (!COMPOSITE_FORMATS.includes(format) && format !== ContentFormat.Json) {
      throw unsupported(`content format ${format} cannot carry several paths`, { format });
    }
    const groups = new Map<string, { path: Lwm2mPath; time: number | undefined; entries: TypedEntry[] }>();
    for (const r of resolveRecords(bytes, format)) {
      const e = typeEntry(r, options.model);
      if (!e) continue;
      const now = options.now;
      const time = r.time !== undefined && now !== undefined && r.time < SENML_RELATIVE_LIMIT ? now + r.time : r.time;
      const rp = Lwm2mPath.of(e.path.ids().slice(0, 3));
      const key = `${time ?? ''}|${rp.toString()}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { path: rp, time, entries: [] }));
      g.entries.push(e);
    }
    return [...groups.values()]
      .sort((a, b) => (a.time ?? -Infinity) - (b.time ?? -Infinity))
      .map((g) => ({ path: g.path, node: buildAt(g.path, g.entries, options.model), ...(g.time !== undefined ? { time: g.time } : {}) }));
  });
}

/** SenML payload listing paths only (Read-Composite / Observe-Composite request body). */
export function encodeCompositePaths(paths: readonly PathLike[], format: number): Uint8Array {
  return guard(() => {
    if (!COMPOSITE_FORMATS.includes(format)) throw unsupported(`content format ${format} cannot carry several paths`, { format });
    const records = paths.map((p) => ({ n: toPath(p).toString() }));
    return format === ContentFormat.SenmlJson ? encodeSenmlJson(records) : encodeSenmlCbor(records);
  });
}

export function decodeCompositePaths(bytes: Uint8Array, format: number): Lwm2mPath[] {
  return guard(() => {
    if (!COMPOSITE_FORMATS.includes(format)) throw unsupported(`content format ${format} cannot carry several paths`, { format });
    return resolveRecords(bytes, format).map((r) => Lwm2mPath.of(r.name === '/' ? [] : parseName(r.name)));
  });
}
