/**
 * A flight (RFC 6347 §4.2.4): the records one side sends in one go, kept as plaintext so every
 * (re)transmission gets fresh record sequence numbers; packed into as few datagrams as the MTU allows.
 */
import { plainRecord } from '../record/Record.js';
import type { RecordCipher } from '../crypto/RecordCipher.js';
import { RECORD_HEADER_LENGTH } from '../constants.js';

export interface FlightEntry {
  readonly type: number;
  readonly payload: Buffer;
  /** Protected with the pending (next-epoch) write state rather than the current one. */
  readonly nextEpoch: boolean;
}

/** One direction's write state for one epoch. */
export interface WriteState {
  epoch: number;
  seq: number;
  cipher: RecordCipher | undefined;
  /** The peer's connection id (RFC 9146): non-empty makes protected records `tls12_cid` records. */
  cid?: Buffer;
}

export function writeRecord(ws: WriteState, type: number, payload: Uint8Array): Buffer {
  const seq = ws.seq++;
  return ws.cipher ? ws.cipher.seal(type, ws.epoch, seq, payload, ws.cid) : plainRecord(type, ws.epoch, seq, payload);
}

export function buildFlight(entries: readonly FlightEntry[], current: WriteState, next: WriteState | undefined, mtu: number): Buffer[] {
  const datagrams: Buffer[] = [];
  let parts: Buffer[] = [];
  let size = 0;
  for (const e of entries) {
    const ws = e.nextEpoch && next ? next : current;
    const rec = writeRecord(ws, e.type, e.payload);
    if (size > 0 && size + rec.length > mtu) {
      datagrams.push(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size));
      parts = [];
      size = 0;
    }
    parts.push(rec);
    size += rec.length;
  }
  if (size > 0) datagrams.push(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size));
  return datagrams;
}

/** Room for a handshake fragment inside one record of a datagram of size `mtu`. */
export function handshakeRoom(mtu: number, overhead: number): number {
  return Math.max(32, mtu - RECORD_HEADER_LENGTH - overhead);
}
