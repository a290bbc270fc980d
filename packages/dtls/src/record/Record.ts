/** DTLS 1.2 record layer framing (RFC 6347 §4.1): 13-byte header, several records per datagram. */
import { ProtocolVersion, RECORD_HEADER_LENGTH } from '../constants.js';

export interface DtlsRecord {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  /** 48-bit sequence number (fits a JS number exactly). */
  readonly seq: number;
  readonly fragment: Buffer;
  /** The connection id of a `tls12_cid` record (RFC 9146 §4). */
  readonly cid?: Buffer;
}

/** Why a datagram (or its tail) was not split into records. */
export type RecordProblem = 'unknownVersion' | 'tooBig' | 'malformed';

const MAX_FRAGMENT = 16384 + 2048;

/**
 * Splits a datagram into records. Returns undefined when all of it parsed, else what was wrong; the
 * records before the bad one are still returned in `out` (RFC 6347 §4.1.2.7: drop the rest).
 *
 * Any record version whose major byte is 0xfe is framed (RFC 5246 Appendix E.1, inherited by DTLS 1.2:
 * a server accepts any record-layer version on a ClientHello; mbedTLS clients send `fe 00`). Which
 * versions a record of a given epoch may carry is the receiver's decision.
 */
export function parseRecords(datagram: Buffer, out: DtlsRecord[], cidLength = 0): RecordProblem | undefined {
  let pos = 0;
  while (pos < datagram.length) {
    if (datagram.length - pos < RECORD_HEADER_LENGTH) return 'malformed';
    const type = datagram[pos] as number;
    // A tls12_cid record (RFC 9146 §4) has the CID, of the length the receiver issued, before the length.
    const cid = type === 25 ? cidLength : 0;
    if ((type < 20 || type > 23) && !(type === 25 && cidLength > 0)) return 'malformed';
    if (datagram[pos + 1] !== 0xfe) return 'unknownVersion';
    const header = RECORD_HEADER_LENGTH + cid;
    if (datagram.length - pos < header) return 'malformed';
    const length = datagram.readUInt16BE(pos + 11 + cid);
    if (length > MAX_FRAGMENT) return 'tooBig';
    if (pos + header + length > datagram.length) return 'malformed';
    const version = datagram.readUInt16BE(pos + 1);
    const epoch = datagram.readUInt16BE(pos + 3);
    const seq = datagram.readUIntBE(pos + 5, 6);
    const fragment = datagram.subarray(pos + header, pos + header + length);
    out.push(cid > 0 ? { type, version, epoch, seq, fragment, cid: datagram.subarray(pos + 11, pos + 11 + cid) } : { type, version, epoch, seq, fragment });
    pos += header + length;
  }
  return undefined;
}

/** The record versions DTLS 1.0/1.2 peers use after the first ClientHello. */
export function isDtlsRecordVersion(version: number): boolean {
  return version === ProtocolVersion.Dtls12 || version === ProtocolVersion.Dtls10;
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
