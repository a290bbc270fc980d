/**
 * An in-memory datagram network for fake-clock tests: sockets deliver on `setImmediate`, and a
 * per-network filter can drop datagrams (to force retransmissions).
 */
import type { PeerAddress, UdpSocket } from '../../src/index.js';

export type Filter = (from: PeerAddress, to: PeerAddress, data: Buffer) => boolean;

export class MemoryNetwork {
  private readonly sockets = new Map<string, MemorySocket>();
  private nextPort = 40000;
  /** Return false to drop a datagram. */
  filter: Filter = () => true;
  delivered = 0;
  dropped = 0;

  socket(port?: number): MemorySocket {
    const s = new MemorySocket(this, { address: '127.0.0.1', port: port ?? this.nextPort++ });
    this.sockets.set(`${s.local.port}`, s);
    return s;
  }

  transmit(from: PeerAddress, to: PeerAddress, data: Uint8Array): void {
    const copy = Buffer.from(data);
    if (!this.filter(from, to, copy)) {
      this.dropped += 1;
      return;
    }
    setImmediate(() => {
      const target = this.sockets.get(`${to.port}`);
      if (!target || target.closed) return;
      this.delivered += 1;
      target.deliver(copy, from);
    });
  }

  remove(s: MemorySocket): void {
    this.sockets.delete(`${s.local.port}`);
  }
}

export class MemorySocket implements UdpSocket {
  closed = false;
  private handler: (data: Buffer, peer: PeerAddress) => void = () => {};

  constructor(
    private readonly net: MemoryNetwork,
    readonly local: PeerAddress,
  ) {}

  send(data: Uint8Array, peer: PeerAddress, done?: (err: Error | null) => void): void {
    this.net.transmit(this.local, peer, data);
    done?.(null);
  }

  onMessage(handler: (data: Buffer, peer: PeerAddress) => void): void {
    this.handler = handler;
  }

  deliver(data: Buffer, from: PeerAddress): void {
    this.handler(data, from);
  }

  address(): PeerAddress {
    return this.local;
  }

  close(): Promise<void> {
    this.closed = true;
    this.net.remove(this);
    return Promise.resolve();
  }
}

/** Lets queued deliveries and promise continuations run (bounded). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
