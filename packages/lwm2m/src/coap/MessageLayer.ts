/**
 * The message layer of a CoAP endpoint (RFC 7252 §4): message ids, deduplication of received
 * messages (a duplicate CON gets the cached reply again), retransmission of our CON messages on the
 * injected clock, ACK and RST matching, CoAP ping, and sending through the transport.
 */
import type { DatagramTransport, PeerAddress } from '../transport/DatagramTransport.js';
import type { TimerHandle } from '../time/Clock.js';
import { CoapError, CoapErrorCode } from './CoapError.js';
import { emptyMessage, encodeMessage, type CoapMessage } from './CoapMessage.js';
import { FifoMap } from './FifoMap.js';
import type { EndpointContext } from './EndpointContext.js';

/** A received message id, remembered for EXCHANGE_LIFETIME. */
export interface DedupEntry {
  readonly at: number;
  readonly pk: string;
  /**
   * Encoded reply to replay for a duplicate CON (piggybacked response, empty ACK, or RST); a copy,
   * so that a long-lived entry does not pin a shared Buffer pool slab.
   */
  reply?: Uint8Array;
  forgotten: boolean;
}

/** One of our messages waiting for its ACK/RST (or, when NON, for a response by token). */
export interface Outgoing {
  readonly pk: string;
  readonly peer: PeerAddress;
  readonly bytes: Uint8Array;
  readonly confirmable: boolean;
  timer: TimerHandle | undefined;
  attempt: number;
  timeout: number;
  onAck(msg: CoapMessage): void;
  onReset(): void;
  onTimeout(): void;
  /** forgetPeer() / close() dropped it. */
  onAbort(): void;
}

/** What happens to a CON of ours that is not a request. */
export interface ConOutcome {
  onAck(msg: CoapMessage): void;
  onReset(): void;
  onTimeout(): void;
  onAbort(): void;
}

/** A CON of ours, before its first transmission. */
export function outgoingCon(pk: string, peer: PeerAddress, bytes: Uint8Array, timeout: number, outcome: ConOutcome): Outgoing {
  return { pk, peer, bytes, confirmable: true, timer: undefined, attempt: 0, timeout, ...outcome };
}

export class MessageLayer {
  private readonly dedup = new FifoMap<string, DedupEntry>();
  private readonly outgoing = new Map<string, Outgoing>();
  private nextMid: number;
  /** A RST that matches none of our CON messages (it may answer a NON notification). */
  onStrayReset: (okey: string) => void = () => undefined;

  constructor(
    private readonly ctx: EndpointContext,
    private readonly transport: DatagramTransport,
  ) {
    this.nextMid = Math.floor(ctx.random.next() * 0x10000) & 0xffff;
  }

  get dedupEntries(): number {
    return this.dedup.size;
  }

  newMid(): number {
    const mid = this.nextMid;
    this.nextMid = (this.nextMid + 1) & 0xffff;
    return mid;
  }

  // ---------------------------------------------------------------- sending

  async sendBytes(peer: PeerAddress, bytes: Uint8Array): Promise<void> {
    try {
      await this.transport.send(peer, bytes);
    } catch (err) {
      this.ctx.counters.sendErrors++;
      throw err;
    }
  }

  sendQuiet(peer: PeerAddress, bytes: Uint8Array): void {
    this.sendBytes(peer, bytes).catch(() => undefined);
  }

  sendRst(peer: PeerAddress, mid: number): void {
    this.ctx.counters.resetsSent++;
    this.sendQuiet(peer, encodeMessage(emptyMessage('RST', mid)));
  }

  /** Remembers an outgoing message under `okey` and, when it is a CON, schedules its retransmissions. */
  track(okey: string, o: Outgoing): void {
    this.outgoing.set(okey, o);
    if (o.confirmable) this.schedule(okey, o);
  }

  /** Forgets an outgoing message (if `okey` still holds it) and stops its retransmission. */
  release(okey: string, o: Outgoing): void {
    if (this.outgoing.get(okey) !== o) return;
    this.outgoing.delete(okey);
    o.timer?.cancel();
  }

  private schedule(okey: string, o: Outgoing): void {
    o.timer = this.ctx.clock.setTimer(o.timeout, () => {
      if (this.outgoing.get(okey) !== o) return;
      if (o.attempt < this.ctx.settings.maxRetransmit) {
        o.attempt++;
        o.timeout *= 2;
        this.ctx.counters.retransmissions++;
        this.sendQuiet(o.peer, o.bytes);
        this.schedule(okey, o);
      } else {
        this.outgoing.delete(okey);
        o.onTimeout();
      }
    });
  }

