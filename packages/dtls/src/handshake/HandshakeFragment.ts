/** Handshake message header and fragments (RFC 6347 §4.2.2–4.2.3). */
import { HANDSHAKE_HEADER_LENGTH } from '../constants.js';

export interface HandshakeFragment {
  readonly type: number;
  readonly length: number;
  readonly seq: number;
  readonly offset: number;
  readonly body: Buffer;
}

export interface HandshakeMessage {
  readonly type: number;
  readonly seq: number;
  readonly body: Buffer;
}

/** Parses all fragments in a handshake record's plaintext; returns false when malformed. */
export function parseFragments(data: Buffer, out: HandshakeFragment[]): boolean {
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < HANDSHAKE_HEADER_LENGTH) return false;
    const type = data[pos] as number;
    const length = data.readUIntBE(pos + 1, 3);
    const seq = data.readUInt16BE(pos + 4);
    const offset = data.readUIntBE(pos + 6, 3);
    const fragLength = data.readUIntBE(pos + 9, 3);
    const start = pos + HANDSHAKE_HEADER_LENGTH;
    if (start + fragLength > data.length || offset + fragLength > length) return false;
    out.push({ type, length, seq, offset, body: data.subarray(start, start + fragLength) });
    pos = start + fragLength;
  }
  return true;
}

/** The message as it enters the transcript hash: one unfragmented header + body. */
export function encodeHandshake(type: number, seq: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HANDSHAKE_HEADER_LENGTH + body.length);
  writeHeader(out, 0, type, body.length, seq, 0, body.length);
  out.set(body, HANDSHAKE_HEADER_LENGTH);
  return out;
}

function writeHeader(out: Buffer, at: number, type: number, length: number, seq: number, offset: number, fragLength: number): void {
  out[at] = type;
  out.writeUIntBE(length, at + 1, 3);
  out.writeUInt16BE(seq, at + 4);
  out.writeUIntBE(offset, at + 6, 3);
  out.writeUIntBE(fragLength, at + 9, 3);
}

/** Splits a message into fragments whose encoded size is at most `maxFragment` bytes each. */
export function fragmentHandshake(type: number, seq: number, body: Uint8Array, maxFragment: number): Buffer[] {
  const room = Math.max(1, maxFragment - HANDSHAKE_HEADER_LENGTH);
  if (body.length <= room) return [encodeHandshake(type, seq, body)];
  const out: Buffer[] = [];
  for (let off = 0; off < body.length; off += room) {
    const len = Math.min(room, body.length - off);
    const f = Buffer.allocUnsafe(HANDSHAKE_HEADER_LENGTH + len);
    writeHeader(f, 0, type, body.length, seq, off, len);
    f.set(body.subarray(off, off + len), HANDSHAKE_HEADER_LENGTH);
    out.push(f);
  }
  return out;
}
