/**
 * An in-memory datagram link for tests: `memoryPair()` gives a server-side transport and a way to
 * create client transports, each with the PSK identity the "DTLS layer" would report. Delivery is
 * asynchronous (microtask), like a socket.
 */
import type { DatagramTransport, InboundDatagram, PeerAddress, PeerSecurity, SessionEvent } from '@chainm2m/lwm2m';

export class MemoryHub {
  private readonly nodes = new Map<string, MemoryTransport>();
  private nextPort = 20_000;

  transport(security: PeerSecurity = {}, secure = false): MemoryTransport {
    const t = new MemoryTransport(this, { address: '10.0.0.1', port: this.nextPort++ }, security, secure);
    this.nodes.set(`${t.address().address}:${t.address().port}`, t);
    return t;
  }

  /** @internal */
  route(from: MemoryTransport, to: PeerAddress, data: Uint8Array): void {
    const dest = this.nodes.get(`${to.address}:${to.port}`);
    if (!dest) return;
    const copy = data.slice();
    queueMicrotask(() => dest.deliver({ peer: from.address(), data: copy, security: from.security }));
  }

  /** @internal */
  forget(t: MemoryTransport): void {
    this.nodes.delete(`${t.address().address}:${t.address().port}`);
  }
}

export class MemoryTransport implements DatagramTransport {
  private handler: ((d: InboundDatagram) => void) | undefined;
  private readonly sessionHandlers = new Set<(e: SessionEvent) => void>();
  private closed = false;

  constructor(
    private readonly hub: MemoryHub,
    private readonly addr: PeerAddress,
    readonly security: PeerSecurity,
    readonly secure: boolean,
  ) {}

  async send(peer: PeerAddress, data: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('transport closed');
    this.hub.route(this, peer, data);
  }
  onDatagram(handler: (d: InboundDatagram) => void): void {
    this.handler = handler;
  }
  onSession(handler: (e: SessionEvent) => void): () => void {
    this.sessionHandlers.add(handler);
    return () => this.sessionHandlers.delete(handler);
  }
  /** @internal */
  deliver(d: InboundDatagram): void {
    if (!this.closed) this.handler?.(d);
  }
  address(): PeerAddress {
    return this.addr;
  }
  async close(): Promise<void> {
    this.closed = true;
    this.hub.forget(this);
  }
}
