/**
 * In-memory datagram network for unit tests (not exported from the package): every transport gets
 * an address `mem:<n>`; datagrams are delivered asynchronously (microtask) and can be dropped,
 * captured or injected by the test.
 */
import type { DatagramTransport, InboundDatagram, PeerAddress, PeerSecurity, SessionEvent } from '../../transport/DatagramTransport.js';

export interface Sent {
  readonly from: PeerAddress;
  readonly to: PeerAddress;
  readonly data: Uint8Array;
}

export class MemoryNetwork {
  private readonly nodes = new Map<string, MemoryTransport>();
  private nextPort = 1000;
  /** Every datagram sent, in order. */
  readonly log: Sent[] = [];
  /** Return true to drop a datagram. */
  dropIf: ((s: Sent) => boolean) | undefined;

  transport(security: PeerSecurity = {}): MemoryTransport {
    const t = new MemoryTransport(this, { address: 'mem', port: this.nextPort++ }, security);
    this.nodes.set(`${t.address().address}|${t.address().port}`, t);
    return t;
  }

  /** @internal */
  route(from: MemoryTransport, to: PeerAddress, data: Uint8Array): void {
    const s: Sent = { from: from.address(), to, data: data.slice() };
    this.log.push(s);
    if (this.dropIf?.(s)) return;
    const dest = this.nodes.get(`${to.address}|${to.port}`);
    if (!dest) return;
    queueMicrotask(() => dest.deliver({ peer: from.address(), data: s.data, security: from.security }));
  }

  /** Delivers raw bytes to a transport as if sent by `from`. */
  inject(to: MemoryTransport, from: PeerAddress, data: Uint8Array): void {
    to.deliver({ peer: from, data, security: {} });
  }
}

export class MemoryTransport implements DatagramTransport {
  readonly secure = false;
  private handler: ((d: InboundDatagram) => void) | undefined;
  private readonly sessionHandlers = new Set<(e: SessionEvent) => void>();
  closed = false;

  constructor(
    private readonly net: MemoryNetwork,
    private readonly addr: PeerAddress,
    readonly security: PeerSecurity,
  ) {}

  send(peer: PeerAddress, data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('closed'));
    this.net.route(this, peer, data);
    return Promise.resolve();
  }

  onDatagram(handler: (d: InboundDatagram) => void): void {
    this.handler = handler;
  }

  onSession(handler: (e: SessionEvent) => void): () => void {
    this.sessionHandlers.add(handler);
    return () => this.sessionHandlers.delete(handler);
  }

  emitSession(e: SessionEvent): void {
    for (const h of this.sessionHandlers) h(e);
  }

  /** @internal */
  deliver(d: InboundDatagram): void {
    if (!this.closed) this.handler?.(d);
  }

  address(): PeerAddress {
    return this.addr;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
