/**
 * A tiny plain-UDP DatagramTransport over node:dgram for this package's interop tests and the
 * benchmark (not exported; production code uses `UdpTransport` from @chainm2m/dtls).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { DatagramTransport, InboundDatagram, PeerAddress, SessionEvent } from '../../transport/DatagramTransport.js';

export class UdpTestTransport implements DatagramTransport {
  readonly secure = false;
  private handler: ((d: InboundDatagram) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      this.handler?.({
        peer: { address: rinfo.address, port: rinfo.port },
        data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
        security: {},
      });
    });
    socket.on('error', () => undefined);
  }

  static async bind(opts: { host?: string; port?: number } = {}): Promise<UdpTestTransport> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpTestTransport(socket);
  }

  send(peer: PeerAddress, data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(data, peer.port, peer.address, (err) => (err ? reject(err) : resolve()));
    });
  }

  onDatagram(handler: (d: InboundDatagram) => void): void {
    this.handler = handler;
  }

  onSession(_handler: (e: SessionEvent) => void): () => void {
    return () => undefined;
  }

  address(): PeerAddress {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
