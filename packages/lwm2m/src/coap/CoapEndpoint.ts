/**
 * A CoAP endpoint (RFC 7252) over any {@link DatagramTransport}: CoAP server and CoAP client towards
 * every peer at once, with message deduplication (the cached reply is replayed for a duplicate CON),
 * retransmission on the injected clock, token matching, piggybacked and separate responses, Observe
 * (RFC 7641) as client and server, and block-wise transfer (RFC 7959) both ways, Block1 reassembly
 * keyed by peer + method + URI (+ Request-Tag, RFC 9175), never by token: libcoap changes the token on
 * every block.
 */
import type { DatagramTransport, InboundDatagram, PeerAddress, PeerSecurity } from '../transport/DatagramTransport.js';
import { SystemClock, SystemRandom, type Clock, type Random, type TimerHandle } from '../time/Clock.js';
import { CoapError, CoapErrorCode } from './CoapError.js';
import {
  CoapOption,
  MalformedMessage,
  codeClass,
  codeFromString,
  codeToString,
  decodeMessage,
  decodeText,
  emptyMessage,
  encodeMessage,
  getOption,
  getOptions,
  getUintOption,
  textOption,
  tokenHex,
  uintOption,
  type CoapMessage,
  type CoapOptionValue,
  type CoapType,
} from './CoapMessage.js';
import { blockSize, decodeBlock, encodeBlock, szxOf, type BlockOption } from './BlockOption.js';
import { OBSERVE_SEQ_MODULUS, isNewerNotification } from './observeFreshness.js';
import { FifoMap } from './FifoMap.js';
import type {
  ClientRequest,
  ClientResponse,
  CoapEndpointOptions,
  CoapHandlerContext,
  CoapMethod,
  CoapObservation,
  CoapRequest,
  CoapRequestHandler,
  CoapResponse,
  CoapStats,
  ObserveCancelReason,
  ObserveRegistration,
} from './types.js';

const EMPTY = new Uint8Array(0);

const METHOD_CODES: Record<CoapMethod, number> = { GET: 1, POST: 2, PUT: 3, DELETE: 4, FETCH: 5, PATCH: 6, IPATCH: 7 };
const METHODS_BY_CODE: readonly (CoapMethod | undefined)[] = [undefined, 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'IPATCH'];

const C = {
  Continue: 0x5f, // 2.31
  BadRequest: 0x80, // 4.00
  BadOption: 0x82, // 4.02
  NotFound: 0x84, // 4.04
  MethodNotAllowed: 0x85, // 4.05
  RequestEntityIncomplete: 0x88, // 4.08
  RequestEntityTooLarge: 0x8d, // 4.13
  InternalServerError: 0xa0, // 5.00
  ProxyingNotSupported: 0xa5, // 5.05
} as const;

/** Critical options a request may carry. Others that are critical are answered 4.02. */
const KNOWN_CRITICAL_REQUEST = new Set<number>([
  CoapOption.UriHost,
  CoapOption.UriPort,
  CoapOption.UriPath,
  CoapOption.UriQuery,
  CoapOption.Accept,
  CoapOption.Block2,
  CoapOption.Block1,
]);

interface DedupEntry {
  readonly at: number;
  readonly pk: string;
  /**
   * Encoded reply to replay for a duplicate CON (piggybacked response, empty ACK, or RST); a copy,
   * so that a long-lived entry does not pin a shared Buffer pool slab.
   */
  reply?: Uint8Array;
  forgotten: boolean;
}

