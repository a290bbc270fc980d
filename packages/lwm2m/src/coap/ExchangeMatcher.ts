/**
 * Client-side exchanges matched by token: sends one request message (through the
 * {@link MessageLayer}, which retransmits a CON), and hands the response to whoever waits for its
 * token, piggybacked on the ACK or separate (a CON separate response is acknowledged, one nobody
 * waits for is rejected with RST). Observations we hold wait here too, for their notifications.
 */
import type { PeerAddress } from '../transport/DatagramTransport.js';
import type { TimerHandle } from '../time/Clock.js';
import { CoapError, CoapErrorCode } from './CoapError.js';
import { emptyMessage, encodeMessage, tokenHex, type CoapMessage, type CoapOptionValue } from './CoapMessage.js';
import type { EndpointContext } from './EndpointContext.js';
import type { MessageLayer, Outgoing } from './MessageLayer.js';
import type { ObserveCancelReason } from './types.js';

/** Whoever waits for messages with one token from one peer. */
export interface TokenWaiter {
  readonly pk: string;
  deliver(msg: CoapMessage): void;
  fail(err: CoapError, reason: ObserveCancelReason): void;
}

/** One request message to send. */
export interface OutSpec {
  readonly type: 'CON' | 'NON';
  readonly code: number;
  readonly token: Uint8Array;
  readonly options: CoapOptionValue[];
  readonly payload: Uint8Array;
}

/** One message exchange: sends it and resolves with the matching response; rejects with {@link CoapError}. */
export type Exchange = (peer: PeerAddress, pk: string, spec: OutSpec, deadline: number, onResponse?: (m: CoapMessage) => void) => Promise<CoapMessage>;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ExchangeMatcher {
  private readonly waiters = new Map<string, TokenWaiter>();

  constructor(
    private readonly ctx: EndpointContext,
    private readonly messages: MessageLayer,
  ) {}

  /** Token waiters (pending exchanges and observations we hold). */
  get size(): number {
    return this.waiters.size;
  }

  newToken(pk: string): Uint8Array {
    for (;;) {
      const t = this.ctx.random.bytes(4);
      if (!this.waiters.has(`${pk}#${tokenHex(t)}`)) return t;
    }
  }

  /** Makes `w` the waiter of `tkey` (a client observation, after its registration response). */
  wait(tkey: string, w: TokenWaiter): void {
    this.waiters.set(tkey, w);
  }

  /** Removes `w` if it still waits on `tkey`; true when it did. */
  unwait(tkey: string, w: TokenWaiter): boolean {
    if (this.waiters.get(tkey) !== w) return false;
    this.waiters.delete(tkey);
    return true;
  }

  /** One message exchange: sends (retransmitting a CON) and resolves with the matching response. */
  readonly exchange: Exchange = (peer, pk, spec, deadline, onResponse) =>
    new Promise<CoapMessage>((resolve, reject) => {
      if (this.ctx.closed) {
        reject(new CoapError(CoapErrorCode.Closed, 'endpoint closed'));
        return;
      }
      const mid = this.messages.newMid();
      const msg: CoapMessage = { type: spec.type, code: spec.code, messageId: mid, token: spec.token, options: spec.options, payload: spec.payload };
      let bytes: Uint8Array;
      try {
        bytes = encodeMessage(msg);
      } catch (cause) {
        reject(new CoapError(CoapErrorCode.BadRequest, 'request cannot be encoded', { cause }));
        return;
      }
      const ex = new ClientExchange(this, pk, peer, bytes, mid, spec.token, spec.type === 'CON', this.ctx.initialTimeout(), resolve, reject, onResponse);
      const existing = this.waiters.get(ex.tkey);
      if (existing) existing.fail(new CoapError(CoapErrorCode.Closed, 'token reused'), 'ended');
      this.waiters.set(ex.tkey, ex);
      ex.deadlineTimer = this.ctx.clock.setTimer(Math.max(0, deadline - this.ctx.clock.now()), () => ex.onTimeout());
      this.messages.track(ex.okey, ex);
      this.ctx.counters.requestsSent++;
      this.messages.sendBytes(peer, bytes).catch((cause: unknown) => {
        ex.fail(new CoapError(CoapErrorCode.SendFailed, 'transport refused the datagram', { cause }));
      });
    });

  /** @internal A {@link ClientExchange} is over. */
  release(ex: ClientExchange): void {
    ex.deadlineTimer?.cancel();
    if (this.waiters.get(ex.tkey) === ex) this.waiters.delete(ex.tkey);
    this.messages.release(ex.okey, ex);
  }

  /** @internal */
  countTimeout(): void {
    this.ctx.counters.timeouts++;
  }

  /** A CON or NON response: a separate response, or a notification. */
  onSeparateResponse(m: CoapMessage, peer: PeerAddress, pk: string): void {
    const entry = this.messages.receiveOnce(pk, peer, m);
    if (!entry) return;
    const w = this.waiters.get(`${pk}#${tokenHex(m.token)}`);
    if (!w) {
      // Nobody waits for this token (cancelled observation, late response): reject it.
      const rst = encodeMessage(emptyMessage('RST', m.messageId));
      entry.reply = rst.slice();
      this.ctx.counters.resetsSent++;
      this.messages.sendQuiet(peer, rst);
      return;
    }
    if (m.type === 'CON') {
      const ack = encodeMessage(emptyMessage('ACK', m.messageId));
      entry.reply = ack.slice();
      this.messages.sendQuiet(peer, ack);
    }
    w.deliver(m);
  }

  /** Fails every waiter of a peer (or of every peer). */
  failAll(err: CoapError, reason: ObserveCancelReason, pk?: string): void {
    for (const w of [...this.waiters.values()]) if (pk === undefined || w.pk === pk) w.fail(err, reason);
  }
}

