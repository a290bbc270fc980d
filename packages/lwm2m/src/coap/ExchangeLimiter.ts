/**
 * RFC 7252 §4.7 NSTART: at most `nstart` outstanding exchanges (each block exchange counts) per
 * peer; later ones wait in a per-peer queue, and fail COAP_TIMEOUT if still queued at their deadline.
 */
import type { PeerAddress } from '../transport/DatagramTransport.js';
import type { TimerHandle } from '../time/Clock.js';
import { CoapError, CoapErrorCode } from './CoapError.js';
import type { CoapMessage } from './CoapMessage.js';
import type { EndpointContext } from './EndpointContext.js';
import type { Exchange } from './ExchangeMatcher.js';

interface Queued {
  start(): void;
  fail(err: CoapError): void;
  readonly timer: TimerHandle;
}

export class ExchangeLimiter {
  private readonly inFlight = new Map<string, number>();
  private readonly queued = new Map<string, Queued[]>();

  constructor(
    private readonly ctx: EndpointContext,
    private readonly inner: Exchange,
  ) {}

  /** Exchanges waiting for a slot, over all peers. */
  get queuedCount(): number {
    let n = 0;
    for (const q of this.queued.values()) n += q.length;
    return n;
  }

  /** The inner exchange behind the per-peer NSTART gate. */
  readonly exchange: Exchange = (peer, pk, spec, deadline, onResponse) => {
    const nstart = this.ctx.settings.nstart;
    if (nstart === Infinity) return this.inner(peer, pk, spec, deadline, onResponse);
    return new Promise<CoapMessage>((resolve, reject) => {
      const start = (): void => {
        this.inFlight.set(pk, (this.inFlight.get(pk) ?? 0) + 1);
        const release = (): void => {
          const n = (this.inFlight.get(pk) ?? 1) - 1;
          if (n > 0) this.inFlight.set(pk, n);
          else this.inFlight.delete(pk);
          this.startQueued(pk);
        };
        this.inner(peer, pk, spec, deadline, onResponse).then(
          (m) => {
            release();
            resolve(m);
          },
          (err: unknown) => {
            release();
            reject(err);
          },
        );
      };
      if ((this.inFlight.get(pk) ?? 0) < nstart) {
        start();
        return;
      }
      const entry: Queued = {
        start,
        fail: (err) => {
          entry.timer.cancel();
          reject(err);
        },
        timer: this.ctx.clock.setTimer(Math.max(0, deadline - this.ctx.clock.now()), () => this.expire(pk, peer, entry, reject)),
      };
      const q = this.queued.get(pk);
      if (q) q.push(entry);
      else this.queued.set(pk, [entry]);
    });
  };

  private expire(pk: string, peer: PeerAddress, entry: Queued, reject: (err: CoapError) => void): void {
    const q = this.queued.get(pk);
    const i = q?.indexOf(entry) ?? -1;
    if (q && i >= 0) q.splice(i, 1);
    if (q?.length === 0) this.queued.delete(pk);
    this.ctx.counters.timeouts++;
    reject(new CoapError(CoapErrorCode.Timeout, `request to ${peer.address}:${peer.port} still queued (NSTART) at its deadline`));
  }

  private startQueued(pk: string): void {
    const q = this.queued.get(pk);
    while (q && q.length > 0 && (this.inFlight.get(pk) ?? 0) < this.ctx.settings.nstart) {
      const next = q.shift() as Queued;
      next.timer.cancel();
      next.start();
    }
    if (q?.length === 0) this.queued.delete(pk);
  }

  /** Fails the queued exchanges of a peer (or of every peer); those in flight are the matcher's. */
  failQueued(err: CoapError, pk?: string): void {
    let entries: Queued[];
    if (pk === undefined) {
      entries = [...this.queued.values()].flat();
      this.queued.clear();
    } else {
      entries = this.queued.get(pk) ?? [];
      this.queued.delete(pk);
    }
    for (const e of entries) e.fail(err);
  }
}
