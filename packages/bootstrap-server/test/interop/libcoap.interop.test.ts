/**
 * libcoap's coap-client (OpenSSL and GnuTLS builds) as a DTLS PSK peer: POST /bs with the
 * bootstrap identity gets 2.04; with another endpoint's bootstrap identity it gets 4.03. libcoap
 * 4.3.1 takes `-k` as text, so the keys here are printable.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySecurityStore } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { startBootstrapServer, type BootstrapServer } from '../../src/index.js';

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