  /** Sends a CON that is not a request (separate response, notification) with retransmission. */
  transmitCon(peer: PeerAddress, pk: string, msg: CoapMessage, onAck: () => void, onFail: (reason: 'reset' | 'timeout' | 'aborted') => void): void {
    const okey = `${pk}#${msg.messageId}`;
    const out = outgoingCon(pk, peer, encodeMessage(msg), this.ctx.initialTimeout(), {
      onAck,
      onReset: () => onFail('reset'),
      onTimeout: () => onFail('timeout'),
      onAbort: () => onFail('aborted'),
    });
    this.track(okey, out);
    this.sendQuiet(peer, out.bytes);
  }

  /**
   * CoAP ping (RFC 7252 §4.3): an empty CON, answered by RST (or ACK) from a live peer. Resolves
   * with the round-trip time in ms; rejects COAP_TIMEOUT after the retransmission schedule.
   */
  ping(peer: PeerAddress, pk: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (this.ctx.closed) {
        reject(new CoapError(CoapErrorCode.Closed, 'endpoint closed'));
        return;
      }
      const started = this.ctx.clock.now();
      const msg = emptyMessage('ACK', this.newMid());
      const okey = `${pk}#${msg.messageId}`;
      const bytes = encodeMessage({ ...msg, type: 'CON' });
      const done = (): void => resolve(this.ctx.clock.now() - started);
      const out = outgoingCon(pk, peer, bytes, this.ctx.initialTimeout(), {
        onAck: done,
        onReset: done,
        onTimeout: () => {
          this.ctx.counters.timeouts++;
          reject(new CoapError(CoapErrorCode.Timeout, `no answer to ping from ${peer.address}:${peer.port}`));
        },
        onAbort: () => reject(new CoapError(CoapErrorCode.Closed, 'ping aborted')),
      });
      this.track(okey, out);
      this.sendBytes(peer, bytes).catch((cause: unknown) => {
        if (this.outgoing.get(okey) !== out) return;
        this.release(okey, out);
        reject(new CoapError(CoapErrorCode.SendFailed, 'transport refused the datagram', { cause }));
      });
    });
  }

  // ---------------------------------------------------------------- receiving

  /** An ACK (empty or piggybacked response) for one of our CON messages. */
  onAck(pk: string, m: CoapMessage): void {
    const okey = `${pk}#${m.messageId}`;
    const o = this.outgoing.get(okey);
    if (!o || !o.confirmable) return; // late or duplicate ACK
    this.outgoing.delete(okey);
    o.timer?.cancel();
    o.onAck(m);
  }

  onRst(pk: string, m: CoapMessage): void {
    this.ctx.counters.resetsReceived++;
    const okey = `${pk}#${m.messageId}`;
    const o = this.outgoing.get(okey);
    if (o) {
      this.outgoing.delete(okey);
      o.timer?.cancel();
      o.onReset();
      return;
    }
    this.onStrayReset(okey);
  }

  /**
   * Deduplicates a received CON/NON: for a duplicate, counts it, replays the cached reply (CON) and
   * returns undefined; otherwise remembers the message id and returns its entry (to cache the reply in).
   */
  receiveOnce(pk: string, peer: PeerAddress, m: CoapMessage): DedupEntry | undefined {
    const key = `${pk}#${m.messageId}`;
    const dup = this.dedupGet(key);
    if (dup) {
      this.ctx.counters.duplicates++;
      if (m.type === 'CON' && dup.reply) this.sendQuiet(peer, dup.reply);
      return undefined;
    }
    while (this.dedup.size >= this.ctx.settings.maxDedup && this.dedup.shift()) {
      // evicted the oldest
    }
    const e: DedupEntry = { at: this.ctx.clock.now(), pk, forgotten: false };
    this.dedup.set(key, e);
    return e;
  }

  private dedupGet(key: string): DedupEntry | undefined {
    const e = this.dedup.get(key);
    if (e && e.at + this.ctx.settings.exchangeLifetimeMs <= this.ctx.clock.now()) {
      this.dedup.delete(key);
      return undefined;
    }
    return e;
  }

  // ---------------------------------------------------------------- housekeeping

  /** Frees the dedup entries older than EXCHANGE_LIFETIME (kept in insertion order). */
  sweep(now: number): void {
    const lifetime = this.ctx.settings.exchangeLifetimeMs;
    for (let o = this.dedup.oldest(); o && o.value.at + lifetime <= now; o = this.dedup.oldest()) this.dedup.shift();
  }

  /** Forgets a peer's message ids; replies still pending for them are not sent. */
  dropPeer(pk: string): void {
    for (const [key, e] of [...this.dedup.entries()]) {
      if (e.pk !== pk) continue;
      e.forgotten = true;
      this.dedup.delete(key);
    }
  }

  /** Aborts our messages in flight to a peer (or to every peer). */
  abort(pk?: string): void {
    for (const [key, o] of [...this.outgoing]) {
      if (pk !== undefined && o.pk !== pk) continue;
      o.timer?.cancel();
      this.outgoing.delete(key);
      o.onAbort();
    }
  }

  clear(): void {
    this.dedup.clear();
  }
}
