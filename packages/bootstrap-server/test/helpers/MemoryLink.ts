/**
 * Two in-memory `DatagramTransport`s wired to each other (test only). The "server" side reports
 * the PSK identity the test chooses, as a DTLS server would after the handshake.
 */
import type { DatagramTransport, InboundDatagram, PeerAddress, PeerSecurity, SessionEvent } from '@chainm2m/lwm2m';

export class MemoryTransport implements DatagramTransport {
  readonly secure: boolean;
  peerTransport: MemoryTransport | undefined;
  private handler: ((d: InboundDatagram) => void) | undefined;
  private sessionHandlers = new Set<(e: SessionEvent) => void>();
  closed = false;
  /** Return true to drop an outgoing datagram. */
  dropIf: ((data: Uint8Array) => boolean) | undefined;

  constructor(
    private readonly addr: PeerAddress,
    /** What the *other* side is told about us. */
    readonly outboundSecurity: PeerSecurity,
  ) {
    this.secure = outboundSecurity.pskIdentity !== undefined;
  }

  async send(peer: PeerAddress, data: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('closed');
    const dest = this.peerTransport;
    if (!dest || dest.closed || dest.addr.port !== peer.port || this.dropIf?.(data)) return;
    const copy = data.slice();
    queueMicrotask(() => dest.handler?.({ peer: this.addr, data: copy, security: this.outboundSecurity }));
  }

  onDatagram(handler: (d: InboundDatagram) => void): void {
    this.handler = handler;
  }

  onSession(handler: (e: SessionEvent) => void): () => void {
    this.sessionHandlers.add(handler);
    return () => this.sessionHandlers.delete(handler);
  }

  /** Fires a session-down event for `peer` (as DTLS would on close_notify). */
  sessionDown(peer: PeerAddress, reason: string): void {
    for (const h of this.sessionHandlers) h({ kind: 'down', peer, reason });
  }

  address(): PeerAddress {
    return this.addr;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

let nextPort = 20000;

/** A server-side and a device-side transport; the server sees the device with `deviceSecurity`. */
export function memoryLink(deviceSecurity: PeerSecurity): { server: MemoryTransport; device: MemoryTransport } {
  const server = new MemoryTransport({ address: 'mem', port: nextPort++ }, {});
  const device = new MemoryTransport({ address: 'mem', port: nextPort++ }, deviceSecurity);
  server.peerTransport = device;
  device.peerTransport = server;
  return { server, device };
}
