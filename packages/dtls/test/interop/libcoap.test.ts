/**
 * libcoap 4.3 (`coap-client-openssl`, `coap-client-gnutls`) with `-u`/`-k` (a text key in this version)
 * gets a CoAP 2.05 from a tiny hand-made CoAP responder running over our DTLS server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coapReply } from '../helpers/coapEcho.js';
import { startEchoServer, type EchoServer } from '../helpers/echoServer.js';
import { killAll, run } from '../helpers/processes.js';

describe('libcoap coap-client -> DtlsServer + CoAP echo', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer({}, (d) => coapReply(d, 'hello-coap') ?? Buffer.alloc(0));
  });
  afterAll(async () => {
    await echo.server.close();
    killAll();
  });

  for (const bin of ['coap-client-openssl', 'coap-client-gnutls']) {
    it(`${bin} gets 2.05 over DTLS with PSK`, async () => {
      const before = echo.sessions.filter((s) => s.kind === 'up').length;
      const r = await run(bin, ['-m', 'get', '-v', '6', '-B', '5', '-u', 'text-id', '-k', 'secretKey', `coaps://127.0.0.1:${echo.port}/test`], { timeoutMs: 10_000 });
      const out = r.stdout + r.stderr;
      expect(out).toMatch(/c:2\.05/);
      expect(r.stdout).toContain('hello-coap');
      const ups = echo.sessions.filter((s) => s.kind === 'up');
      expect(ups.length).toBe(before + 1);
      const last = ups[ups.length - 1];
      expect(last?.kind === 'up' && last.security.pskIdentity).toBe('text-id');
    });
  }

  it('coap-client-gnutls with a wrong key fails and is reported', async () => {
    const before = echo.failures.length;
    const r = await run('coap-client-gnutls', ['-m', 'get', '-B', '3', '-u', 'text-id', '-k', 'wrongKey', `coaps://127.0.0.1:${echo.port}/test`], { timeoutMs: 8000 });
    expect(r.stdout).not.toContain('hello-coap');
    expect(echo.failures.length).toBeGreaterThan(before);
    expect(echo.failures[echo.failures.length - 1]?.identity).toBe('text-id');
  });
});
