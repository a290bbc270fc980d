/** DTLS 1.2 record layer framing (RFC 6347 §4.1): 13-byte header, several records per datagram. */
import { ProtocolVersion, RECORD_HEADER_LENGTH } from '../constants.js';

export interface DtlsRecord {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  /** 48-bit sequence number (fits a JS number exactly). */
  readonly seq: number;
  readonly fragment: Buffer;
}

const MAX_FRAGMENT = 16384 + 2048;

/**
 * Splits a datagram into records. Returns false when it is malformed (any bad header or length); the
 * records before the bad one are still returned in `out` (RFC 6347 §4.1.2.7: drop the rest).
 */
export function parseRecords(datagram: Buffer, out: DtlsRecord[]): boolean {
  let pos = 0;
  while (pos < datagram.length) {
    if (datagram.length - pos < RECORD_HEADER_LENGTH) return false;
    const type = datagram[pos] as number;
    const version = datagram.readUInt16BE(pos + 1);
    const length = datagram.readUInt16BE(pos + 11);
    if (type < 20 || type > 23) return false;
    if (version !== ProtocolVersion.Dtls12 && version !== ProtocolVersion.Dtls10) return false;
    if (length > MAX_FRAGMENT || pos + RECORD_HEADER_LENGTH + length > datagram.length) return false;
    out.push({
      type,
      version,
      epoch: datagram.readUInt16BE(pos + 3),
      seq: datagram.readUIntBE(pos + 5, 6),
      fragment: datagram.subarray(pos + RECORD_HEADER_LENGTH, pos + RECORD_HEADER_LENGTH + length),
    });
    pos += RECORD_HEADER_LENGTH + length;
  }
  return true;
}

/** An unprotected record (epoch 0). */
export function plainRecord(type: number, epoch: number, seq: number, payload: Uint8Array, version: number = ProtocolVersion.Dtls12): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_LENGTH + payload.length);
  out[0] = type;
  out.writeUInt16BE(version, 1);
  out.writeUInt16BE(epoch, 3);
  out.writeUIntBE(seq, 5, 6);
  out.writeUInt16BE(payload.length, 11);
  out.set(payload, RECORD_HEADER_LENGTH);
  return out;
}
