/**
 * Observe as a client (RFC 7641): the observations we hold. Registers with GET + Observe: 0, keeps
 * waiting on the token for notifications, delivers only the newer ones (§3.4) in order, fetches the
 * rest of a block-wise notification, and cancels passively (forget the token: the next
 * notification gets RST) or actively (GET + Observe: 1 on the same token).
 */
import type { PeerAddress } from '../transport/DatagramTransport.js';
import type { CoapError } from './CoapError.js';
import { CoapOption, codeClass, getOption, getUintOption, tokenHex, uintOption, type CoapMessage } from './CoapMessage.js';
import { decodeBlock } from './BlockOption.js';
import { isNewerNotification } from './observeFreshness.js';
import { EMPTY, METHOD_CODES, peerKey, type EndpointContext } from './EndpointContext.js';
import type { Exchange, ExchangeMatcher, TokenWaiter } from './ExchangeMatcher.js';
import { requestOptions, splitPath, toClientResponse, type BlockwiseClient } from './BlockwiseClient.js';
import type { ClientRequest, ClientResponse, CoapObservation, ObserveCancelReason } from './types.js';

export class ObserveClient {
  private count = 0;

  constructor(
    private readonly ctx: EndpointContext,
    private readonly matcher: ExchangeMatcher,
    private readonly exchange: Exchange,
    private readonly blocks: BlockwiseClient,
  ) {}

  /** Observations we hold and that are still active. */
  get size(): number {
    return this.count;
  }

  /**
   * Registers an observation (GET with Observe: 0). Notifications newer than the last one go to
   * `onNotify`, in order; older ones are dropped. When the response carries no Observe option the
   * server did not accept: the returned observation is inactive.
   */
  async observe(peer: PeerAddress, req: ClientRequest, onNotify: (r: ClientResponse) => void): Promise<CoapObservation> {
    const pk = peerKey(peer);
    const deadline = this.ctx.clock.now() + (req.timeoutMs ?? this.ctx.settings.requestTimeoutMs);
    const { path, query } = splitPath(req);
    const token = this.matcher.newToken(pk);
    const tkey = `${pk}#${tokenHex(token)}`;
    const options = requestOptions(path, query, req);
    options.push(uintOption(CoapOption.Observe, 0));
    let obs: ClientObservation | undefined;
    const first = await this.exchange(
      peer,
      pk,
      { type: req.confirmable === false ? 'NON' : 'CON', code: METHOD_CODES[req.method], token, options, payload: req.payload ?? EMPTY },
      deadline,
      (m) => {
        const seq = getUintOption(m, CoapOption.Observe);
        if (seq !== undefined && codeClass(m.code) === 2 && !this.ctx.closed) {
          obs = new ClientObservation(this, peer, pk, tkey, token, req, path, query, seq, this.ctx.clock.now(), onNotify);
          this.matcher.wait(tkey, obs.waiter);
          this.count++;
        }
      },
    );
    let response: ClientResponse;
    try {
      response = await this.blocks.collectBlock2(peer, pk, { ...req, method: 'GET' }, path, query, this.matcher.newToken(pk), first, deadline);
    } catch (err) {
      obs?.end('ended');
      throw err;
    }
    if (obs) {
      obs.response = response;
      return obs;
    }
    return { response, active: false, cancel: () => Promise.resolve(), onEnd: () => undefined };
  }

  // ---------------------------------------------------------------- used by ClientObservation

  /** @internal */
  removeWaiter(tkey: string, w: TokenWaiter): void {
    if (this.matcher.unwait(tkey, w)) this.count--;
  }

  /** @internal */
  countStale(): void {
    this.ctx.counters.staleNotifications++;
  }

  /** @internal */
  now(): number {
    return this.ctx.clock.now();
  }

  /** @internal The rest of a block-wise notification. */
  fetchRest(peer: PeerAddress, req: ClientRequest, path: string[], query: string[], first: CoapMessage): Promise<ClientResponse> {
    const pk = peerKey(peer);
    return this.blocks.collectBlock2(peer, pk, { ...req, method: 'GET' }, path, query, this.matcher.newToken(pk), first, this.ctx.clock.now() + this.ctx.settings.requestTimeoutMs);
  }

