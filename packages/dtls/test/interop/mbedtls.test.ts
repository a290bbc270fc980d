/**
 * mbedTLS 2.28 (Debian `libmbedtls-dev`) with its default settings as the client — the library field
 * LwM2M clients are built on: the handshake completes, data flows, and a saved session is resumed.
 * Debian's 2.28.3 sends its first ClientHello in an `fe ff` record here; the `fe 00` record reported
 * from a field client is covered byte by byte in test/e2e/recordVersions.test.ts. The client (`mbedtls/psk_client.c`) is compiled with gcc into a temporary
 * directory; the test is skipped where gcc or the mbedTLS headers are missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeUdpSocket, type PeerAddress, type UdpSocket } from '../../src/index.js';
import { PSK_HEX, startEchoServer, type EchoServer } from '../helpers/echoServer.js';
import { run } from '../helpers/processes.js';

const source = fileURLToPath(new URL('./mbedtls/psk_client.c', import.meta.url));
const available = existsSync('/usr/include/mbedtls/ssl.h');
let dir = '';
let binary = '';

/** Records the record-layer version of every epoch-0 ClientHello the server receives. */
class Recording implements UdpSocket {
  readonly helloVersions: string[] = [];
  constructor(private readonly inner: NodeUdpSocket) {}
  send(data: Uint8Array, peer: PeerAddress, done?: (err: Error | null) => void): void {
    this.inner.send(data, peer, done);
  }
  onMessage(h: (data: Buffer, peer: PeerAddress) => void): void {
    this.inner.onMessage((d, p) => {
      if (d[0] === 22 && d.readUInt16BE(3) === 0 && d[13] === 1) this.helloVersions.push(d.subarray(1, 3).toString('hex'));
      h(d, p);
    });
  }
  address(): PeerAddress {
    return this.inner.address();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe.skipIf(!available)('mbedTLS 2.28 client (default settings) -> DtlsServer', () => {
  let echo: EchoServer;
  let socket: Recording;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dtls-mbedtls-'));
    binary = join(dir, 'psk_client');
    execFileSync('gcc', ['-O1', '-o', binary, source, '-lmbedtls', '-lmbedx509', '-lmbedcrypto'], { timeout: 60_000 });
    socket = new Recording(await NodeUdpSocket.bind({ host: '127.0.0.1', port: 0 }));
    echo = await startEchoServer({ socket });
  }, 90_000);
  afterAll(async () => {
    await echo?.server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('its ClientHello (0xfe record version) gets a HelloVerifyRequest; the handshake completes and data flows', async () => {
    const r = await run(binary, ['127.0.0.1', String(echo.port), 'dev1', PSK_HEX, 'hello from mbedtls'], { timeoutMs: 30_000 });
    expect(r.stdout).toContain('round 1: handshake ok, DTLSv1.2');
    expect(r.stdout).toContain('round 1: reply echo:hello from mbedtls');
    expect(['fe00', 'feff', 'fefd']).toContain(socket.helloVersions[0]);
    expect(echo.server.stats().helloVerifyRequestsSent).toBeGreaterThanOrEqual(1);
  });

  it('resumes its saved session (abbreviated handshake)', async () => {
    const before = echo.server.stats().handshakesResumed;
    const r = await run(binary, ['127.0.0.1', String(echo.port), 'dev1', PSK_HEX, 'again', 'resume'], { timeoutMs: 30_000 });
    expect(r.stdout).toContain('round 2: handshake ok, DTLSv1.2');
    expect(r.stdout).toContain('round 2: reply echo:again');
    expect(echo.server.stats().handshakesResumed - before).toBe(1);
  });
});
