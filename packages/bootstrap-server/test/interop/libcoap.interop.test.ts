/**
 * libcoap's coap-client (OpenSSL and GnuTLS builds) as a DTLS PSK peer: POST /bs with the
 * bootstrap identity gets 2.04; with another endpoint's bootstrap identity it gets 4.03. libcoap
 * 4.3.1 takes `-k` as text, so the keys here are printable. A Bootstrap-Request after which the
 * client goes silent, or leaves, ends as a failed session: an anomaly and the failure counter.
 */
import { spawn } from 'node:child_process';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemoryAnomalyLog, InMemorySecurityStore } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { reportBootstrapAnomalies, startBootstrapServer, type BootstrapServer } from '../../src/index.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const devA = makeSecurityInfo('libcoap-a', { bootstrap: { serverUri: 'coaps://127.0.0.1:5784', identity: 'libcoap-a-bs', key: text('bootstrapKeyA123') } });
const devB = makeSecurityInfo('libcoap-b', { bootstrap: { serverUri: 'coaps://127.0.0.1:5784', identity: 'libcoap-b-bs', key: text('bootstrapKeyB456') } });

// Installed here and by .ci/run (libcoap3-bin); a missing binary fails the test rather than skipping it.
const clients = ['coap-client-openssl', 'coap-client-gnutls'];
let server: BootstrapServer;
const started: string[] = [];
const handshakeFailures: (string | undefined)[] = [];

beforeAll(async () => {
  server = await startBootstrapServer({
    securityStore: new InMemorySecurityStore([devA, devB]),
    host: '127.0.0.1',
    port: 0,
    policy: { stepTimeoutMs: 1000, maxAttempts: 1 },
  });
  server.events.on('started', (e) => started.push(e.endpoint));
  server.events.on('handshakeFailed', (e) => handshakeFailures.push(e.identity));
});
afterAll(async () => {
  await server?.close();
});

/** Runs coap-client with a hard kill after 10 s; resolves with its combined output. */
function coapClient(bin: string, identity: string, key: string, uri: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['-m', 'post', '-v', '6', '-B', '5', '-u', identity, '-k', key, uri], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', (err) => (out += `spawn error: ${err.message}`));
    child.on('close', () => {
      clearTimeout(killer);
      resolve(out);
    });
  });
}

describe('libcoap coap-client against the bootstrap server', () => {
  it.each(clients)('%s with the bootstrap identity gets 2.04 to POST /bs?ep=…', async (bin) => {
    const out = await coapClient(bin, devA.bootstrap.identity, 'bootstrapKeyA123', `coaps://127.0.0.1:${server.address.port}/bs?ep=${devA.endpoint}`);
    expect(out).toMatch(/c:2\.04/);
    expect(started).toContain(devA.endpoint);
  });

  it.each(clients)('%s with another endpoint\'s bootstrap identity gets 4.03', async (bin) => {
    const out = await coapClient(bin, devB.bootstrap.identity, 'bootstrapKeyB456', `coaps://127.0.0.1:${server.address.port}/bs?ep=${devA.endpoint}`);
    expect(out).toMatch(/c:4\.03/);
    expect(out).not.toMatch(/c:2\.04/);
  });

  it.each(clients)('%s with a wrong key gets no answer (handshake refused)', async (bin) => {
    const before = handshakeFailures.length;
    const out = await coapClient(bin, devA.bootstrap.identity, 'wrongKeyWrongKey', `coaps://127.0.0.1:${server.address.port}/bs?ep=${devA.endpoint}`);
    expect(out).not.toMatch(/c:2\.04/);
    expect(handshakeFailures.slice(before)).toContain(devA.bootstrap.identity);
  });
});

/**
 * A UDP relay between coap-client and the server that can go dark: after `cut()` nothing passes
 * either way (the device vanished: no answer, no close_notify).
 */
async function relay(target: { address: string; port: number }): Promise<{ port: number; cut(): void; close(): void }> {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  let client: RemoteInfo | undefined;
  let dark = false;
  front.on('message', (m, from) => {
    client = from;
    if (!dark) back.send(m, target.port, target.address);
  });
  back.on('message', (m) => {
    if (!dark && client) front.send(m, client.port, client.address);
  });
  await Promise.all([new Promise<void>((r) => front.bind(0, '127.0.0.1', r)), new Promise<void>((r) => back.bind(0, '127.0.0.1', r))]);
  return {
    port: front.address().port,
    cut: () => (dark = true),
    close: () => {
      front.close();
      back.close();
    },
  };
}

describe('a coap-client that asks for bootstrap and then does not take part', () => {
  const STEP_MS = 1500;
  let quiet: BootstrapServer;
  const anomalies = new InMemoryAnomalyLog();
  let reporting: ReturnType<typeof reportBootstrapAnomalies>;
  beforeAll(async () => {
    quiet = await startBootstrapServer({ securityStore: new InMemorySecurityStore([devA]), host: '127.0.0.1', port: 0, policy: { stepTimeoutMs: STEP_MS, maxAttempts: 1 } });
    reporting = reportBootstrapAnomalies({ events: quiet.events, log: anomalies });
  });
  afterAll(async () => {
    reporting?.stop();
    await quiet?.close();
  });

  it('coap-client-openssl goes silent after POST /bs: at the step deadline the session fails, an anomaly and the failure counter say so', async () => {
    const r = await relay(quiet.address);
    const failed = quiet.events.once('failed');
    // The relay goes dark the moment the server has accepted the request (before its 2.04 leaves).
    const off = quiet.events.on('started', () => r.cut());
    try {
      await coapClient('coap-client-openssl', devA.bootstrap.identity, 'bootstrapKeyA123', `coaps://127.0.0.1:${r.port}/bs?ep=${devA.endpoint}`);
      const f = await failed;
      expect(f).toMatchObject({ endpoint: devA.endpoint, operation: 'bootstrap-discover', path: '/0', code: 'timeout', reason: 'no response to Bootstrap-Discover /0 after 1 attempt' });
      expect(f.durationMs).toBeGreaterThanOrEqual(STEP_MS);
      expect(quiet.stats().bootstrap.failed).toBe(1);
      await vi.waitFor(async () => {
        await reporting.flush();
        const { items } = await anomalies.query({ endpoint: devA.endpoint });
        expect(items).toEqual([expect.objectContaining({ kind: 'bootstrap-failed', value: expect.stringContaining('no response to Bootstrap-Discover /0 after 1 attempt; code=timeout') })]);
      });
    } finally {
      off();
      r.close();
    }
  }, 20_000);

  it('coap-client-openssl leaves after its 2.04 (close_notify): the session fails at once, reported too', async () => {
    const failed = quiet.events.once('failed');
    const out = await coapClient('coap-client-openssl', devA.bootstrap.identity, 'bootstrapKeyA123', `coaps://127.0.0.1:${quiet.address.port}/bs?ep=${devA.endpoint}`);
    expect(out).toMatch(/c:2\.04/);
    expect(await failed).toMatchObject({ endpoint: devA.endpoint, reason: expect.stringMatching(/^DTLS session closed/) });
    expect(quiet.stats().bootstrap.failed).toBe(2);
    await vi.waitFor(async () => {
      await reporting.flush();
      expect((await anomalies.query({ endpoint: devA.endpoint })).items.map((a) => a.value)).toContainEqual(expect.stringMatching(/^DTLS session closed/));
    });
  }, 20_000);
});
