/** node-dtls-client 1.x (an independent TypeScript DTLS client) against our server, each suite. */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CipherSuiteName } from '../../src/index.js';
import { startEchoServer, PSK_HEX, type EchoServer } from '../helpers/echoServer.js';

interface NdcSocket {
  on(event: 'connected', cb: () => void): NdcSocket;
  on(event: 'message', cb: (msg: Buffer) => void): NdcSocket;
  on(event: 'error', cb: (err: Error) => void): NdcSocket;
  on(event: 'close', cb: () => void): NdcSocket;
  send(data: Buffer): void;
  close(): void;
}
interface Ndc {
  dtls: { createSocket(opts: { type: 'udp4'; address: string; port: number; psk: Record<string, string>; timeout: number; ciphers: string[] }): NdcSocket };
}
const { dtls } = createRequire(import.meta.url)('node-dtls-client') as Ndc;

function exchange(port: number, cipher: CipherSuiteName, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dtls.createSocket({ type: 'udp4', address: '127.0.0.1', port, psk: { dev1: key }, timeout: 10_000, ciphers: [cipher] });
    const done = (fn: () => void): void => {
      clearTimeout(t);
      try {
        s.close();
      } catch {
        // already closed
      }
      fn();
    };
    const t = setTimeout(() => done(() => reject(new Error('timeout'))), 12_000);
    s.on('connected', () => s.send(Buffer.from(`ndc ${cipher}`)));
    s.on('message', (m) => done(() => resolve(m.toString())));
    s.on('error', (e) => done(() => reject(e)));
  });
}

describe('node-dtls-client 1.x -> DtlsServer', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterAll(async () => {
    await echo.server.close();
  });

  const suites: CipherSuiteName[] = ['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_AES_128_CCM', 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'TLS_PSK_WITH_AES_128_CBC_SHA256'];
  for (const suite of suites) {
    it(`${suite}: handshake and echo`, async () => {
      // node-dtls-client takes the PSK as a string: binary keys as latin1.
      expect(await exchange(echo.port, suite, Buffer.from(PSK_HEX, 'hex').toString('latin1'))).toBe(`echo:ndc ${suite}`);
      expect(echo.sessions.some((s) => s.kind === 'up' && s.security.cipherSuite === suite)).toBe(true);
    });
  }

  it('a wrong key fails the handshake and is reported', async () => {
    await expect(exchange(echo.port, 'TLS_PSK_WITH_AES_128_CCM_8', 'not-the-key-0000')).rejects.toThrow();
    expect(echo.failures.some((f) => f.identity === 'dev1')).toBe(true);
  });
});