/** One client-side message exchange: the outgoing message (retransmitted if CON) and its token waiter. */
class ClientExchange implements Outgoing, TokenWaiter {
  readonly tkey: string;
  readonly okey: string;
  timer: TimerHandle | undefined;
  deadlineTimer: TimerHandle | undefined;
  attempt = 0;
  private done = false;

  constructor(
    private readonly host: ExchangeMatcher,
    readonly pk: string,
    readonly peer: PeerAddress,
    readonly bytes: Uint8Array,
    readonly mid: number,
    readonly token: Uint8Array,
    readonly confirmable: boolean,
    public timeout: number,
    private readonly resolve: (m: CoapMessage) => void,
    private readonly reject: (e: CoapError) => void,
    private readonly onResponse: ((m: CoapMessage) => void) | undefined,
  ) {
    this.tkey = `${pk}#${tokenHex(token)}`;
    this.okey = `${pk}#${mid}`;
  }

  /** A response matched by token (separate response, or piggybacked via onAck). */
  deliver(m: CoapMessage): void {
    if (this.done) return;
    this.done = true;
    this.host.release(this);
    try {
      this.onResponse?.(m);
    } finally {
      this.resolve(m);
    }
  }

  fail(err: CoapError): void {
    if (this.done) return;
    this.done = true;
    this.host.release(this);
    if (err.code === CoapErrorCode.Timeout) this.host.countTimeout();
    this.reject(err);
  }

  onAck(ack: CoapMessage): void {
    if (ack.code === 0) return; // empty ACK: a separate response follows
    if (!sameBytes(ack.token, this.token)) this.fail(new CoapError(CoapErrorCode.BadMessage, 'piggybacked response with a foreign token'));
    else this.deliver(ack);
  }

  onReset(): void {
    this.fail(new CoapError(CoapErrorCode.Reset, `${this.peer.address}:${this.peer.port} answered with RST`));
  }

  onTimeout(): void {
    this.fail(new CoapError(CoapErrorCode.Timeout, `no response from ${this.peer.address}:${this.peer.port}`, { details: { messageId: this.mid } }));
  }

  onAbort(): void {
    this.fail(new CoapError(CoapErrorCode.Closed, 'exchange aborted'));
  }
}
