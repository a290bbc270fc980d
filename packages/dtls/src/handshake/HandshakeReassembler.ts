/**
 * Reassembles handshake fragments in message_seq order (RFC 6347 §4.2.3), with hard bounds: a small
 * window of future messages, a maximum message length and a maximum of buffered bytes.
 */
import type { HandshakeFragment, HandshakeMessage } from './HandshakeFragment.js';

interface Partial {
  type: number;
  body: Buffer;
  /** Bytes received so far; absent when the message arrived whole. */
  mask: Uint8Array | undefined;
  received: number;
}

export type PushResult = 'ok' | 'old' | 'dropped';

export class HandshakeReassembler {
  private readonly partial = new Map<number, Partial>();
  private buffered = 0;

  constructor(
    /** message_seq of the next message to deliver. */
    public next: number,
    private readonly maxMessageLength = 8192,
    private readonly window = 4,
    private readonly maxBuffered = 16384,
  ) {}

  /** Bytes currently held. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(f: HandshakeFragment): PushResult {
    if (f.seq < this.next) return 'old';
    if (f.seq >= this.next + this.window || f.length > this.maxMessageLength) return 'dropped';
    let p = this.partial.get(f.seq);
    if (!p && f.offset === 0 && f.body.length === f.length) {
      // Fast path: an unfragmented message is kept as it is (no copy, no mask).
      if (this.buffered + f.length > this.maxBuffered) return 'dropped';
      this.partial.set(f.seq, { type: f.type, body: f.body, mask: undefined, received: f.length });
      this.buffered += f.length;
      return 'ok';
    }
    if (!p) {
      if (this.buffered + f.length > this.maxBuffered) return 'dropped';
      p = { type: f.type, body: Buffer.alloc(f.length), mask: new Uint8Array(f.length), received: 0 };
      this.partial.set(f.seq, p);
      this.buffered += f.length;
    } else if (p.type !== f.type || p.body.length !== f.length) {
      return 'dropped';
    }
    const mask = p.mask;
    if (!mask) return 'ok'; // already complete: a duplicate
    const end = f.offset + f.body.length;
    for (let i = f.offset; i < end; i++) {
      if (mask[i] === 0) {
        mask[i] = 1;
        p.received++;
      }
    }
    f.body.copy(p.body, f.offset);
    return 'ok';
  }

  /** The next complete in-order message, if any. */
  pop(): HandshakeMessage | undefined {
    const p = this.partial.get(this.next);
    if (!p || p.received !== p.body.length) return undefined;
    this.partial.delete(this.next);
    this.buffered -= p.body.length;
    return { type: p.type, seq: this.next++, body: p.body };
  }

  clear(): void {
    this.partial.clear();
    this.buffered = 0;
  }
}
