/**
 * A CoAP endpoint (RFC 7252) over any {@link DatagramTransport}: CoAP server and CoAP client towards
 * every peer at once. A thin facade over a stack of layers, Californium-style, each in its module:
 *
 * - {@link MessageLayer}: message ids, deduplication (the cached reply is replayed for a duplicate
 *   CON), retransmission on the injected clock, ACK/RST, ping;
 * - {@link ExchangeMatcher}: client exchanges matched by token, piggybacked and separate responses;
 * - {@link ExchangeLimiter}: NSTART, outstanding exchanges per peer;
 * - {@link BlockwiseClient} / {@link BlockwiseServer}: block-wise transfer (RFC 7959) both ways,
 *   Block1 reassembly keyed by peer + method + URI (+ Request-Tag, RFC 9175), never by token:
 *   libcoap changes the token on every block;
 * - {@link ObserveClient} / {@link ObserveServer}: Observe (RFC 7641), the observations we hold and
 *   the observations of us;
 * - {@link RequestServer}: option checks, the handler, piggybacked/separate/NON responses.
 */
import type { DatagramTransport, InboundDatagram, PeerAddress } from '../transport/DatagramTransport.js';
import { CoapError, CoapErrorCode } from './CoapError.js';
import { MalformedMessage, codeClass, decodeMessage } from './CoapMessage.js';
import { EndpointContext, peerKey } from './EndpointContext.js';
import { MessageLayer } from './MessageLayer.js';
import { ExchangeMatcher } from './ExchangeMatcher.js';
import { ExchangeLimiter } from './ExchangeLimiter.js';
import { BlockwiseClient, splitPath } from './BlockwiseClient.js';
import { BlockwiseServer } from './BlockwiseServer.js';
import { ObserveClient } from './ObserveClient.js';
import { ObserveServer } from './ObserveServer.js';
import { RequestServer } from './RequestServer.js';
import type { ClientRequest, ClientResponse, CoapEndpointOptions, CoapObservation, CoapRequestHandler, CoapStats } from './types.js';

/** A CoAP endpoint: see the module comment. */
export class CoapEndpoint {
  private readonly transport: DatagramTransport;
  private readonly ctx: EndpointContext;
  private readonly messages: MessageLayer;
  private readonly matcher: ExchangeMatcher;
  private readonly limiter: ExchangeLimiter;
  private readonly blockClient: BlockwiseClient;
  private readonly blockServer: BlockwiseServer;
  private readonly observeClient: ObserveClient;
  private readonly observeServer: ObserveServer;
  private readonly server: RequestServer;
  private readonly unsubscribeSession: () => void;
  private lastSweepAt = -Infinity;

  constructor(opts: CoapEndpointOptions) {
    this.transport = opts.transport;
    this.ctx = new EndpointContext(opts);
    this.messages = new MessageLayer(this.ctx, this.transport);
    this.matcher = new ExchangeMatcher(this.ctx, this.messages);
    this.limiter = new ExchangeLimiter(this.ctx, this.matcher.exchange);
    this.blockClient = new BlockwiseClient(this.ctx, this.limiter.exchange);
    this.observeClient = new ObserveClient(this.ctx, this.matcher, this.limiter.exchange, this.blockClient);
    this.blockServer = new BlockwiseServer(this.ctx);
    this.observeServer = new ObserveServer(this.ctx, this.messages, this.blockServer);
    this.messages.onStrayReset = (okey) => this.observeServer.onStrayReset(okey);
    this.server = new RequestServer(this.ctx, this.messages, this.blockServer, this.observeServer, opts.handler);
    this.transport.onDatagram((d) => this.onDatagram(d));
    this.unsubscribeSession = this.transport.onSession((e) => {
      if (e.kind === 'down') this.dropPeerMessageState(peerKey(e.peer));
    });
  }

  setHandler(h: CoapRequestHandler): void {
    this.server.handler = h;
  }

  /** The transport's bound address. */
  address(): PeerAddress {
    return this.transport.address();
  }

  stats(): CoapStats {
    return {
      ...this.ctx.counters,
      pendingRequests: this.matcher.size - this.observeClient.size,
      dedupEntries: this.messages.dedupEntries,
      serverObservations: this.observeServer.size,
      clientObservations: this.observeClient.size,
      block1Transfers: this.blockServer.block1Transfers,
      block1Bytes: this.blockServer.bytes,
    };
  }

  // ---------------------------------------------------------------- client side

