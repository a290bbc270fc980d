import { BootstrapErrorCode, BootstrapServerError } from '../BootstrapServerError.js';
import type { ResourceValue, WritableResource } from './BootstrapResources.js';

/** LwM2M TLV (OMA-TS-LightweightM2M-V1_1 Core, 7.4.3): type byte, identifier, length, value. */
const TlvType = { ObjectInstance: 0b00, ResourceInstance: 0b01, MultipleResource: 0b10, Resource: 0b11 } as const;

function encodeInteger(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) {
    throw new BootstrapServerError(BootstrapErrorCode.Encoding, 'integer resource out of range');
  }
  if (n >= -0x80 && n <= 0x7f) return Uint8Array.of(n & 0xff);
  if (n >= -0x8000 && n <= 0x7fff) {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setInt16(0, n);
    return b;
  }
  if (n >= -0x80000000 && n <= 0x7fffffff) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, n);
    return b;
  }
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(n));
  return b;
}

const utf8 = new TextEncoder();

export function tlvValueBytes(v: ResourceValue): Uint8Array {
  switch (v.type) {
    case 'string':
      return utf8.encode(v.value);
    case 'integer':
      return encodeInteger(v.value);
    case 'boolean':
      return Uint8Array.of(v.value ? 1 : 0);
    case 'opaque':
      return v.value;
  }
}

/** One TLV entry. */
export function tlvEntry(type: number, id: number, value: Uint8Array): Uint8Array {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) {
    throw new BootstrapServerError(BootstrapErrorCode.Encoding, 'TLV identifier out of range', { details: { id } });
  }
  const len = value.length;
  if (len > 0xffffff) throw new BootstrapServerError(BootstrapErrorCode.Encoding, 'TLV value too long');
  const wideId = id > 0xff;
  const lenBytes = len < 8 ? 0 : len <= 0xff ? 1 : len <= 0xffff ? 2 : 3;
  const header: number[] = [(type << 6) | (wideId ? 0x20 : 0) | (lenBytes << 3) | (lenBytes === 0 ? len : 0)];
  if (wideId) header.push(id >> 8, id & 0xff);
  else header.push(id);
  for (let i = lenBytes - 1; i >= 0; i--) header.push((len >> (8 * i)) & 0xff);
  const out = new Uint8Array(header.length + len);
  out.set(header, 0);
  out.set(value, header.length);
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

/**
 * The payload of a write on an object instance path (`/0/1`): the instance's resources as a
 * sequence of Resource TLVs (no enclosing Object Instance TLV, as the path names the instance).
 */
export function encodeInstanceTlv(resources: readonly WritableResource[]): Uint8Array {
  return concat(resources.map((r) => tlvEntry(TlvType.Resource, r.id, tlvValueBytes(r.value))));
}

export { TlvType };
