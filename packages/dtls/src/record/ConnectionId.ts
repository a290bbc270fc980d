/**
 * DTLS 1.2 Connection ID (RFC 9146): the `connection_id` extension (type 54), the `tls12_cid` record
 * (content type 25) with the CID after the sequence number (§4), the inner plaintext carrying the real
 * content type and zero padding (§4), and the additional data of its protection (§5):
 *
 *   seq_num_placeholder (8 × 0xff) ‖ tls12_cid ‖ cid_length ‖ tls12_cid ‖ version ‖ epoch ‖
 *   sequence_number ‖ cid ‖ length_of_DTLSInnerPlaintext
 *
 * (for MAC-then-encrypt suites the inner plaintext follows this prefix inside the MAC, §5.1).
 */
import { ProtocolVersion } from '../constants.js';
import type { RecordCipher } from '../crypto/RecordCipher.js';
import type { DtlsRecord } from './Record.js';

export const TLS12_CID = 25;
export const CONNECTION_ID_EXTENSION = 54;
/** Length of the CIDs our server issues. */
export const SERVER_CID_LENGTH = 6;

/** Extension data: `opaque cid<0..2^8-1>`. */
export function encodeCidExtension(cid: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + cid.length);
  out[0] = cid.length;
  out.set(cid, 1);
  return out;
}

export function parseCidExtension(data: Buffer): Buffer | undefined {
  if (data.length < 1 || data[0] !== data.length - 1) return undefined;
  return data.subarray(1);
}

/** Writes the §5 additional data into `out` (at least 23 + cid.length bytes); returns its length. */
export function writeCidAad(out: Buffer, epoch: number, seq: number, cid: Uint8Array, innerLength: number): number {
  out.fill(0xff, 0, 8);
  out[8] = TLS12_CID;
  out[9] = cid.length;
  out[10] = TLS12_CID;
  out.writeUInt16BE(ProtocolVersion.Dtls12, 11);
  out.writeUInt16BE(epoch, 13);
  out.writeUIntBE(seq, 15, 6);
  out.set(cid, 21);
  out.writeUInt16BE(innerLength, 21 + cid.length);
  return 23 + cid.length;
}

export function cidAad(epoch: number, seq: number, cid: Uint8Array, innerLength: number): Buffer {
  const out = Buffer.allocUnsafe(23 + cid.length);
  writeCidAad(out, epoch, seq, cid, innerLength);
  return out;
}

/** DTLSInnerPlaintext without padding: content ‖ real_type. */
export function innerPlaintext(type: number, content: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(content.length + 1);
  out.set(content, 0);
  out[content.length] = type;
  return out;
}

/** Strips the zero padding; the last non-zero byte is the real type (none: invalid, §4). */
export function parseInnerPlaintext(inner: Buffer): { type: number; content: Buffer } | undefined {
  let i = inner.length - 1;
  while (i >= 0 && inner[i] === 0) i--;
  if (i < 0) return undefined;
  return { type: inner[i] as number, content: inner.subarray(0, i) };
}

/** Opens a protected record of either format: its real content type and plaintext, or undefined. */
export function openRecord(cipher: RecordCipher, rec: DtlsRecord): { type: number; content: Buffer } | undefined {
  if (rec.type !== TLS12_CID) {
    const content = cipher.open(rec.type, rec.epoch, rec.seq, rec.fragment);
    return content ? { type: rec.type, content } : undefined;
  }
  if (!rec.cid) return undefined;
  const inner = cipher.open(TLS12_CID, rec.epoch, rec.seq, rec.fragment, rec.cid);
  return inner ? parseInnerPlaintext(inner) : undefined;
}
