/** An in-memory datagram network for unit tests: transports addressed `mem:<port>`, async delivery. */
import type { DatagramTransport, InboundDatagram, PeerAddress, SessionEvent } from '@chainm2m/lwm2m';

export class MemoryNet {
  private readonly nodes = new Map<number, MemoryTransport>();
  private nextPort = 1;
  /** Datagrams delivered (for assertions on traffic). */
  delivered = 0;

  transport(): MemoryTransport {
    const t = new MemoryTransport(this, this.nextPort++);
    this.nodes.set(t.port, t);
    return t;
  }

  route(from: number, to: PeerAddress, data: Uint8Array): void {
    const dest = this.nodes.get(to.port);
    if (!dest || to.address !== 'mem') return;
    const copy = data.slice();
    queueMicrotask(() => {
      this.delivered++;
      dest.deliver({ peer: { address: 'mem', port: from }, data: copy, security: {} });
    });
  }
}

export class MemoryTransport implements DatagramTransport {
  readonly secure = false;
  private handler: ((d: InboundDatagram) => void) | undefined;
  closed = false;

  constructor(
    private readonly net: MemoryNet,
    readonly port: number,
  ) {}

  send(peer: PeerAddress, data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('closed'));
    this.net.route(this.port, peer, data);
    return Promise.resolve();
  }

  onDatagram(handler: (d: InboundDatagram) => void): void {
    this.handler = handler;
  }

  onSession(_handler: (e: SessionEvent) => void): () => void {
    return () => undefined;
  }

  deliver(d: InboundDatagram): void {
    if (!this.closed) this.handler?.(d);
  }

  address(): PeerAddress {
    return { address: 'mem', port: this.port };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