interface Outgoing {
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

interface TokenWaiter {
  readonly pk: string;
  deliver(msg: CoapMessage): void;
  fail(err: CoapError, reason: ObserveCancelReason): void;
}

interface Block1State {
  at: number;
  readonly parts: Uint8Array[];
  received: number;
}

interface Block2Entry {
  at: number;
  readonly code: number;
  readonly options: CoapOptionValue[];
  readonly payload: Uint8Array;
}

interface ReplyState {
  readonly request: CoapMessage;
  readonly peer: PeerAddress;
  readonly pk: string;
  readonly entry: DedupEntry | undefined;
  emptyAckSent: boolean;
  replied: boolean;
}

interface Queued {
  start(): void;
  fail(err: CoapError): void;
  readonly timer: TimerHandle;
}

interface OutSpec {
  readonly type: 'CON' | 'NON';
  readonly code: number;
  readonly token: Uint8Array;
  readonly options: CoapOptionValue[];
  readonly payload: Uint8Array;
}

export function peerKey(peer: PeerAddress): string {
  return `${peer.address}|${peer.port}`;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function splitPath(req: ClientRequest): { path: string[]; query: string[] } {
  if (Array.isArray(req.path)) return { path: [...req.path], query: [...(req.query ?? [])] };
  const query: string[] = [];
  let p: string = req.path;
  const q = p.indexOf('?');
  if (q >= 0) {
    for (const part of p.slice(q + 1).split('&')) if (part !== '') query.push(part);
    p = p.slice(0, q);
  }
  query.push(...(req.query ?? []));
  return { path: p.split('/').filter((s) => s !== ''), query };
}

/** A CoAP endpoint: see the module comment. */
export class CoapEndpoint {
  private readonly transport: DatagramTransport;
  private readonly clock: Clock;
  private readonly random: Random;
  private handler: CoapRequestHandler | undefined;
  private readonly ackTimeoutMs: number;
  private readonly ackRandomFactor: number;
  private readonly maxRetransmit: number;
  private readonly szx: number;
  private readonly requestTimeoutMs: number;
  private readonly separateAfterMs: number;
  private readonly exchangeLifetimeMs: number;
  private readonly maxDedup: number;
  private readonly maxBodySize: number;
  private readonly maxBlockTransfers: number;
  private readonly maxBlock1Bytes: number;
  private readonly notifyConEvery: number;
  private readonly notifyConIntervalMs: number;
  private readonly closeTransport: boolean;

  private nextMid: number;
  private closed = false;
  private readonly unsubscribeSession: () => void;
  private readonly dedup = new FifoMap<string, DedupEntry>();
  private readonly outgoing = new Map<string, Outgoing>();
  private readonly waiters = new Map<string, TokenWaiter>();
  private readonly serverObs = new Map<string, ServerObservation>();
  private readonly nonNotifyMids = new FifoMap<string, ServerObservation>();
  private readonly block1 = new Map<string, Block1State>();
  /** Bytes held by all Block1 reassemblies (bounded by `maxBlock1Bytes`). */
  private block1Bytes = 0;
  private readonly block2 = new Map<string, Block2Entry>();
  private readonly counters = {
    malformedDropped: 0,
    duplicates: 0,
    retransmissions: 0,
    requestsReceived: 0,
    requestsSent: 0,
    timeouts: 0,
    resetsReceived: 0,
    resetsSent: 0,
    separateResponses: 0,
    staleNotifications: 0,
    sendErrors: 0,
    handlerErrors: 0,
    internalErrors: 0,
  };
  private clientObsCount = 0;
  private readonly nstart: number;
  private readonly inFlight = new Map<string, number>();
  private readonly queued = new Map<string, Queued[]>();
  private lastSweepAt = -Infinity;

  constructor(opts: CoapEndpointOptions) {
    this.transport = opts.transport;
    this.clock = opts.clock ?? SystemClock;
    this.random = opts.random ?? SystemRandom;
    this.handler = opts.handler;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 2000;
    this.ackRandomFactor = opts.ackRandomFactor ?? 1.5;
    this.maxRetransmit = opts.maxRetransmit ?? 4;
    const szx = szxOf(opts.blockSize ?? 1024);
    if (szx === undefined) throw new CoapError(CoapErrorCode.BadRequest, 'blockSize must be a power of two in 16..1024');
    this.szx = szx;
    // RFC 7252 §4.8.2 derived times.
    const maxTransmitSpan = this.ackTimeoutMs * (2 ** this.maxRetransmit - 1) * this.ackRandomFactor;
    const maxTransmitWait = this.ackTimeoutMs * (2 ** (this.maxRetransmit + 1) - 1) * this.ackRandomFactor;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? maxTransmitWait;
    this.exchangeLifetimeMs = opts.exchangeLifetimeMs ?? maxTransmitSpan + 2 * 100_000 + this.ackTimeoutMs;
    this.separateAfterMs = opts.separateResponseAfterMs ?? 1000;
    this.maxDedup = opts.maxDedupEntries ?? 10_000;
    this.maxBodySize = opts.maxBodySize ?? 1024 * 1024;
    this.maxBlockTransfers = opts.maxBlockTransfers ?? 1000;
    this.maxBlock1Bytes = opts.maxBlock1Bytes ?? 16 * 1024 * 1024;
    this.notifyConEvery = opts.notifyConEvery ?? 20;
    this.notifyConIntervalMs = opts.notifyConIntervalMs ?? 24 * 3600 * 1000;
    this.closeTransport = opts.closeTransport ?? true;
    this.nstart = opts.nstart ?? Infinity;
    if (!(this.nstart >= 1)) throw new CoapError(CoapErrorCode.BadRequest, 'nstart must be >= 1');
    this.nextMid = Math.floor(this.random.next() * 0x10000) & 0xffff;
    this.transport.onDatagram((d) => this.onDatagram(d));
    this.unsubscribeSession = this.transport.onSession((e) => {
      if (e.kind === 'down') this.dropPeerMessageState(peerKey(e.peer));
    });
  }

  setHandler(h: CoapRequestHandler): void {
    this.handler = h;
  }

  /** The transport's bound address. */
  address(): PeerAddress {
    return this.transport.address();
  }

  stats(): CoapStats {
    return {
      ...this.counters,
      pendingRequests: this.waiters.size - this.clientObsCount,
      dedupEntries: this.dedup.size,
      serverObservations: this.serverObs.size,
      clientObservations: this.clientObsCount,
      block1Transfers: this.block1.size,
      block1Bytes: this.block1Bytes,
    };
  }

  // ---------------------------------------------------------------- client side

  /** Sends a request (Block1/Block2 handled) and resolves with the response; rejects with {@link CoapError}. */
  async request(peer: PeerAddress, req: ClientRequest): Promise<ClientResponse> {
    const pk = peerKey(peer);
    const deadline = this.clock.now() + (req.timeoutMs ?? this.requestTimeoutMs);
    const { path, query } = splitPath(req);
    const token = this.newToken(pk);
    const first = await this.sendBody(peer, pk, req, path, query, token, deadline);
    return this.collectBlock2(peer, pk, req, path, query, token, first, deadline);
  }

  /**
   * Registers an observation (GET with Observe: 0). Notifications newer than the last one (RFC 7641
   * §3.4) go to `onNotify`, in order; older ones are dropped. When the response carries no Observe
   * option the server did not accept: the returned observation is inactive.
   */
  async observe(peer: PeerAddress, req: ClientRequest, onNotify: (r: ClientResponse) => void): Promise<CoapObservation> {
    const pk = peerKey(peer);
    const deadline = this.clock.now() + (req.timeoutMs ?? this.requestTimeoutMs);
    const { path, query } = splitPath(req);
    const token = this.newToken(pk);
    const tkey = `${pk}#${tokenHex(token)}`;
    const options = this.requestOptions(path, query, req);
    options.push(uintOption(CoapOption.Observe, 0));
    let obs: ClientObservation | undefined;
    const first = await this.exchangeOnce(
      peer,
      pk,
      { type: req.confirmable === false ? 'NON' : 'CON', code: METHOD_CODES[req.method], token, options, payload: req.payload ?? EMPTY },
      deadline,
      (m) => {
        const seq = getUintOption(m, CoapOption.Observe);
        if (seq !== undefined && codeClass(m.code) === 2 && !this.closed) {
          obs = new ClientObservation(this.clientObsHost, peer, pk, tkey, token, req, path, query, seq, this.clock.now(), onNotify);
          this.waiters.set(tkey, obs.waiter);
          this.clientObsCount++;
        }
      },
    );
    let response: ClientResponse;
    try {
      response = await this.collectBlock2(peer, pk, { ...req, method: 'GET' }, path, query, this.newToken(pk), first, deadline);
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

  /**
   * CoAP ping (RFC 7252 §4.3): an empty CON, answered by RST (or ACK) from a live peer. Resolves
   * with the round-trip time in ms; rejects COAP_TIMEOUT after the retransmission schedule.
   */
  ping(peer: PeerAddress): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (this.closed) {
        reject(new CoapError(CoapErrorCode.Closed, 'endpoint closed'));
        return;
      }
      const pk = peerKey(peer);
      const started = this.clock.now();
      const msg = emptyMessage('ACK', this.newMid());
      const okey = `${pk}#${msg.messageId}`;
      const bytes = encodeMessage({ ...msg, type: 'CON' });
      const done = (): void => resolve(this.clock.now() - started);
      const out: Outgoing = {
        pk,
        peer,
        bytes,
        confirmable: true,
        timer: undefined,
        attempt: 0,
        timeout: this.initialTimeout(),
        onAck: done,
        onReset: done,
        onTimeout: () => {
          this.counters.timeouts++;
          reject(new CoapError(CoapErrorCode.Timeout, `no answer to ping from ${peer.address}:${peer.port}`));
        },
        onAbort: () => reject(new CoapError(CoapErrorCode.Closed, 'ping aborted')),
      };
      this.outgoing.set(okey, out);
      this.schedule(okey, out);
      this.sendBytes(peer, bytes).catch((cause: unknown) => {
        if (this.outgoing.get(okey) !== out) return;
        this.outgoing.delete(okey);
        out.timer?.cancel();
        reject(new CoapError(CoapErrorCode.SendFailed, 'transport refused the datagram', { cause }));
      });
    });
  }

  /** Drops every exchange, cached reply, block transfer and observation of a peer (e.g. a revoked device). */
  forgetPeer(peer: PeerAddress): void {
    const pk = peerKey(peer);
    this.dropPeerMessageState(pk);
    const err = new CoapError(CoapErrorCode.PeerForgotten, 'peer forgotten', { details: { peer: `${peer.address}:${peer.port}` } });
    const q = this.queued.get(pk) ?? [];
    this.queued.delete(pk);
    for (const e of q) e.fail(err);
    for (const w of [...this.waiters.values()]) if (w.pk === pk) w.fail(err, 'forgotten');
    for (const o of [...this.serverObs.values()]) if (o.pk === pk) o.end('forgotten');
    for (const [key, o] of [...this.outgoing]) {
      if (o.pk !== pk) continue;
      o.timer?.cancel();
      this.outgoing.delete(key);
      o.onAbort();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribeSession();
    this.transport.onDatagram(() => undefined);
    const err = new CoapError(CoapErrorCode.Closed, 'endpoint closed');
    const queued = [...this.queued.values()].flat();
    this.queued.clear();
    for (const e of queued) e.fail(err);
    for (const w of [...this.waiters.values()]) w.fail(err, 'closed');
    for (const o of [...this.serverObs.values()]) o.end('closed');
    const outs = [...this.outgoing.values()];
    this.outgoing.clear();
    for (const o of outs) {
      o.timer?.cancel();
      o.onAbort();
    }
    this.dedup.clear();
    this.block1.clear();
    this.block1Bytes = 0;
    this.block2.clear();
    this.nonNotifyMids.clear();
    if (this.closeTransport) await this.transport.close().catch(() => undefined);
  }

  // ---------------------------------------------------------------- internals used by client observations

  /** What a {@link ClientObservation} may use of the endpoint (kept off the public class). */
  private readonly clientObsHost: ClientObservationHost = {
    removeWaiter: (tkey, w) => {
      if (this.waiters.get(tkey) === w) {
        this.waiters.delete(tkey);
        this.clientObsCount--;
      }
    },
    countStale: () => {
      this.counters.staleNotifications++;
    },
    now: () => this.clock.now(),
    fetchRest: (peer, req, path, query, first) => {
      const pk = peerKey(peer);
      return this.collectBlock2(peer, pk, { ...req, method: 'GET' }, path, query, this.newToken(pk), first, this.clock.now() + this.requestTimeoutMs);
    },
    deregister: async (peer, req, path, query, token) => {
      const pk = peerKey(peer);
      const options = this.requestOptions(path, query, req);
      options.push(uintOption(CoapOption.Observe, 1));
      await this.exchangeOnce(peer, pk, { type: 'CON', code: METHOD_CODES.GET, token, options, payload: EMPTY }, this.clock.now() + this.requestTimeoutMs);
    },
    toClientResponse: (m, payload) => this.toClientResponse(m, payload),
  };

  private toClientResponse(m: CoapMessage, payload: Uint8Array, code = m.code): ClientResponse {
    const contentFormat = getUintOption(m, CoapOption.ContentFormat);
    const observe = getUintOption(m, CoapOption.Observe);
    return {
      code: codeToString(code),
      payload,
      locationPath: getOptions(m, CoapOption.LocationPath).map(decodeText),
      ...(contentFormat !== undefined ? { contentFormat } : {}),
      ...(observe !== undefined ? { observe } : {}),
    };
  }

  private newToken(pk: string): Uint8Array {
    for (;;) {
      const t = this.random.bytes(4);
      if (!this.waiters.has(`${pk}#${tokenHex(t)}`)) return t;
    }
  }

  private newMid(): number {
    const mid = this.nextMid;
    this.nextMid = (this.nextMid + 1) & 0xffff;
    return mid;
  }

  private requestOptions(path: string[], query: string[], req: ClientRequest): CoapOptionValue[] {
    const options: CoapOptionValue[] = [];
    for (const seg of path) options.push(textOption(CoapOption.UriPath, seg));
    if (req.contentFormat !== undefined) options.push(uintOption(CoapOption.ContentFormat, req.contentFormat));
    for (const q of query) options.push(textOption(CoapOption.UriQuery, q));
    if (req.accept !== undefined) options.push(uintOption(CoapOption.Accept, req.accept));
    for (const o of options) {
      if (o.value.length > 255) throw new CoapError(CoapErrorCode.BadRequest, 'Uri-Path segment or Uri-Query value longer than 255 bytes');
    }
    return options;
  }

  /** Sends the request body, block-wise (Block1) when it exceeds the block size. */
  private async sendBody(
    peer: PeerAddress,
    pk: string,
    req: ClientRequest,
    path: string[],
    query: string[],
    token: Uint8Array,
    deadline: number,
  ): Promise<CoapMessage> {
    const payload = req.payload ?? EMPTY;
    const type = req.confirmable === false ? 'NON' : 'CON';
    const code = METHOD_CODES[req.method];
    if (code === undefined) throw new CoapError(CoapErrorCode.BadRequest, `unknown method ${String(req.method)}`);
    let szx = this.szx;
    if (payload.length <= blockSize(szx)) {
      const r = await this.exchangeOnce(peer, pk, { type, code, token, options: this.requestOptions(path, query, req), payload }, deadline);
      const b1 = this.block1Of(r);
      // 4.13 with a Block1 option: the server wants the body block-wise, in that size (RFC 7959 §2.9.3).
      if (r.code !== C.RequestEntityTooLarge || !b1 || blockSize(b1.szx) >= payload.length) return r;
      szx = b1.szx;
    }
    let offset = 0;
    let restarted = false;
    for (;;) {
      const size = blockSize(szx);
      const more = offset + size < payload.length;
      const options = this.requestOptions(path, query, req);
      options.push({ number: CoapOption.Block1, value: encodeBlock({ num: offset / size, more, szx }) });
      if (offset === 0) options.push(uintOption(CoapOption.Size1, payload.length));
      const r = await this.exchangeOnce(peer, pk, { type, code, token, options, payload: payload.subarray(offset, offset + size) }, deadline);
      const b1 = this.block1Of(r);
      if (r.code === C.Continue) {
        if (!more) throw new CoapError(CoapErrorCode.BadMessage, '2.31 Continue to the last block');
        if (b1 && b1.szx < szx) szx = b1.szx; // the server asks for smaller blocks from now on
        offset += size;
        continue;
      }
      if (r.code === C.RequestEntityTooLarge && offset === 0 && b1 && b1.szx < szx) {
        szx = b1.szx;
        continue;
      }
      if (r.code === C.RequestEntityIncomplete && offset > 0 && !restarted) {
        // The server lost the transfer's state (RFC 7959 §2.9.2): start over, once.
        restarted = true;
        offset = 0;
        continue;
      }
      return r;
    }
  }

  private block1Of(m: CoapMessage): BlockOption | undefined {
    const v = getOption(m, CoapOption.Block1);
    return v === undefined ? undefined : decodeBlock(v);
  }

  /** Follows Block2 until the whole representation is here. */
  private async collectBlock2(
    peer: PeerAddress,
    pk: string,
    req: ClientRequest,
    path: string[],
    query: string[],
    token: Uint8Array,
    first: CoapMessage,
    deadline: number,
  ): Promise<ClientResponse> {
    const b2v = getOption(first, CoapOption.Block2);
    const b2 = b2v === undefined ? undefined : decodeBlock(b2v);
    if (!b2 || !b2.more) return this.toClientResponse(first, first.payload);
    if (b2.num !== 0) throw new CoapError(CoapErrorCode.BadMessage, 'first Block2 block is not block 0');
    const parts = [first.payload];
    let total = first.payload.length;
    let szx = b2.szx;
    const code = METHOD_CODES[req.method];
    const withPayload = req.method === 'FETCH';
    for (;;) {
      const size = blockSize(szx);
      if (total % size !== 0) throw new CoapError(CoapErrorCode.BlockFailed, 'Block2 block not of the announced size');
      const options = this.requestOptions(path, query, req);
      options.push({ number: CoapOption.Block2, value: encodeBlock({ num: total / size, more: false, szx }) });
      const r = await this.exchangeOnce(
        peer,
        pk,
        { type: req.confirmable === false ? 'NON' : 'CON', code, token, options, payload: withPayload ? (req.payload ?? EMPTY) : EMPTY },
        deadline,
      );
      if (codeClass(r.code) !== 2) return this.toClientResponse(r, r.payload);
      const rv = getOption(r, CoapOption.Block2);
      const rb = rv === undefined ? undefined : decodeBlock(rv);
      if (!rb || rb.num * blockSize(rb.szx) !== total) {
        throw new CoapError(CoapErrorCode.BlockFailed, 'unexpected Block2 block', { details: { expectedOffset: total } });
      }
      parts.push(r.payload);
      total += r.payload.length;
      if (total > this.maxBodySize) throw new CoapError(CoapErrorCode.BlockFailed, 'response exceeds maxBodySize');
      if (!rb.more) return this.toClientResponse(first, concat(parts, total), r.code);
      szx = rb.szx;
    }
  }

  /** {@link exchangeNow} behind the per-peer NSTART gate. */
  private exchangeOnce(peer: PeerAddress, pk: string, spec: OutSpec, deadline: number, onResponse?: (m: CoapMessage) => void): Promise<CoapMessage> {
    if (this.nstart === Infinity) return this.exchangeNow(peer, pk, spec, deadline, onResponse);
    return new Promise<CoapMessage>((resolve, reject) => {
      const start = (): void => {
        this.inFlight.set(pk, (this.inFlight.get(pk) ?? 0) + 1);
        const release = (): void => {
          const n = (this.inFlight.get(pk) ?? 1) - 1;
          if (n > 0) this.inFlight.set(pk, n);
          else this.inFlight.delete(pk);
          this.startQueued(pk);
        };
        this.exchangeNow(peer, pk, spec, deadline, onResponse).then(
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
      if ((this.inFlight.get(pk) ?? 0) < this.nstart) {
        start();
        return;
      }
      const entry: Queued = {
        start,
        fail: (err) => {
          entry.timer.cancel();
          reject(err);
        },
        timer: this.clock.setTimer(Math.max(0, deadline - this.clock.now()), () => {
          const q = this.queued.get(pk);
          const i = q?.indexOf(entry) ?? -1;
          if (q && i >= 0) q.splice(i, 1);
          if (q?.length === 0) this.queued.delete(pk);
          this.counters.timeouts++;
          reject(new CoapError(CoapErrorCode.Timeout, `request to ${peer.address}:${peer.port} still queued (NSTART) at its deadline`));
        }),
      };
      const q = this.queued.get(pk);
      if (q) q.push(entry);
      else this.queued.set(pk, [entry]);
    });
  }

  private startQueued(pk: string): void {
    const q = this.queued.get(pk);
    while (q && q.length > 0 && (this.inFlight.get(pk) ?? 0) < this.nstart) {
      const next = q.shift() as Queued;
      next.timer.cancel();
      next.start();
    }
    if (q?.length === 0) this.queued.delete(pk);
  }

  /** One message exchange: sends (retransmitting a CON) and resolves with the matching response. */
  private exchangeNow(peer: PeerAddress, pk: string, spec: OutSpec, deadline: number, onResponse?: (m: CoapMessage) => void): Promise<CoapMessage> {
    return new Promise<CoapMessage>((resolve, reject) => {
      if (this.closed) {
        reject(new CoapError(CoapErrorCode.Closed, 'endpoint closed'));
        return;
      }
      const mid = this.newMid();
      const msg: CoapMessage = { type: spec.type, code: spec.code, messageId: mid, token: spec.token, options: spec.options, payload: spec.payload };
      let bytes: Uint8Array;
      try {
        bytes = encodeMessage(msg);
      } catch (cause) {
        reject(new CoapError(CoapErrorCode.BadRequest, 'request cannot be encoded', { cause }));
        return;
      }
      const ex = new ClientExchange(this.exchangeHost, pk, peer, bytes, mid, spec.token, spec.type === 'CON', this.initialTimeout(), resolve, reject, onResponse);
      const existing = this.waiters.get(ex.tkey);
      if (existing) existing.fail(new CoapError(CoapErrorCode.Closed, 'token reused'), 'ended');
      this.waiters.set(ex.tkey, ex);
      ex.deadlineTimer = this.clock.setTimer(Math.max(0, deadline - this.clock.now()), () => ex.onTimeout());
      this.outgoing.set(ex.okey, ex);
      this.counters.requestsSent++;
      if (ex.confirmable) this.schedule(ex.okey, ex);
      this.sendBytes(peer, bytes).catch((cause: unknown) => {
        ex.fail(new CoapError(CoapErrorCode.SendFailed, 'transport refused the datagram', { cause }));
      });
    });
  }

  /** What a {@link ClientExchange} may use of the endpoint. */
  private readonly exchangeHost: ExchangeHost = {
    release: (ex) => {
      ex.deadlineTimer?.cancel();
      if (this.waiters.get(ex.tkey) === ex) this.waiters.delete(ex.tkey);
      if (this.outgoing.get(ex.okey) === ex) {
        this.outgoing.delete(ex.okey);
        ex.timer?.cancel();
      }
    },
    countTimeout: () => {
      this.counters.timeouts++;
    },
  };

  private initialTimeout(): number {
    return this.ackTimeoutMs * (1 + this.random.next() * (this.ackRandomFactor - 1));
  }

  private schedule(okey: string, o: Outgoing): void {
    o.timer = this.clock.setTimer(o.timeout, () => {
      if (this.outgoing.get(okey) !== o) return;
      if (o.attempt < this.maxRetransmit) {
        o.attempt++;
        o.timeout *= 2;
        this.counters.retransmissions++;
        this.sendQuiet(o.peer, o.bytes);
        this.schedule(okey, o);
      } else {
        this.outgoing.delete(okey);
        o.onTimeout();
      }
    });
  }

  /** Sends a CON that is not a request (separate response, notification) with retransmission. */
  private transmitCon(
    peer: PeerAddress,
    pk: string,
    msg: CoapMessage,
    onAck: () => void,
    onFail: (reason: 'reset' | 'timeout' | 'aborted') => void,
  ): void {
    const okey = `${pk}#${msg.messageId}`;
    const out: Outgoing = {
      pk,
      peer,
      bytes: encodeMessage(msg),
      confirmable: true,
      timer: undefined,
      attempt: 0,
      timeout: this.initialTimeout(),
      onAck,
      onReset: () => onFail('reset'),
      onTimeout: () => onFail('timeout'),
      onAbort: () => onFail('aborted'),
    };
    this.outgoing.set(okey, out);
    this.schedule(okey, out);
    this.sendQuiet(peer, out.bytes);
  }

  private async sendBytes(peer: PeerAddress, bytes: Uint8Array): Promise<void> {
    try {
      await this.transport.send(peer, bytes);
    } catch (err) {
      this.counters.sendErrors++;
      throw err;
    }
  }

  private sendQuiet(peer: PeerAddress, bytes: Uint8Array): void {
    this.sendBytes(peer, bytes).catch(() => undefined);
  }

  // ---------------------------------------------------------------- inbound

  private onDatagram(d: InboundDatagram): void {
    if (this.closed) return;
    try {
      this.receive(d);
    } catch {
      // Defensive: nothing inbound may take the process down (a bug if this ever counts).
      this.counters.internalErrors++;
    }
  }

  private receive(d: InboundDatagram): void {
    const m = decodeMessage(d.data);
    const peer = d.peer;
    if (m instanceof MalformedMessage) {
      this.counters.malformedDropped++;
      if (m.header?.type === 'CON') this.sendRst(peer, m.header.messageId);
      return;
    }
    this.sweep();
    const pk = peerKey(peer);
    if (m.code === 0) {
      if (m.type === 'CON') this.sendRst(peer, m.messageId); // CoAP ping
      else if (m.type === 'ACK') this.onAck(pk, m);
      else if (m.type === 'RST') this.onRst(pk, m);
      else this.counters.malformedDropped++;
      return;
    }
    const cls = codeClass(m.code);
    if (cls === 0) {
      if (m.type === 'ACK' || m.type === 'RST') {
        this.counters.malformedDropped++;
        return;
      }
      this.onRequest(m, peer, d.security, pk);
      return;
    }
    if (m.type === 'RST') {
      this.counters.malformedDropped++;
      return;
    }
    if (m.type === 'ACK') {
      this.onAck(pk, m);
      return;
    }
    this.onSeparateResponse(m, peer, pk);
  }

  private onAck(pk: string, m: CoapMessage): void {
    const okey = `${pk}#${m.messageId}`;
    const o = this.outgoing.get(okey);
    if (!o || !o.confirmable) return; // late or duplicate ACK
    this.outgoing.delete(okey);
    o.timer?.cancel();
    o.onAck(m);
  }

  private onRst(pk: string, m: CoapMessage): void {
    this.counters.resetsReceived++;
    const okey = `${pk}#${m.messageId}`;
    const o = this.outgoing.get(okey);
    if (o) {
      this.outgoing.delete(okey);
      o.timer?.cancel();
      o.onReset();
      return;
    }
    const obs = this.nonNotifyMids.get(okey);
    if (obs) {
      this.nonNotifyMids.delete(okey);
      obs.end('reset');
    }
  }

  /** A CON or NON response: a separate response, or a notification. */
  private onSeparateResponse(m: CoapMessage, peer: PeerAddress, pk: string): void {
    const dkey = `${pk}#${m.messageId}`;
    const dup = this.dedupGet(dkey);
    if (dup) {
      this.counters.duplicates++;
      if (m.type === 'CON' && dup.reply) this.sendQuiet(peer, dup.reply);
      return;
    }
    const entry = this.dedupAdd(dkey, pk);
    const w = this.waiters.get(`${pk}#${tokenHex(m.token)}`);
    if (!w) {
      // Nobody waits for this token (cancelled observation, late response): reject it.
      const rst = encodeMessage(emptyMessage('RST', m.messageId));
      entry.reply = rst.slice();
      this.counters.resetsSent++;
      this.sendQuiet(peer, rst);
      return;
    }
    if (m.type === 'CON') {
      const ack = encodeMessage(emptyMessage('ACK', m.messageId));
      entry.reply = ack.slice();
      this.sendQuiet(peer, ack);
    }
    w.deliver(m);
  }

  private sendRst(peer: PeerAddress, mid: number): void {
    this.counters.resetsSent++;
    this.sendQuiet(peer, encodeMessage(emptyMessage('RST', mid)));
  }

  // ---------------------------------------------------------------- dedup cache

  private dedupGet(key: string): DedupEntry | undefined {
    const e = this.dedup.get(key);
    if (e && e.at + this.exchangeLifetimeMs <= this.clock.now()) {
      this.dedup.delete(key);
      return undefined;
    }
    return e;
  }

  private dedupAdd(key: string, pk: string): DedupEntry {
    while (this.dedup.size >= this.maxDedup && this.dedup.shift()) {
      // evicted the oldest
    }
    const e: DedupEntry = { at: this.clock.now(), pk, forgotten: false };
    this.dedup.set(key, e);
    return e;
  }

  /** Expires the oldest dedup entries and stale block transfers (all kept in insertion order). */
  private sweep(): void {
    const now = this.clock.now();
    // At most once a second: lookups check expiry themselves, this only frees memory.
    if (now - this.lastSweepAt < 1000) return;
    this.lastSweepAt = now;
    for (let o = this.dedup.oldest(); o && o.value.at + this.exchangeLifetimeMs <= now; o = this.dedup.oldest()) this.dedup.shift();
    for (const [key, b] of this.block1) {
      if (b.at + this.exchangeLifetimeMs > now) break;
      this.dropBlock1(key);
    }
    for (const [key, b] of this.block2) {
      if (b.at + this.exchangeLifetimeMs > now) break;
      this.block2.delete(key);
    }
  }

  private dropBlock1(key: string): void {
    const st = this.block1.get(key);
    if (!st) return;
    this.block1Bytes -= st.received;
    this.block1.delete(key);
  }

  private dropPeerMessageState(pk: string): void {
    for (const [key, e] of [...this.dedup.entries()]) {
      if (e.pk !== pk) continue;
      e.forgotten = true;
      this.dedup.delete(key);
    }
    const prefix = `${pk}#`;
    for (const key of this.block1.keys()) if (key.startsWith(prefix)) this.dropBlock1(key);
    for (const key of this.block2.keys()) if (key.startsWith(prefix)) this.block2.delete(key);
    for (const key of [...this.nonNotifyMids.keys()]) if (key.startsWith(prefix)) this.nonNotifyMids.delete(key);
  }

  // ---------------------------------------------------------------- server side

  private onRequest(m: CoapMessage, peer: PeerAddress, security: PeerSecurity, pk: string): void {
    const dkey = `${pk}#${m.messageId}`;
    const dup = this.dedupGet(dkey);
    if (dup) {
      this.counters.duplicates++;
      if (m.type === 'CON' && dup.reply) this.sendQuiet(peer, dup.reply);
      return;
    }
    this.counters.requestsReceived++;
    const entry = this.dedupAdd(dkey, pk);
    const state: ReplyState = { request: m, peer, pk, entry, emptyAckSent: false, replied: false };
    this.serveRequest(state, security).catch(() => {
      this.counters.handlerErrors++;
      try {
        this.reply(state, C.InternalServerError, [], EMPTY);
      } catch {
        // nothing more we can do for this request
      }
    });
  }

  private async serveRequest(state: ReplyState, security: PeerSecurity): Promise<void> {
    const m = state.request;
    const pk = state.pk;
    const method = METHODS_BY_CODE[m.code];
    if (method === undefined) {
      this.reply(state, C.MethodNotAllowed, [], EMPTY);
      return;
    }
    for (const o of m.options) {
      if (o.number === CoapOption.ProxyUri || o.number === CoapOption.ProxyScheme) {
        this.reply(state, C.ProxyingNotSupported, [], EMPTY);
        return;
      }
      if (o.number % 2 === 1 && !KNOWN_CRITICAL_REQUEST.has(o.number)) {
        this.reply(state, C.BadOption, [], EMPTY);
        return;
      }
    }
    const path = getOptions(m, CoapOption.UriPath).map(decodeText);
    const query = getOptions(m, CoapOption.UriQuery).map(decodeText);
    const contentFormat = getUintOption(m, CoapOption.ContentFormat);
    const accept = getUintOption(m, CoapOption.Accept);
    const observe = getUintOption(m, CoapOption.Observe);
    const b1v = getOption(m, CoapOption.Block1);
    const b2v = getOption(m, CoapOption.Block2);
    const b1 = b1v === undefined ? undefined : decodeBlock(b1v);
    const b2 = b2v === undefined ? undefined : decodeBlock(b2v);
    if ((b1v !== undefined && !b1) || (b2v !== undefined && !b2)) {
      this.reply(state, C.BadRequest, [], EMPTY);
      return;
    }
    const uri = `${path.join('/')}?${query.join('&')}`;
    const requestTag = getOptions(m, CoapOption.RequestTag).map(tokenHex).join(',');
    const key1 = `${pk}#${method}|${uri}|${requestTag}`;
    const key2 = `${pk}#${method}|${uri}|${accept ?? ''}`;

    // Block1: reassemble by peer + method + URI; the token may change on every block.
    let payload = m.payload;
    const extra: CoapOptionValue[] = [];
    if (b1) {
      const size = blockSize(b1.szx);
      const size1 = getUintOption(m, CoapOption.Size1);
      if (size1 !== undefined && size1 > this.maxBodySize) {
        this.dropBlock1(key1);
        this.reply(state, C.RequestEntityTooLarge, [uintOption(CoapOption.Size1, this.maxBodySize)], EMPTY);
        return;
      }
      let st = this.block1.get(key1);
      if (b1.num === 0) {
        if (!b1.more) st = undefined;
        else {
          this.dropBlock1(key1);
          while (this.block1.size >= this.maxBlockTransfers) {
            const oldest = this.block1.keys().next();
            if (oldest.done) break;
            this.dropBlock1(oldest.value);
          }
          st = { at: this.clock.now(), parts: [], received: 0 };
          this.block1.set(key1, st);
        }
      } else if (!st || st.received !== b1.num * size) {
        this.dropBlock1(key1);
        this.reply(state, C.RequestEntityIncomplete, [], EMPTY);
        return;
      }
      if (b1.more && m.payload.length !== size) {
        this.dropBlock1(key1);
        this.reply(state, C.BadRequest, [], EMPTY);
        return;
      }
      if (st) {
        // Stay within the global reassembly budget: evict the oldest other transfers first.
        for (const [key, other] of this.block1) {
          if (this.block1Bytes + m.payload.length <= this.maxBlock1Bytes) break;
          if (other !== st) this.dropBlock1(key);
        }
        if (this.block1Bytes + m.payload.length > this.maxBlock1Bytes) {
          this.dropBlock1(key1);
          this.reply(state, C.RequestEntityTooLarge, [uintOption(CoapOption.Size1, this.maxBodySize)], EMPTY);
          return;
        }
        // keep insertion order == age order for the sweep
        this.dropBlock1(key1);
        st.parts.push(m.payload);
        st.received += m.payload.length;
        st.at = this.clock.now();
        this.block1.set(key1, st);
        this.block1Bytes += st.received;
        if (st.received > this.maxBodySize) {
          this.dropBlock1(key1);
          this.reply(state, C.RequestEntityTooLarge, [uintOption(CoapOption.Size1, this.maxBodySize)], EMPTY);
          return;
        }
        if (b1.more) {
          this.reply(state, C.Continue, [{ number: CoapOption.Block1, value: encodeBlock({ num: b1.num, more: true, szx: b1.szx }) }], EMPTY);
          return;
        }
        this.dropBlock1(key1);
        payload = concat(st.parts, st.received);
      }
      extra.push({ number: CoapOption.Block1, value: encodeBlock({ num: b1.num, more: false, szx: b1.szx }) });
    }

    // Block2 continuation: serve from the cached representation.
    if (b2 && b2.num > 0) {
      const cached = this.block2.get(key2);
      if (cached) {
        this.replyBlock(state, key2, cached.code, cached.options, cached.payload, b2, extra);
        return;
      }
      if (method !== 'GET' && method !== 'FETCH') {
        this.reply(state, C.RequestEntityIncomplete, [], EMPTY);
        return;
      }
    }

    const tkey = `${pk}#${tokenHex(m.token)}`;
    let reg: ServerObservation | undefined;
    if ((method === 'GET' || method === 'FETCH') && !(b2 && b2.num > 0)) {
      const existing = this.serverObs.get(tkey);
      if (observe === 0) reg = new ServerObservation(this.obsHost, state.peer, pk, tkey, m.token, path, query, method, accept);
      else if (existing) existing.end('deregistered');
    }

    const req: CoapRequest = {
      method,
      path,
      query,
      payload,
      token: m.token,
      confirmable: m.type === 'CON',
      peer: state.peer,
      security,
      ...(contentFormat !== undefined ? { contentFormat } : {}),
      ...(accept !== undefined ? { accept } : {}),
      ...(observe !== undefined ? { observe } : {}),
    };
    const ctx: CoapHandlerContext = reg ? { observe: reg } : ({} as CoapHandlerContext);
    const handler = this.handler;
    let resp: CoapResponse;
    if (!handler) resp = { code: '4.04' };
    else {
      let timer: TimerHandle | undefined;
      if (m.type === 'CON') {
        timer = this.clock.setTimer(this.separateAfterMs, () => {
          if (state.replied || state.emptyAckSent || state.entry?.forgotten || this.closed) return;
          state.emptyAckSent = true;
          this.counters.separateResponses++;
          const ack = encodeMessage(emptyMessage('ACK', m.messageId));
          if (state.entry) state.entry.reply = ack.slice();
          this.sendQuiet(state.peer, ack);
        });
      }
      try {
        resp = await handler(req, ctx);
      } catch {
        this.counters.handlerErrors++;
        resp = { code: '5.00' };
      } finally {
        timer?.cancel();
      }
    }
    let code = codeFromString(resp.code);
    if (code === undefined || codeClass(code) < 2 || codeClass(code) > 5) code = C.InternalServerError;
    const options = this.responseOptions(resp);
    if (reg && reg.accepted && codeClass(code) === 2 && !this.closed && !state.entry?.forgotten) {
      this.serverObs.get(tkey)?.end('replaced');
      this.serverObs.set(tkey, reg);
      reg.activate();
      options.push(uintOption(CoapOption.Observe, reg.seq));
      reg.onSeparateReset = state;
    }
    this.replyBlock(state, key2, code, options, resp.payload ?? EMPTY, b2, extra);
  }

  private responseOptions(resp: CoapResponse): CoapOptionValue[] {
    const options: CoapOptionValue[] = [];
    for (const seg of resp.locationPath ?? []) options.push(textOption(CoapOption.LocationPath, seg));
    if (resp.contentFormat !== undefined) options.push(uintOption(CoapOption.ContentFormat, resp.contentFormat));
    if (resp.maxAge !== undefined) options.push(uintOption(CoapOption.MaxAge, resp.maxAge));
    return options;
  }

  /** Replies with the whole payload or the requested/first Block2 block of it. */
  private replyBlock(
    state: ReplyState,
    key2: string,
    code: number,
    options: CoapOptionValue[],
    payload: Uint8Array,
    b2: BlockOption | undefined,
    extra: CoapOptionValue[],
  ): void {
    const cut = this.cutBlock(key2, code, options, payload, b2);
    this.reply(state, cut.code, [...options, ...extra, ...cut.options], cut.payload);
  }

  private cutBlock(
    key2: string,
    code: number,
    options: CoapOptionValue[],
    payload: Uint8Array,
    b2: BlockOption | undefined,
  ): { code: number; options: CoapOptionValue[]; payload: Uint8Array } {
    const szx = b2 ? Math.min(b2.szx, this.szx) : this.szx;
    const size = blockSize(szx);
    if (!b2 && payload.length <= size) return { code, options: [], payload };
    const offset = b2 ? b2.num * blockSize(b2.szx) : 0;
    if (offset > 0 && offset >= payload.length) return { code: C.BadOption, options: [], payload: EMPTY };
    const more = offset + size < payload.length;
    const out: CoapOptionValue[] = [{ number: CoapOption.Block2, value: encodeBlock({ num: offset / size, more, szx }) }];
    if (offset === 0) out.push(uintOption(CoapOption.Size2, payload.length));
    if (more) {
      this.block2.delete(key2);
      while (this.block2.size >= this.maxBlockTransfers) {
        const oldest = this.block2.keys().next();
        if (oldest.done) break;
        this.block2.delete(oldest.value);
      }
      this.block2.set(key2, {
        at: this.clock.now(),
        code,
        options: options.filter((o) => o.number !== CoapOption.Observe),
        payload,
      });
    } else {
      this.block2.delete(key2);
    }
    return { code, options: out, payload: payload.subarray(offset, offset + size) };
  }

  /** Sends the response to a request: piggybacked, separate (after an empty ACK), or NON. */
  private reply(state: ReplyState, code: number, options: CoapOptionValue[], payload: Uint8Array): void {
    if (state.replied || this.closed || state.entry?.forgotten) return;
    state.replied = true;
    const m = state.request;
    let type: CoapType;
    let mid: number;
    if (m.type === 'CON' && !state.emptyAckSent) {
      type = 'ACK';
      mid = m.messageId;
    } else {
      type = m.type === 'CON' ? 'CON' : 'NON';
      mid = this.newMid();
    }
    const msg: CoapMessage = { type, code, messageId: mid, token: m.token, options, payload };
    if (type === 'CON') {
      const obs = this.serverObs.get(`${state.pk}#${tokenHex(m.token)}`);
      this.transmitCon(
        state.peer,
        state.pk,
        msg,
        () => undefined,
        (reason) => {
          if (reason === 'reset' && obs && obs.onSeparateReset === state) obs.end('reset');
        },
      );
      return;
    }
    const bytes = encodeMessage(msg);
    if (type === 'ACK' && state.entry) state.entry.reply = bytes.slice();
    this.sendQuiet(state.peer, bytes);
  }

  /** What server-side observations may use of the endpoint. */
  private readonly obsHost: ObservationHost = {
    now: () => this.clock.now(),
    remove: (o) => {
      if (this.serverObs.get(o.key) === o) this.serverObs.delete(o.key);
    },
    notify: (o, resp) => this.sendNotification(o, resp),
  };

  private sendNotification(o: ServerObservation, resp: CoapResponse): Promise<void> {
    let code = codeFromString(resp.code);
    if (code === undefined || codeClass(code) < 2 || codeClass(code) > 5) code = C.InternalServerError;
    const success = codeClass(code) === 2;
    const options = this.responseOptions(resp);
    if (success) options.push(uintOption(CoapOption.Observe, o.nextSeq()));
    const key2 = `${o.pk}#${o.method}|${o.path.join('/')}?${o.query.join('&')}|${o.acceptFormat ?? ''}`;
    const cut = this.cutBlock(key2, code, options, resp.payload ?? EMPTY, undefined);
    const now = this.clock.now();
    o.notifyCount++;
    const con = !success || o.notifyCount % this.notifyConEvery === 0 || now - o.lastConAt >= this.notifyConIntervalMs;
    const msg: CoapMessage = {
      type: con ? 'CON' : 'NON',
      code: cut.code,
      messageId: this.newMid(),
      token: o.token,
      options: [...options, ...cut.options],
      payload: cut.payload,
    };
    if (!success) o.end('ended');
    if (!con) {
      const okey = `${o.pk}#${msg.messageId}`;
      this.nonNotifyMids.set(okey, o);
      while (this.nonNotifyMids.size > 4096 && this.nonNotifyMids.shift()) {
        // forgot the oldest
      }
      return this.sendBytes(o.peer, encodeMessage(msg)).catch(() => undefined);
    }
    o.lastConAt = now;
    return new Promise<void>((resolve) => {
      this.transmitCon(o.peer, o.pk, msg, resolve, (reason) => {
        if (reason !== 'aborted') o.end(reason);
        resolve();
      });
    });
  }
}

interface ExchangeHost {
  release(ex: ClientExchange): void;
  countTimeout(): void;
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
    private readonly host: ExchangeHost,
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

interface ObservationHost {
  now(): number;
  remove(o: ServerObservation): void;
  notify(o: ServerObservation, resp: CoapResponse): Promise<void>;
}

/** Server side of one observation (peer + token). */
class ServerObservation implements ObserveRegistration {
  accepted = false;
  seq: number;
  notifyCount = 0;
  lastConAt: number;
  /** The request whose separate response a RST may refer to. */
  onSeparateReset: ReplyState | undefined;
  private isActive = false;
  private ended = false;
  private readonly cancelCbs: ((reason: ObserveCancelReason) => void)[] = [];

  constructor(
    private readonly host: ObservationHost,
    readonly peer: PeerAddress,
    readonly pk: string,
    readonly key: string,
    readonly token: Uint8Array,
    readonly path: readonly string[],
    readonly query: readonly string[],
    readonly method: CoapMethod,
    readonly acceptFormat: number | undefined,
  ) {
    this.seq = 2;
    this.lastConAt = host.now();
  }

  get active(): boolean {
    return this.isActive;
  }

  accept(): void {
    if (!this.ended) this.accepted = true;
  }

  /** @internal */
  activate(): void {
    this.isActive = true;
  }

  /** @internal */
  nextSeq(): number {
    this.seq = (this.seq + 1) % OBSERVE_SEQ_MODULUS;
    return this.seq;
  }

  notify(resp: CoapResponse): Promise<void> {
    if (!this.isActive) return Promise.resolve();
    try {
      return this.host.notify(this, resp);
    } catch (cause) {
      return Promise.reject(new CoapError(CoapErrorCode.BadRequest, 'notification cannot be encoded', { cause }));
    }
  }

  onCancel(cb: (reason: ObserveCancelReason) => void): void {
    if (this.ended) {
      queueMicrotask(() => cb('ended'));
      return;
    }
    this.cancelCbs.push(cb);
  }

  cancel(): void {
    this.end('ended');
  }

  /** @internal */
  end(reason: ObserveCancelReason): void {
    if (this.ended) return;
    this.ended = true;
    const wasActive = this.isActive;
    this.isActive = false;
    this.host.remove(this);
    if (!wasActive && !this.accepted) return;
    for (const cb of this.cancelCbs.splice(0)) {
      try {
        cb(reason);
      } catch {
        // a listener's error must not break the endpoint
      }
    }
  }
}

interface ClientObservationHost {
  removeWaiter(tkey: string, w: TokenWaiter): void;
  countStale(): void;
  now(): number;
  fetchRest(peer: PeerAddress, req: ClientRequest, path: string[], query: string[], first: CoapMessage): Promise<ClientResponse>;
  deregister(peer: PeerAddress, req: ClientRequest, path: string[], query: string[], token: Uint8Array): Promise<void>;
  toClientResponse(m: CoapMessage, payload: Uint8Array): ClientResponse;
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
    private readonly ep: ClientObservationHost,
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
      fail: (_err, reason) => this.end(reason),
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
      this.emit(this.ep.toClientResponse(m, m.payload));
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
    this.deliverIfNewest(seq, now, this.ep.toClientResponse(m, m.payload));
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
