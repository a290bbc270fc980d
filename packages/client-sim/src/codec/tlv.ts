/**
 * OMA-TLV (LwM2M 1.1 §7.4.3) for the simulator's entries: object instances, resources, multiple
 * resources and resource instances, with values typed by the object table.
 */
import { isObjectLink, type SimEntry, type SimValue } from '../model/SimObjectTree.js';
import type { SimResourceType } from '../model/simObjects.js';
import { bad, coerce, utf8Decode, utf8Encode } from './values.js';

const enum Kind {
  ObjectInstance = 0,
  ResourceInstance = 1,
  MultipleResource = 2,
  Resource = 3,
}

interface Tlv {
  kind: Kind;
  id: number;
  value: Uint8Array;
}

function header(kind: Kind, id: number, length: number): number[] {
  let type = kind << 6;
  const out: number[] = [];
  if (id > 0xff) type |= 0x20;
  let lenBytes: number[] = [];
  if (length < 8) type |= length;
  else if (length <= 0xff) {
    type |= 0x08;
    lenBytes = [length];
  } else if (length <= 0xffff) {
    type |= 0x10;
    lenBytes = [length >> 8, length & 0xff];
  } else {
    type |= 0x18;
    lenBytes = [(length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
  }
  out.push(type);
  if (id > 0xff) out.push(id >> 8, id & 0xff);
  else out.push(id);
  out.push(...lenBytes);
  return out;
}

function tlv(kind: Kind, id: number, value: Uint8Array): Uint8Array {
  const h = header(kind, id, value.length);
  const out = new Uint8Array(h.length + value.length);
  out.set(h, 0);
  out.set(value, h.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function encodeTlvValue(v: SimValue, type: SimResourceType | undefined): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (isObjectLink(v)) return new Uint8Array([v.objectId >> 8, v.objectId & 0xff, v.instanceId >> 8, v.instanceId & 0xff]);
  if (typeof v === 'boolean') return new Uint8Array([v ? 1 : 0]);
  if (typeof v === 'string') return utf8Encode(v);
  if (type === 'float' || !Number.isInteger(v)) {
    const f = new DataView(new ArrayBuffer(8));
    f.setFloat64(0, v);
    return new Uint8Array(f.buffer);
  }
  const dv = new DataView(new ArrayBuffer(8));
  if (v >= -128 && v <= 127) return new Uint8Array([v & 0xff]);
  if (v >= -32768 && v <= 32767) {
    dv.setInt16(0, v);
    return new Uint8Array(dv.buffer, 0, 2);
  }
  if (v >= -2147483648 && v <= 2147483647) {
    dv.setInt32(0, v);
    return new Uint8Array(dv.buffer, 0, 4);
  }
  dv.setBigInt64(0, BigInt(v));
  return new Uint8Array(dv.buffer);
}

export function decodeTlvValue(b: Uint8Array, type: SimResourceType | undefined): SimValue {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case 'integer':
    case 'unsignedInteger':
    case 'time':
      if (b.length === 1) return dv.getInt8(0);
      if (b.length === 2) return dv.getInt16(0);
      if (b.length === 4) return dv.getInt32(0);
      if (b.length === 8) {
        const n = Number(dv.getBigInt64(0));
        if (!Number.isSafeInteger(n)) throw bad('integer out of range');
        return n;
      }
      throw bad('bad integer length', { length: b.length });
    case 'float':
      if (b.length === 4) return dv.getFloat32(0);
      if (b.length === 8) return dv.getFloat64(0);
      throw bad('bad float length', { length: b.length });
    case 'boolean':
      if (b.length === 1 && (b[0] === 0 || b[0] === 1)) return b[0] === 1;
      throw bad('bad boolean');
    case 'objlnk':
      if (b.length !== 4) throw bad('bad object link length');
      return { objectId: dv.getUint16(0), instanceId: dv.getUint16(2) };
    case 'opaque':
    case 'none':
      return b.slice();
    default:
      return utf8Decode(b);
  }
}

function parseTlvs(b: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let o = 0;
  while (o < b.length) {
    const type = b[o] as number;
    o++;
    const kind = (type >> 6) as Kind;
    const idLen = type & 0x20 ? 2 : 1;
    const lenType = (type >> 3) & 0x03;
    if (o + idLen + lenType > b.length) throw bad('truncated TLV header');
    let id = b[o] as number;
    if (idLen === 2) id = (id << 8) | (b[o + 1] as number);
    o += idLen;
    let length = type & 0x07;
    if (lenType > 0) {
      length = 0;
      for (let i = 0; i < lenType; i++) length = (length << 8) | (b[o + i] as number);
      o += lenType;
    }
    if (o + length > b.length) throw bad('truncated TLV value');
    out.push({ kind, id, value: b.subarray(o, o + length) });
    o += length;
  }
  return out;
}

export type TypeOf = (objectId: number, resourceId: number) => SimResourceType | undefined;

function resourceTlv(e: SimEntry, typeOf: TypeOf): Uint8Array {
  return tlv(Kind.Resource, e.resourceId, encodeTlvValue(e.value, typeOf(e.objectId, e.resourceId)));
}

/** Encodes entries below `base` (ids, shallowest first; at least the object id). */
export function encodeTlv(entries: readonly SimEntry[], base: readonly number[], typeOf: TypeOf): Uint8Array {
  const depth = base.length;
  if (depth === 4) {
    const e = entries[0];
    if (!e || e.resourceInstanceId === undefined) return new Uint8Array();
    return tlv(Kind.ResourceInstance, e.resourceInstanceId, encodeTlvValue(e.value, typeOf(e.objectId, e.resourceId)));
  }
  // group: instance -> resource -> entries
  const byInstance = new Map<number, Map<number, SimEntry[]>>();
  for (const e of entries) {
    let inst = byInstance.get(e.instanceId);
    if (!inst) byInstance.set(e.instanceId, (inst = new Map()));
    let res = inst.get(e.resourceId);
    if (!res) inst.set(e.resourceId, (res = []));
    res.push(e);
  }
  const encodeResources = (res: Map<number, SimEntry[]>): Uint8Array[] =>
    [...res.entries()].map(([rid, list]) => {
      const first = list[0] as SimEntry;
      if (first.resourceInstanceId === undefined) return resourceTlv(first, typeOf);
      const type = typeOf(first.objectId, rid);
      return tlv(
        Kind.MultipleResource,
        rid,
        concat(list.map((e) => tlv(Kind.ResourceInstance, e.resourceInstanceId ?? 0, encodeTlvValue(e.value, type)))),
      );
    });
  if (depth >= 2) return concat([...byInstance.values()].flatMap(encodeResources));
  return concat([...byInstance.entries()].map(([iid, res]) => tlv(Kind.ObjectInstance, iid, concat(encodeResources(res)))));
}

/** Decodes a TLV payload written to `base` into entries (plus the instances it names). */
export function decodeTlv(
  bytes: Uint8Array,
  base: readonly number[],
  typeOf: TypeOf,
): { entries: SimEntry[]; instances: Array<{ objectId: number; instanceId: number }> } {
  const objectId = base[0];
  if (objectId === undefined) throw bad('TLV needs an object path');
  const entries: SimEntry[] = [];
  const instances: Array<{ objectId: number; instanceId: number }> = [];
  const resources = (list: Tlv[], instanceId: number): void => {
    for (const t of list) {
      const type = typeOf(objectId, t.id);
      if (t.kind === Kind.Resource) {
        entries.push({ objectId, instanceId, resourceId: t.id, value: coerce(decodeTlvValue(t.value, type), type) });
      } else if (t.kind === Kind.MultipleResource) {
        for (const ri of parseTlvs(t.value)) {
          if (ri.kind !== Kind.ResourceInstance) throw bad('expected resource instance TLV');
          entries.push({ objectId, instanceId, resourceId: t.id, resourceInstanceId: ri.id, value: coerce(decodeTlvValue(ri.value, type), type) });
        }
      } else {
        throw bad('unexpected TLV kind inside an instance');
      }
    }
  };
  const top = parseTlvs(bytes);
  if (base.length === 1) {
    for (const t of top) {
      if (t.kind !== Kind.ObjectInstance) throw bad('expected object instance TLV');
      instances.push({ objectId, instanceId: t.id });
      resources(parseTlvs(t.value), t.id);
    }
  } else {
    const instanceId = base[1] as number;
    instances.push({ objectId, instanceId });
    if (base.length === 2 && top.length === 1 && top[0]?.kind === Kind.ObjectInstance) {
      if (top[0].id !== instanceId) throw bad('instance id in TLV does not match the path');
      resources(parseTlvs(top[0].value), instanceId);
    } else if (base.length === 4) {
      const rid = base[2] as number;
      const type = typeOf(objectId, rid);
      for (const t of top) {
        if (t.kind !== Kind.ResourceInstance) throw bad('expected resource instance TLV');
        entries.push({ objectId, instanceId, resourceId: rid, resourceInstanceId: t.id, value: coerce(decodeTlvValue(t.value, type), type) });
      }
    } else {
      resources(top, instanceId);
      if (base.length === 3 && entries.some((e) => e.resourceId !== base[2])) throw bad('TLV resource id does not match the path');
    }
  }
  return { entries, instances };
}
