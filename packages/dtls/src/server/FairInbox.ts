/**
 * Fair service of inbound datagrams across sources (IPv4 address, IPv6 /64). Datagrams are queued per
 * source as they are read and served round-robin, a bounded number per event-loop turn, so the socket
 * is drained faster than it is served when the server is overloaded: a flood from one source then
 * fills only its own short queue (the excess is dropped at the cost of a read), and a datagram from
 * any other source is served within one turn of being read. Without pressure every datagram is served
 * in the turn it arrives.
 */
import type { PeerAddress } from '../types.js';
import { sourceKey } from './SourceQuota.js';

export interface FairInboxOptions {
  /** Datagrams queued per source (default 32); more are dropped. */
  readonly perSource: number;
  /** Datagrams queued over all sources (default 8192). */
  readonly total: number;
  /** Datagrams served per event-loop turn (default 16: fewer than libuv reads per turn, so reads win). */
  readonly perTurn: number;
  /** Defers the next turn (setImmediate). */
  readonly defer: (fn: () => void) => void;
}

interface Item {
  readonly data: Buffer;
  readonly peer: PeerAddress;
}

export class FairInbox {
  private readonly queues = new Map<string, Item[]>();
  private queued = 0;
  private scheduled = false;

  constructor(
    private readonly o: FairInboxOptions,
    private readonly serve: (data: Buffer, peer: PeerAddress) => void,
    private readonly overflow: (peer: PeerAddress) => void,
  ) {}

  push(data: Buffer, peer: PeerAddress): void {
    const key = sourceKey(peer.address);
    let q = this.queues.get(key);
    if (!q) {
      q = [];
      this.queues.set(key, q);
    }
    if (q.length >= this.o.perSource || this.queued >= this.o.total) {
      this.overflow(peer);
      return;
    }
    q.push({ data, peer });
    this.queued += 1;
    if (!this.scheduled) {
      this.scheduled = true;
      this.o.defer(() => this.turn());
    }
  }

  get length(): number {
    return this.queued;
  }

  clear(): void {
    this.queues.clear();
    this.queued = 0;
  }

  private turn(): void {
    this.scheduled = false;
    let budget = this.o.perTurn;
    while (budget > 0 && this.queued > 0) {
      for (const [key, q] of this.queues) {
        const item = q.shift();
        if (q.length === 0) this.queues.delete(key);
        if (!item) continue;
        this.queued -= 1;
        this.serve(item.data, item.peer);
        if (--budget === 0) break;
      }
    }
    if (this.queued > 0 && !this.scheduled) {
      this.scheduled = true;
      this.o.defer(() => this.turn());
    }
  }
}
