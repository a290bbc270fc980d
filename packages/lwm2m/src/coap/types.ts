/** Public types of the CoAP endpoint. No `coap-packet` type appears here. */
import type { PeerAddress, PeerSecurity } from '../transport/DatagramTransport.js';

export type CoapMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'FETCH' | 'PATCH' | 'IPATCH';

/** What a request handler receives (Block1 already reassembled). */
export interface CoapRequest {
  readonly method: CoapMethod;
  /** Uri-Path segments. */
  readonly path: string[];
  /** Uri-Query values, e.g. `'ep=dev1'`. */
  readonly query: string[];
  readonly contentFormat?: number;
  readonly accept?: number;
  /** Observe option value (0 register, 1 deregister). */
  readonly observe?: number;
  readonly payload: Uint8Array;
  /** Token of the (last block of the) request. */
  readonly token: Uint8Array;
  readonly confirmable: boolean;
  readonly peer: PeerAddress;
  readonly security: PeerSecurity;
}

/** What a handler returns; the endpoint does Block2 when the payload exceeds the block size. */
export interface CoapResponse {
  /** `'2.05'` etc.; an invalid code is answered as 5.00. */
  readonly code: string;
  readonly contentFormat?: number;
  readonly payload?: Uint8Array;
  readonly locationPath?: string[];
  readonly maxAge?: number;
}

/** Why a server-side or client-side observation ended. */
export type ObserveCancelReason =
  | 'reset' // the peer answered a notification with RST
  | 'deregistered' // the peer sent GET with Observe: 1, or a GET without Observe on the same token
  | 'replaced' // a new registration with the same peer and token
  | 'timeout' // a confirmable notification was never acknowledged
  | 'ended' // the server side sent a non-2.xx notification or called cancel()
  | 'forgotten' // forgetPeer()
  | 'closed'; // the endpoint was closed

/** Server-side observation handed to a handler when the request carries Observe: 0. */
export interface ObserveRegistration {
  readonly peer: PeerAddress;
  readonly path: readonly string[];
  readonly token: Uint8Array;
  /** True once accepted and until cancelled. */
  readonly active: boolean;
  /** Call before returning a 2.xx response to establish the observation. */
  accept(): void;
  /**
   * Sends a notification (NON, and CON at least every `notifyConEvery` notifications or
   * `notifyConIntervalMs`). Resolves when sent (NON) or acknowledged (CON); resolves without
   * sending when the observation is no longer active. A non-2.xx response ends the observation.
   * Rejects (COAP_BAD_REQUEST) only when `resp` cannot be encoded.
   */
  notify(resp: CoapResponse): Promise<void>;
  /** Called once when the observation ends, whatever the reason (`cancel()` gives 'ended'). */
  onCancel(cb: (reason: ObserveCancelReason) => void): void;
  /** Ends the observation without telling the peer (its next notification would be unknown). */
  cancel(): void;
}

export interface CoapHandlerContext {
  /** Present when the request is a GET/FETCH with Observe: 0. */
  readonly observe?: ObserveRegistration;
}

export type CoapRequestHandler = (req: CoapRequest, ctx: CoapHandlerContext) => Promise<CoapResponse>;

export interface ClientRequest {
  readonly method: CoapMethod;
  /** Segments, or a string like `'/3/0/1'` (a `?a=b&c` suffix becomes Uri-Query values). */
  readonly path: string[] | string;
  readonly query?: string[];
  readonly contentFormat?: number;
  readonly accept?: number;
  readonly payload?: Uint8Array;
  /** Default true. */
  readonly confirmable?: boolean;
  /** Overall deadline of the whole exchange (all blocks); default `requestTimeoutMs`. */
  readonly timeoutMs?: number;
}

export interface ClientResponse {
  readonly code: string;
  readonly contentFormat?: number;
  /** Block2 already reassembled. */
  readonly payload: Uint8Array;
  readonly locationPath: string[];
  readonly observe?: number;
}

