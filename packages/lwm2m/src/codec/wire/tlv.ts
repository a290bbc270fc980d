/**
 * OMA LwM2M TLV (content format 11542), wire level — LwM2M 1.1 TS Core §7.4.3.
 * Type byte: bits 7-6 identifier type (00 object instance, 01 resource instance,
 * 10 multiple resource, 11 resource with value); bit 5 id length (0: 8 bits, 1: 16 bits);
 * bits 4-3 length type (00: length in bits 2-0, 01/10/11: 8/16/24-bit length field).
 */
import { malformed } from '../CodecError.js';
import { ByteReader } from './ByteReader.js';
import { ByteWriter } from './ByteWriter.js';

export const TlvType = {
  ObjectInstance: 0,
  ResourceInstance: 1,
  MultipleResource: 2,
  Resource: 3,
} as const;
export type TlvType = (typeof TlvType)[keyof typeof TlvType];

/** A TLV entry: containers (object instance, multiple resource) have children, the others a value. */
export type TlvEntry =
  | { readonly type: typeof TlvType.ObjectInstance | typeof TlvType.MultipleResource; readonly id: number; readonly children: readonly TlvEntry[] }
  | { readonly type: typeof TlvType.ResourceInstance | typeof TlvType.Resource; readonly id: number; readonly value: Uint8Array };

/** Nesting deeper than object instance > multiple resource > resource instance is malformed. */
const MAX_DEPTH = 3;

/** Decodes a sequence of TLV entries. Values are views into `bytes` (no copies). */
export function decodeTlv(bytes: Uint8Array): TlvEntry[] {
  return decodeRange(bytes, 0, bytes.length, 0);
}

function decodeRange(bytes: Uint8Array, start: number, end: number, depth: number): TlvEntry[] {
  if (depth >= MAX_DEPTH) throw malformed('TLV nested too deeply', { offset: start });
  const r = new ByteReader(bytes, start, end);
  const out: TlvEntry[] = [];
  while (r.remaining > 0) {
    const at = r.offset;
    const t = r.u8();
    const type = (t >>> 6) as TlvType;
    const id = t & 0x20 ? r.u16() : r.u8();
    const lenType = (t >>> 3) & 0x03;
    let len: number;
    if (lenType === 0) len = t & 0x07;
    else {
      if ((t & 0x07) !== 0) throw malformed('TLV length bits set with a length field', { offset: at });
      len = lenType === 1 ? r.u8() : lenType === 2 ? r.u16() : r.u24();
    }
    const valueStart = r.offset;
    const value = r.bytes(len);
    if (type === TlvType.ObjectInstance || type === TlvType.MultipleResource) {
      const children = decodeRange(bytes, valueStart, valueStart + len, depth + 1);
      if (type === TlvType.MultipleResource && children.some((c) => c.type !== TlvType.ResourceInstance)) {
        throw malformed('a multiple resource TLV may only contain resource instances', { offset: at });
      }
      if (type === TlvType.ObjectInstance && children.some((c) => c.type === TlvType.ObjectInstance || c.type === TlvType.ResourceInstance)) {
        throw malformed('an object instance TLV may only contain resources', { offset: at });
      }
      out.push({ type, id, children });
    } else {
      out.push({ type: type as typeof TlvType.Resource | typeof TlvType.ResourceInstance, id, value });
    }
  }
  return out;
}

function contentLength(e: TlvEntry): number {
  if ('value' in e) return e.value.length;
  let n = 0;
  for (const c of e.children) n += entryLength(c);
  return n;
}

function headerLength(id: number, len: number): number {
  return 1 + (id > 0xff ? 2 : 1) + (len < 8 ? 0 : len <= 0xff ? 1 : len <= 0xffff ? 2 : 3);
}

function entryLength(e: TlvEntry): number {
  const len = contentLength(e);
  return headerLength(e.id, len) + len;
}

function writeEntry(w: ByteWriter, e: TlvEntry): void {
  if (!Number.isInteger(e.id) || e.id < 0 || e.id > 0xffff) throw malformed('TLV id out of range', { id: e.id });
  const len = contentLength(e);
  if (len > 0xffffff) throw malformed('TLV value longer than 16 MiB', { id: e.id });
  let t = (e.type << 6) | (e.id > 0xff ? 0x20 : 0);
  if (len < 8) t |= len;
  else if (len <= 0xff) t |= 0x08;
  else if (len <= 0xffff) t |= 0x10;
  else t |= 0x18;
  w.u8(t);
  if (e.id > 0xff) w.u16(e.id);
  else w.u8(e.id);
  if (len >= 8) {
    if (len <= 0xff) w.u8(len);
    else if (len <= 0xffff) w.u16(len);
    else w.u24(len);
  }
  if ('value' in e) w.bytes(e.value);
  else for (const c of e.children) writeEntry(w, c);
}