  /** @internal Active cancel: GET with Observe: 1 on the observation's token. */
  async deregister(peer: PeerAddress, req: ClientRequest, path: string[], query: string[], token: Uint8Array): Promise<void> {
    const pk = peerKey(peer);
    const options = requestOptions(path, query, req);
    options.push(uintOption(CoapOption.Observe, 1));
    await this.exchange(peer, pk, { type: 'CON', code: METHOD_CODES.GET, token, options, payload: EMPTY }, this.ctx.clock.now() + this.ctx.settings.requestTimeoutMs);
  }
}

/** Client side of one observation. */
class ClientObservation implements CoapObservation {
  response!: ClientResponse;
  readonly waiter: TokenWaiter;
  private isActive = true;
  private lastSeq: number;
  private lastAt: number;
  private deliveredSeq: number;
  private deliveredAt: number;
  private readonly endCbs: ((reason: ObserveCancelReason) => void)[] = [];

  constructor(
    private readonly ep: ObserveClient,
    private readonly peer: PeerAddress,
    pk: string,
    private readonly tkey: string,
    private readonly token: Uint8Array,
    private readonly req: ClientRequest,
    private readonly path: string[],
    private readonly query: string[],
    seq: number,
    at: number,
    private readonly onNotify: (r: ClientResponse) => void,
  ) {
    this.lastSeq = seq;
    this.lastAt = at;
    this.deliveredSeq = seq;
    this.deliveredAt = at;
    this.waiter = {
      pk,
      deliver: (m) => this.onMessage(m),
      fail: (_err: CoapError, reason) => this.end(reason),
    };
  }

  get active(): boolean {
    return this.isActive;
  }

  onEnd(cb: (reason: ObserveCancelReason) => void): void {
    this.endCbs.push(cb);
  }

  async cancel(active = false): Promise<void> {
    if (!this.isActive) return;
    this.isActive = false;
    this.ep.removeWaiter(this.tkey, this.waiter);
    if (active) await this.ep.deregister(this.peer, this.req, this.path, this.query, this.token);
  }

  /** @internal */
  end(reason: ObserveCancelReason): void {
    if (!this.isActive) return;
    this.isActive = false;
    this.ep.removeWaiter(this.tkey, this.waiter);
    for (const cb of this.endCbs.splice(0)) {
      try {
        cb(reason);
      } catch {
        // ignore listener errors
      }
    }
  }

  private emit(r: ClientResponse): void {
    try {
      this.onNotify(r);
    } catch {
      // ignore listener errors
    }
  }

  private onMessage(m: CoapMessage): void {
    const seq = getUintOption(m, CoapOption.Observe);
    const now = this.ep.now();
    if (seq === undefined || codeClass(m.code) !== 2) {
      // A final response (error, or no Observe): the observation is over.
      this.end('ended');
      this.emit(toClientResponse(m, m.payload));
      return;
    }
    if (!isNewerNotification(this.lastSeq, this.lastAt, seq, now)) {
      this.ep.countStale();
      return;
    }
    this.lastSeq = seq;
    this.lastAt = now;
    const b2v = getOption(m, CoapOption.Block2);
    const b2 = b2v === undefined ? undefined : decodeBlock(b2v);
    if (b2 && b2.more) {
      this.ep.fetchRest(this.peer, this.req, this.path, this.query, m).then(
        (r) => this.deliverIfNewest(seq, now, r),
        () => this.ep.countStale(),
      );
      return;
    }
    this.deliverIfNewest(seq, now, toClientResponse(m, m.payload));
  }

  private deliverIfNewest(seq: number, at: number, r: ClientResponse): void {
    if (!this.isActive) return;
    if (!isNewerNotification(this.deliveredSeq, this.deliveredAt, seq, at) && !(seq === this.deliveredSeq && at === this.deliveredAt)) {
      this.ep.countStale();
      return;
    }
    this.deliveredSeq = seq;
    this.deliveredAt = at;
    this.emit(r);
  }
}
