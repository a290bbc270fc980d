/**
 * What every layer of a {@link CoapEndpoint} shares: time, randomness, the resolved settings, the
 * counters behind `stats()`, and whether the endpoint is closed; plus the small helpers more than
 * one layer needs (method and response codes, peer keys).
 */
import type { PeerAddress } from '../transport/DatagramTransport.js';
import { SystemClock, SystemRandom, type Clock, type Random } from '../time/Clock.js';
import { CoapError, CoapErrorCode } from './CoapError.js';
import { szxOf } from './BlockOption.js';
import { CoapOption, codeClass, codeFromString, textOption, uintOption, type CoapOptionValue } from './CoapMessage.js';
import type { CoapEndpointOptions, CoapMethod, CoapResponse, CoapStats } from './types.js';

export const EMPTY = new Uint8Array(0);

export const METHOD_CODES: Record<CoapMethod, number> = { GET: 1, POST: 2, PUT: 3, DELETE: 4, FETCH: 5, PATCH: 6, IPATCH: 7 };
export const METHODS_BY_CODE: readonly (CoapMethod | undefined)[] = [undefined, 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'IPATCH'];

/** Response codes the endpoint itself answers with. */
export const C = {
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

/** {@link CoapEndpointOptions} with every default applied (RFC 7252 §4.8 and §4.8.2). */
export interface EndpointSettings {
  readonly ackTimeoutMs: number;
  readonly ackRandomFactor: number;
  readonly maxRetransmit: number;
  readonly szx: number;
  readonly requestTimeoutMs: number;
  readonly separateAfterMs: number;
  readonly exchangeLifetimeMs: number;
  readonly maxDedup: number;
  readonly maxBodySize: number;
  readonly maxBlockTransfers: number;
  readonly maxBlock1Bytes: number;
  readonly notifyConEvery: number;
  readonly notifyConIntervalMs: number;
  readonly nstart: number;
  readonly closeTransport: boolean;
}

export function resolveSettings(opts: CoapEndpointOptions): EndpointSettings {
  const ackTimeoutMs = opts.ackTimeoutMs ?? 2000;
  const ackRandomFactor = opts.ackRandomFactor ?? 1.5;
  const maxRetransmit = opts.maxRetransmit ?? 4;
  const szx = szxOf(opts.blockSize ?? 1024);
  if (szx === undefined) throw new CoapError(CoapErrorCode.BadRequest, 'blockSize must be a power of two in 16..1024');
  const nstart = opts.nstart ?? Infinity;
  if (!(nstart >= 1)) throw new CoapError(CoapErrorCode.BadRequest, 'nstart must be >= 1');
  // RFC 7252 §4.8.2 derived times.
  const maxTransmitSpan = ackTimeoutMs * (2 ** maxRetransmit - 1) * ackRandomFactor;
  const maxTransmitWait = ackTimeoutMs * (2 ** (maxRetransmit + 1) - 1) * ackRandomFactor;
  return {
    ackTimeoutMs,
    ackRandomFactor,
    maxRetransmit,
    szx,
    requestTimeoutMs: opts.requestTimeoutMs ?? maxTransmitWait,
    exchangeLifetimeMs: opts.exchangeLifetimeMs ?? maxTransmitSpan + 2 * 100_000 + ackTimeoutMs,
    separateAfterMs: opts.separateResponseAfterMs ?? 1000,
    maxDedup: opts.maxDedupEntries ?? 10_000,
    maxBodySize: opts.maxBodySize ?? 1024 * 1024,
    maxBlockTransfers: opts.maxBlockTransfers ?? 1000,
    maxBlock1Bytes: opts.maxBlock1Bytes ?? 16 * 1024 * 1024,
    notifyConEvery: opts.notifyConEvery ?? 20,
    notifyConIntervalMs: opts.notifyConIntervalMs ?? 24 * 3600 * 1000,
    nstart,
    closeTransport: opts.closeTransport ?? true,
  };
}

/** The event counters of `CoapStats` (the live state sizes are asked of each layer). */
export type Counters = Omit<CoapStats, 'pendingRequests' | 'dedupEntries' | 'serverObservations' | 'clientObservations' | 'block1Transfers' | 'block1Bytes'>;

export class EndpointContext {
  readonly counters: Counters = {
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
  readonly clock: Clock;
  readonly random: Random;
  readonly settings: EndpointSettings;
  closed = false;

  constructor(opts: CoapEndpointOptions) {
    this.clock = opts.clock ?? SystemClock;
    this.random = opts.random ?? SystemRandom;
    this.settings = resolveSettings(opts);
  }

  /** RFC 7252 §4.2: ACK_TIMEOUT scaled by a random factor in [1, ACK_RANDOM_FACTOR). */
  initialTimeout(): number {
    return this.settings.ackTimeoutMs * (1 + this.random.next() * (this.settings.ackRandomFactor - 1));
  }
}

export function peerKey(peer: PeerAddress): string {
  return `${peer.address}|${peer.port}`;
}

export function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A handler's response code; an invalid one, or one outside 2.xx..5.xx, is answered 5.00. */
export function responseCode(resp: CoapResponse): number {
  const code = codeFromString(resp.code);
  if (code === undefined || codeClass(code) < 2 || codeClass(code) > 5) return C.InternalServerError;
  return code;
}

export function responseOptions(resp: CoapResponse): CoapOptionValue[] {
  const options: CoapOptionValue[] = [];
  for (const seg of resp.locationPath ?? []) options.push(textOption(CoapOption.LocationPath, seg));
  if (resp.contentFormat !== undefined) options.push(uintOption(CoapOption.ContentFormat, resp.contentFormat));
  if (resp.maxAge !== undefined) options.push(uintOption(CoapOption.MaxAge, resp.maxAge));
  return options;
}