/** Client-side observation returned by `CoapEndpoint.observe()`. */
export interface CoapObservation {
  /** The registration response (carries `observe` when the server accepted the observation). */
  readonly response: ClientResponse;
  /** False once cancelled, ended by the server, or never established. */
  readonly active: boolean;
  /**
   * Passive (default): forget the token; the next notification is answered with RST.
   * Active: send GET with Observe: 1 on the same token and wait for its response.
   */
  cancel(active?: boolean): Promise<void>;
  /** Called once when the observation ends for a reason other than `cancel()`. */
  onEnd(cb: (reason: ObserveCancelReason) => void): void;
}

export interface CoapStats {
  /**
   * Datagrams that were not valid CoAP, or valid messages of an impossible kind (an empty NON, a
   * request in an ACK/RST, a response in a RST): counted and dropped; a CON gets a RST when its
   * header is readable.
   */
  malformedDropped: number;
  /** Duplicate CON/NON messages (a duplicate CON gets the cached reply again). */
  duplicates: number;
  /** Retransmissions of our CON messages. */
  retransmissions: number;
  requestsReceived: number;
  requestsSent: number;
  /** Exchanges that failed with COAP_TIMEOUT. */
  timeouts: number;
  /** RST received. */
  resetsReceived: number;
  /** RST sent (unknown response tokens, pings, unparseable CONs). */
  resetsSent: number;
  /** Responses sent separately (empty ACK first). */
  separateResponses: number;
  /** Notifications dropped as older than the last one (client side). */
  staleNotifications: number;
  /** transport.send() rejections. */
  sendErrors: number;
  /** Handler exceptions (answered 5.00). */
  handlerErrors: number;
  /** Unexpected exceptions while processing an inbound datagram (dropped); should stay 0. */
  internalErrors: number;
  /** Live state sizes. */
  pendingRequests: number;
  dedupEntries: number;
  serverObservations: number;
  clientObservations: number;
  block1Transfers: number;
  /** Bytes held by Block1 reassemblies. */
  block1Bytes: number;
}

export interface CoapEndpointOptions {
  readonly transport: import('../transport/DatagramTransport.js').DatagramTransport;
  readonly clock?: import('../time/Clock.js').Clock;
  readonly random?: import('../time/Clock.js').Random;
  readonly handler?: CoapRequestHandler;
  /** RFC 7252 ACK_TIMEOUT, default 2000 ms. */
  readonly ackTimeoutMs?: number;
  /** RFC 7252 ACK_RANDOM_FACTOR, default 1.5. */
  readonly ackRandomFactor?: number;
  /** RFC 7252 MAX_RETRANSMIT, default 4. */
  readonly maxRetransmit?: number;
  /** Block size for Block1/Block2 (16..1024, power of two), default 1024. */
  readonly blockSize?: number;
  /** Default overall deadline of `request()`, default MAX_TRANSMIT_WAIT (93 s with the defaults). */
  readonly requestTimeoutMs?: number;
  /** A handler slower than this gets an empty ACK and a separate response, default 1000 ms. */
  readonly separateResponseAfterMs?: number;
  /** How long received message ids are remembered, default EXCHANGE_LIFETIME (247 s with the defaults). */
  readonly exchangeLifetimeMs?: number;
  /** Max remembered message ids (oldest evicted first), default 10,000. */
  readonly maxDedupEntries?: number;
  /** Largest reassembled request/response body (Block1 answered 4.13 beyond), default 1 MiB. */
  readonly maxBodySize?: number;
  /** Max concurrent Block1 reassemblies / cached Block2 bodies, default 1,000 each. */
  readonly maxBlockTransfers?: number;
  /** Max bytes held by all Block1 reassemblies together (oldest evicted, then 4.13), default 16 MiB. */
  readonly maxBlock1Bytes?: number;
  /** A server-side observation sends a CON notification at least every N notifications, default 20. */
  readonly notifyConEvery?: number;
  /** ... and at least every this many ms, default 24 h. */
  readonly notifyConIntervalMs?: number;
  /**
   * RFC 7252 NSTART: max outstanding requests (incl. each block exchange) per peer; later ones wait
   * in a queue (their `timeoutMs` still runs). Default unlimited; 1 is the RFC's conservative value.
   */
  readonly nstart?: number;
  /** `close()` also closes the transport, default true. */
  readonly closeTransport?: boolean;
}