/** Encodes TLV entries, with the shortest id and length fields. */
export function encodeTlv(entries: readonly TlvEntry[]): Uint8Array {
  let total = 0;
  for (const e of entries) total += entryLength(e);
  const w = new ByteWriter(Math.max(16, total));
  for (const e of entries) writeEntry(w, e);
  return w.toBytes();
}

// ---- value encodings (TS Core §7.4.3 / Appendix C) ----

/** Signed integer in the shortest of 1, 2, 4, 8 bytes, two's complement big-endian. */
export function encodeTlvInteger(v: number | bigint): Uint8Array {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
    if (v >= -128 && v <= 127) return Uint8Array.of(v & 0xff);
    if (v >= -32768 && v <= 32767) return Uint8Array.of((v >> 8) & 0xff, v & 0xff);
    return Uint8Array.of((v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
  }
  const b = BigInt(v);
  if (b >= -128n && b <= 127n) return Uint8Array.of(Number(b) & 0xff);
  if (b >= -32768n && b <= 32767n) {
    const out = new Uint8Array(2);
    new DataView(out.buffer).setInt16(0, Number(b));
    return out;
  }
  if (b >= -2147483648n && b <= 2147483647n) {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setInt32(0, Number(b));
    return out;
  }
  if (b < -(2n ** 63n) || b > 2n ** 63n - 1n) throw malformed('integer does not fit in 64 bits');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, b);
  return out;
}

/** Unsigned integer in the shortest of 1, 2, 4, 8 bytes. */
export function encodeTlvUnsigned(v: number | bigint): Uint8Array {
  const b = BigInt(v);
  if (b < 0n || b > 2n ** 64n - 1n) throw malformed('unsigned integer out of range');
  if (b <= 0xffn) return Uint8Array.of(Number(b));
  if (b <= 0xffffn) return Uint8Array.of(Number(b >> 8n), Number(b & 0xffn));
  if (b <= 0xffffffffn) {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, Number(b));
    return out;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, b);
  return out;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes a 1, 2, 4 or 8-byte signed integer; `bigint` only when it is beyond 2^53. */
export function decodeTlvInteger(b: Uint8Array): number | bigint {
  switch (b.length) {
    case 1:
      return ((b[0] as number) << 24) >> 24;
    case 2:
      return (((b[0] as number) << 24) >> 16) | (b[1] as number);
    case 4:
      return ((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number);
    case 8: {
      const dv = view(b);
      const v = dv.getBigInt64(0);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    default:
      throw malformed('TLV integer must be 1, 2, 4 or 8 bytes', { length: b.length });
  }
}

export function decodeTlvUnsigned(b: Uint8Array): number | bigint {
  const dv = view(b);
  switch (b.length) {
    case 1:
      return dv.getUint8(0);
    case 2:
      return dv.getUint16(0);
    case 4:
      return dv.getUint32(0);
    case 8: {
      const v = dv.getBigUint64(0);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    default:
      throw malformed('TLV unsigned integer must be 1, 2, 4 or 8 bytes', { length: b.length });
  }
}

/** 32-bit float when exact, else 64-bit. */
export function encodeTlvFloat(v: number): Uint8Array {
  if (Math.fround(v) === v || Number.isNaN(v)) {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setFloat32(0, v);
    return out;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, v);
  return out;
}

export function decodeTlvFloat(b: Uint8Array): number {
  if (b.length === 4) return view(b).getFloat32(0);
  if (b.length === 8) return view(b).getFloat64(0);
  throw malformed('TLV float must be 4 or 8 bytes', { length: b.length });
}

export function encodeTlvBoolean(v: boolean): Uint8Array {
  return Uint8Array.of(v ? 1 : 0);
}

export function decodeTlvBoolean(b: Uint8Array): boolean {
  if (b.length !== 1 || (b[0] as number) > 1) throw malformed('TLV boolean must be one byte 0 or 1');
  return b[0] === 1;
}

export function encodeTlvObjlnk(objectId: number, instanceId: number): Uint8Array {
  return Uint8Array.of(objectId >>> 8, objectId & 0xff, instanceId >>> 8, instanceId & 0xff);
}

export function decodeTlvObjlnk(b: Uint8Array): { objectId: number; instanceId: number } {
  if (b.length !== 4) throw malformed('TLV objlnk must be 4 bytes', { length: b.length });
  return { objectId: ((b[0] as number) << 8) | (b[1] as number), instanceId: ((b[2] as number) << 8) | (b[3] as number) };
}
