/** The socket seam under DTLS and plain UDP: a Node `dgram` socket in production, anything in tests. */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { PeerAddress } from '../types.js';

export interface UdpSocket {
  send(data: Uint8Array, peer: PeerAddress, done?: (err: Error | null) => void): void;
  onMessage(handler: (data: Buffer, peer: PeerAddress) => void): void;
  address(): PeerAddress;
  close(): Promise<void>;
}

export class NodeUdpSocket implements UdpSocket {
  private handler: (data: Buffer, peer: PeerAddress) => void = () => {};
  private closed = false;
  /** Send errors (e.g. ICMP unreachable surfacing as ECONNREFUSED) are counted, never thrown. */
  sendErrors = 0;

  /** Cached at bind time, so `address()` still answers after `close()`. */
  private readonly bound: PeerAddress;

  private constructor(private readonly socket: Socket) {
    const a = socket.address();
    this.bound = { address: a.address, port: a.port };
    socket.on('message', (msg, rinfo) => this.handler(msg, { address: rinfo.address, port: rinfo.port }));
    socket.on('error', () => {
      this.sendErrors += 1;
    });
  }

  /**
   * `bufferBytes` sets the kernel receive and send buffers (capped by `net.core.rmem_max`/`wmem_max`):
   * a burst of ClientHellos overflows the default (~200 small datagrams on Linux).
   */
  static bind(opts: { host?: string; port?: number; bufferBytes?: number }): Promise<NodeUdpSocket> {
    const host = opts.host ?? '0.0.0.0';
    const socket = createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      ...(opts.bufferBytes ? { recvBufferSize: opts.bufferBytes, sendBufferSize: opts.bufferBytes } : {}),
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, host, () => {
        socket.off('error', reject);
        resolve(new NodeUdpSocket(socket));
      });
    });
  }

  send(data: Uint8Array, peer: PeerAddress, done?: (err: Error | null) => void): void {
    if (this.closed) {
      done?.(new Error('socket closed'));
      return;
    }
    // Without a callback, send errors surface as 'error' events (counted above): no closure per datagram.
    if (done) {
      this.socket.send(data, peer.port, peer.address, (err) => {
        if (err) this.sendErrors += 1;
        done(err);
      });
    } else {
      this.socket.send(data, peer.port, peer.address);
    }
  }

  onMessage(handler: (data: Buffer, peer: PeerAddress) => void): void {
    this.handler = handler;
  }

  address(): PeerAddress {
    return this.bound;
  }

  /** Effective kernel receive buffer size. */
  receiveBufferSize(): number {
    return this.closed ? 0 : this.socket.getRecvBufferSize();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
