/** Plain UDP (CoAP NoSec) with the same `DatagramTransport` shape as the DTLS server and client. */
import { DtlsError } from './DtlsError.js';
import { NodeUdpSocket, type UdpSocket } from './net/UdpSocket.js';
import type { DatagramTransport, InboundDatagram, PeerAddress, SessionEvent } from './types.js';

const NO_SECURITY = Object.freeze({});

export class UdpTransport implements DatagramTransport {
  readonly secure = false as const;
  private handler: (d: InboundDatagram) => void = () => {};
  private closed = false;

  constructor(private readonly socket: UdpSocket) {
    socket.onMessage((data, peer) => this.handler({ peer, data, security: NO_SECURITY }));
  }

  static async bind(opts: { host?: string; port?: number; bufferBytes?: number } = {}): Promise<UdpTransport> {
    return new UdpTransport(await NodeUdpSocket.bind(opts));
  }

  send(peer: PeerAddress, data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new DtlsError('DTLS_CLOSED', 'transport is closed'));
    return new Promise((resolve, reject) =>
      this.socket.send(data, peer, (err) => (err ? reject(new DtlsError('DTLS_CLOSED', 'UDP send failed', {}, err)) : resolve())),
    );
  }

  onDatagram(handler: (datagram: InboundDatagram) => void): void {
    this.handler = handler;
  }

  onSession(_handler: (event: SessionEvent) => void): () => void {
    return () => {};
  }

  address(): PeerAddress {
    return this.socket.address();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.socket.close();
  }
}
