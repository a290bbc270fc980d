import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { UdpSocket } from '@chainm2m/dtls';
import type { PeerAddress } from '@chainm2m/lwm2m';

/**
 * The bootstrap server's UDP socket (the `UdpSocket` seam of `@chainm2m/dtls`) with large kernel
 * buffers: a burst of devices (1,000 ClientHellos at once) overflows the default receive buffer
 * (~208 KiB on Linux, about 200 small datagrams), and every dropped ClientHello costs its device a
 * retransmission timeout. The kernel caps the size at `net.core.rmem_max` / `wmem_max`.
 */
export class BufferedUdpSocket implements UdpSocket {
  private handler: (data: Buffer, peer: PeerAddress) => void = () => undefined;
  private closed = false;
  /** Socket errors (e.g. ICMP unreachable), counted, never thrown. */
  errors = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => this.handler(msg, { address: rinfo.address, port: rinfo.port }));
    socket.on('error', () => {
      this.errors += 1;
    });
  }

  static bind(opts: { host: string; port: number; bufferBytes: number }): Promise<BufferedUdpSocket> {
    const socket = createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4', recvBufferSize: opts.bufferBytes, sendBufferSize: opts.bufferBytes });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port, opts.host, () => {
        socket.off('error', reject);
        resolve(new BufferedUdpSocket(socket));
      });
    });
  }

  /** Effective kernel receive buffer (Linux reports twice the requested size, capped by rmem_max). */
  receiveBufferSize(): number {
    return this.socket.getRecvBufferSize();
  }

  send(data: Uint8Array, peer: PeerAddress, done?: (err: Error | null) => void): void {
    if (this.closed) {
      done?.(new Error('socket closed'));
      return;
    }
    this.socket.send(data, peer.port, peer.address, (err) => {
      if (err) this.errors += 1;
      done?.(err);
    });
  }

  onMessage(handler: (data: Buffer, peer: PeerAddress) => void): void {
    this.handler = handler;
  }

  address(): PeerAddress {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
