/**
 * LwM2M CBOR (content format 60, TS Core 1.1 §7.4.6): one resource value as one CBOR data item.
 * Integers as major types 0/1, floats as major type 7, strings, byte strings (opaque), booleans;
 * time as an integer (a tag-1 date is accepted); objlnk as the text `objectId:instanceId`.
 */
import { Decoder, Encoder } from 'cbor-x';
import { malformed } from '../CodecError.js';

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

export type CborScalar = number | bigint | string | boolean | Uint8Array | Date;

export function encodeCborValue(v: CborScalar): Uint8Array {
  const b = encoder.encode(v);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes exactly one CBOR scalar; containers, null/undefined and trailing bytes are malformed. */
export function decodeCborValue(bytes: Uint8Array): CborScalar {
  if (bytes.length === 0) throw malformed('CBOR payload is empty');
  let items: unknown[];
  try {
    items = decoder.decodeMultiple(bytes) as unknown[];
  } catch (e) {
    throw malformed('invalid CBOR', undefined, e);
  }
  if (!Array.isArray(items) || items.length !== 1) throw malformed('CBOR payload must hold exactly one data item');
  const v = items[0];
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v;
  throw malformed('CBOR payload must be a single scalar value');
}