  /** Sends a request (Block1/Block2 handled) and resolves with the response; rejects with {@link CoapError}. */
  async request(peer: PeerAddress, req: ClientRequest): Promise<ClientResponse> {
    const pk = peerKey(peer);
    const deadline = this.ctx.clock.now() + (req.timeoutMs ?? this.ctx.settings.requestTimeoutMs);
    const { path, query } = splitPath(req);
    const token = this.matcher.newToken(pk);
    const first = await this.blockClient.sendBody(peer, pk, req, path, query, token, deadline);
    return this.blockClient.collectBlock2(peer, pk, req, path, query, token, first, deadline);
  }

  /**
   * Registers an observation (GET with Observe: 0). Notifications newer than the last one (RFC 7641
   * §3.4) go to `onNotify`, in order; older ones are dropped. When the response carries no Observe
   * option the server did not accept: the returned observation is inactive.
   */
  observe(peer: PeerAddress, req: ClientRequest, onNotify: (r: ClientResponse) => void): Promise<CoapObservation> {
    return this.observeClient.observe(peer, req, onNotify);
  }

  /**
   * CoAP ping (RFC 7252 §4.3): an empty CON, answered by RST (or ACK) from a live peer. Resolves
   * with the round-trip time in ms; rejects COAP_TIMEOUT after the retransmission schedule.
   */
  ping(peer: PeerAddress): Promise<number> {
    return this.messages.ping(peer, peerKey(peer));
  }

  /** Drops every exchange, cached reply, block transfer and observation of a peer (e.g. a revoked device). */
  forgetPeer(peer: PeerAddress): void {
    const pk = peerKey(peer);
    this.dropPeerMessageState(pk);
    const err = new CoapError(CoapErrorCode.PeerForgotten, 'peer forgotten', { details: { peer: `${peer.address}:${peer.port}` } });
    this.limiter.failQueued(err, pk);
    this.matcher.failAll(err, 'forgotten', pk);
    this.observeServer.endAll('forgotten', pk);
    this.messages.abort(pk);
  }

  async close(): Promise<void> {
    if (this.ctx.closed) return;
    this.ctx.closed = true;
    this.unsubscribeSession();
    this.transport.onDatagram(() => undefined);
    const err = new CoapError(CoapErrorCode.Closed, 'endpoint closed');
    this.limiter.failQueued(err);
    this.matcher.failAll(err, 'closed');
    this.observeServer.endAll('closed');
    this.messages.abort();
    this.messages.clear();
    this.blockServer.clear();
    this.observeServer.clear();
    if (this.ctx.settings.closeTransport) await this.transport.close().catch(() => undefined);
  }

  // ---------------------------------------------------------------- inbound

  private onDatagram(d: InboundDatagram): void {
    if (this.ctx.closed) return;
    try {
      this.receive(d);
    } catch {
      // Defensive: nothing inbound may take the process down (a bug if this ever counts).
      this.ctx.counters.internalErrors++;
    }
  }

  /** Dispatches one datagram to the layer it is for. */
  private receive(d: InboundDatagram): void {
    const m = decodeMessage(d.data);
    const peer = d.peer;
    const counters = this.ctx.counters;
    if (m instanceof MalformedMessage) {
      counters.malformedDropped++;
      if (m.header?.type === 'CON') this.messages.sendRst(peer, m.header.messageId);
      return;
    }
    this.sweep();
    const pk = peerKey(peer);
    if (m.code === 0) {
      if (m.type === 'CON') this.messages.sendRst(peer, m.messageId); // CoAP ping
      else if (m.type === 'ACK') this.messages.onAck(pk, m);
      else if (m.type === 'RST') this.messages.onRst(pk, m);
      else counters.malformedDropped++;
      return;
    }
    if (codeClass(m.code) === 0) {
      if (m.type === 'ACK' || m.type === 'RST') counters.malformedDropped++;
      else this.server.onRequest(m, peer, d.security, pk);
      return;
    }
    if (m.type === 'RST') counters.malformedDropped++;
    else if (m.type === 'ACK') this.messages.onAck(pk, m);
    else this.matcher.onSeparateResponse(m, peer, pk);
  }

  /** Expires old dedup entries and stale block transfers, at most once a second (lookups check expiry themselves). */
  private sweep(): void {
    const now = this.ctx.clock.now();
    if (now - this.lastSweepAt < 1000) return;
    this.lastSweepAt = now;
    this.messages.sweep(now);
    this.blockServer.sweep(now);
  }

  private dropPeerMessageState(pk: string): void {
    this.messages.dropPeer(pk);
    this.blockServer.dropPeer(pk);
    this.observeServer.dropPeer(pk);
  }
}
