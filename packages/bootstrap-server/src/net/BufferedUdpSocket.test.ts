import { describe, expect, it } from 'vitest';
import { BufferedUdpSocket } from './BufferedUdpSocket.js';

describe('BufferedUdpSocket', () => {
  it('asks the kernel for the buffer size it is given (capped by the kernel)', async () => {
    const small = await BufferedUdpSocket.bind({ host: '127.0.0.1', port: 0, bufferBytes: 16 * 1024 });
    const large = await BufferedUdpSocket.bind({ host: '127.0.0.1', port: 0, bufferBytes: 4 * 1024 * 1024 });
    try {
      expect(large.receiveBufferSize()).toBeGreaterThan(small.receiveBufferSize());
    } finally {
      await small.close();
      await large.close();
    }
  });

  it('sends and receives datagrams, and reports errors through the callback after close', async () => {
    const a = await BufferedUdpSocket.bind({ host: '127.0.0.1', port: 0, bufferBytes: 1 << 20 });
    const b = await BufferedUdpSocket.bind({ host: '127.0.0.1', port: 0, bufferBytes: 1 << 20 });
    const bAddress = b.address();
    try {
      const got = new Promise<[string, number]>((resolve) => b.onMessage((data, peer) => resolve([data.toString(), peer.port])));
      await new Promise<void>((resolve, reject) => a.send(new TextEncoder().encode('hello'), b.address(), (err) => (err ? reject(err) : resolve())));
      expect(await got).toEqual(['hello', a.address().port]);
    } finally {
      await a.close();
      await b.close();
    }
    const err = await new Promise<Error | null>((resolve) => a.send(new Uint8Array(1), bAddress, resolve));
    expect(err).toBeInstanceOf(Error);
  });
});
