/**
 * libcoap (OpenSSL and GnuTLS builds) registers over DTLS 1.2 PSK: with the endpoint's own
 * LwM2M-server identity -> 2.01 with a Location; with another endpoint's identity -> 4.03.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InMemorySecurityStore } from '@chainm2m/lwm2m';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLwm2mServer, type HandshakeFailedEvent, type Lwm2mServer, type UnauthorizedEvent } from '../../src/index.js';
import { securityInfo } from '../../src/testing/fixtures.js';

const run = promisify(execFile);

async function coapClient(bin: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(bin, args, { timeout: 20_000 });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return (e.stdout ?? '') + (e.stderr ?? '');
  }
}

describe.each(['coap-client-openssl', 'coap-client-gnutls'])('%s registers over DTLS', (bin) => {
  let server: Lwm2mServer;
  const unauthorized: UnauthorizedEvent[] = [];
  const handshakeFailed: HandshakeFailedEvent[] = [];
  beforeAll(async () => {
    const store = new InMemorySecurityStore([securityInfo('dev1'), securityInfo('dev2')]);
    server = await startLwm2mServer({ securityStore: store, host: '127.0.0.1', port: 0 });
    server.events.on('unauthorized', (e) => unauthorized.push(e));
    server.events.on('handshakeFailed', (e) => handshakeFailed.push(e));
  });
  afterAll(async () => {
    await server?.close();
  });

  const uri = (ep: string): string => `coaps://127.0.0.1:${server.addresses.coaps.port}/rd?ep=${ep}&lt=300&lwm2m=1.1&b=U`;

  it('with the server identity of the endpoint: 2.01 and a Location', async () => {
    const out = await coapClient(bin, ['-m', 'post', '-v', '6', '-B', '10', '-t', '40', '-e', '</1/0>,</3/0>', '-u', 'dev1-id', '-k', 'dm-key-dev1', uri('dev1')]);
    expect(out).toMatch(/c:2\.01/);
    const reg = await server.registrations.get('dev1');
    expect(reg).toBeDefined();
    expect(out).toContain(`Location-Path:rd`);
    expect(out).toContain(reg?.id as string);
    expect(reg?.identity).toBe('dev1-id');
    expect(reg?.objectLinks.map((l) => l.path)).toEqual(['/1/0', '/3/0']);
  });

  it('updates (2.04) and de-registers (2.02) at the location, from a new DTLS session', async () => {
    const id = (await server.registrations.get('dev1'))?.id as string;
    const base = `coaps://127.0.0.1:${server.addresses.coaps.port}/rd/${id}`;
    const up = await coapClient(bin, ['-m', 'post', '-v', '6', '-B', '10', '-u', 'dev1-id', '-k', 'dm-key-dev1', `${base}?lt=600`]);
    expect(up).toMatch(/c:2\.04/);
    expect((await server.registrations.get('dev1'))?.lifetime).toBe(600);
    // Another endpoint's identity may not touch it.
    const foreign = await coapClient(bin, ['-m', 'delete', '-v', '6', '-B', '10', '-u', 'dev2-id', '-k', 'dm-key-dev2', base]);
    expect(foreign).toMatch(/c:4\.03/);
    const del = await coapClient(bin, ['-m', 'delete', '-v', '6', '-B', '10', '-u', 'dev1-id', '-k', 'dm-key-dev1', base]);
    expect(del).toMatch(/c:2\.02/);
    expect(await server.registrations.get('dev1')).toBeUndefined();
    // Register again for the remaining tests.
    const again = await coapClient(bin, ['-m', 'post', '-v', '6', '-B', '10', '-t', '40', '-e', '</1/0>,</3/0>', '-u', 'dev1-id', '-k', 'dm-key-dev1', uri('dev1')]);
    expect(again).toMatch(/c:2\.01/);
    unauthorized.length = 0;
  });

  it('registers with a large link-format payload sent block-wise (Block1, 64-byte blocks)', async () => {
    const links = Array.from({ length: 40 }, (_, i) => `</${3300 + i}/0>`).join(',');
    const out = await coapClient(bin, ['-m', 'post', '-v', '6', '-B', '10', '-b', '64', '-t', '40', '-e', links, '-u', 'dev2-id', '-k', 'dm-key-dev2', uri('dev2')]);
    expect(out).toMatch(/c:2\.01/);
    expect((await server.registrations.get('dev2'))?.objectLinks).toHaveLength(40);
  });

  it("with another endpoint's identity: 4.03, reported, nothing registered", async () => {
    const out = await coapClient(bin, ['-m', 'post', '-v', '6', '-B', '10', '-t', '40', '-e', '</3/0>', '-u', 'dev2-id', '-k', 'dm-key-dev2', uri('dev1-other')]);
    expect(out).toMatch(/c:4\.03/);
    expect(await server.registrations.get('dev1-other')).toBeUndefined();
    expect(unauthorized).toEqual([expect.objectContaining({ endpoint: 'dev1-other', identity: 'dev2-id', reason: 'identity-of-other-endpoint' })]);
  });

  it('a bootstrap identity cannot even open a DTLS session with the LwM2M server (reported)', async () => {
    const out = await coapClient(bin, ['-m', 'post', '-v', '6', '-B', '3', '-t', '40', '-e', '</3/0>', '-u', 'dev1-bs', '-k', 'bs-key-dev1', uri('dev1')]);
    expect(out).not.toMatch(/c:2\.01/);
    expect(handshakeFailed.some((e) => e.identity === 'dev1-bs')).toBe(true);
    expect((await server.registrations.get('dev1'))?.identity).toBe('dev1-id');
  });
});
