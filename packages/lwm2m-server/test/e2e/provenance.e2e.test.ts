/**
 * Provenance end to end on a dev chain: an application begins a transaction, reads and writes the
 * simulated device (SimDevice over DTLS), observes it (notifications continue the transaction),
 * ends it; the chain of the transaction comes back in order; a refused continuation answers 403
 * and is on record as invalid; a user sees only records within their clearance; every record is
 * anchored through AuditAnchor and a receipt verifies with one eth_call, the server closed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, sign } from 'node:crypto';
import { InMemoryAnomalyLog, InMemorySecurityStore, InMemoryUserDirectory, SystemClock } from '@chainm2m/lwm2m';
import { SimDevice } from '@chainm2m/client-sim';
import { ChainAnchorLedger, chainAnchorReader, connectChain, createPasswordVerifier, deploy, startDevChain, verifyPassword, type DevChain } from '@chainm2m/chain-adapter';
import { ProvenanceRecorder, RecordSigner, appSigningMessage, verifyReceipt, type Receipt } from '@chainm2m/provenance';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AppKeyRegistry,
  EndpointService,
  RecorderDeviceProvenance,
  UserService,
  recordServerEvents,
  apiEventsFromServer,
  bodyDigest,
  buildApp,
  deviceApiFromServer,
  startLwm2mServer,
  type Lwm2mServer,
} from '../../src/index.js';
import { securityInfo } from '../../src/testing/fixtures.js';

const enc = new TextEncoder();
const NOW = Math.floor(Date.now() / 1000);

describe('provenance end to end (SimDevice over DTLS, AuditAnchor on anvil)', () => {
  let dir: string;
  let chain: DevChain;
  let recorder: ProvenanceRecorder;
  let server: Lwm2mServer;
  let app: FastifyInstance;
  let device: SimDevice;
  const signer = RecordSigner.generate();
  const tokens: Record<string, string> = {};
  const security = new InMemorySecurityStore([{ ...securityInfo('sim-prov'), clearance: 3 }]);
  const appKey = generateKeyPairSync('ed25519');
  const appKeys = new AppKeyRegistry();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prov-e2e-'));
    chain = await startDevChain({ dataDir: dir });
    const privateKey = chain.privateKeys[0] as string;
    const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey, dataDir: dir });
    const conn = await connectChain({ rpcUrl: chain.rpcUrl, privateKey, deployment });
    const ledger = new ChainAnchorLedger({ connection: conn });
    await ledger.publishSigningKey(signer.publicKeyBytes32);
    recorder = await ProvenanceRecorder.open({ dir: join(dir, 'provenance'), signer, ledger, clock: SystemClock, batchSize: 4, intervalMs: 300 });
    server = await startLwm2mServer({ securityStore: security, host: '127.0.0.1', port: 0, requestTimeoutMs: 10_000, provenance: new RecorderDeviceProvenance(recorder, security) });
    recordServerEvents(server.events, recorder, security);
    const directory = new InMemoryUserDirectory(() => NOW);
    const users = new UserService(directory, { hash: (p) => createPasswordVerifier(p, { N: 1024, r: 8, p: 1 }), verify: verifyPassword });
    const endpoints = new EndpointService(security, { bootstrapServerUri: 'coaps://127.0.0.1:5784', serverUri: 'coaps://127.0.0.1:5684', shortServerId: 1, lifetime: 300, binding: 'U', clearance: 0 }, { next: () => 0.5, bytes: (n) => new Uint8Array(n).fill(7) }, 'test', () => NOW);
    app = await buildApp({
      users,
      endpoints,
      devices: deviceApiFromServer({ registrations: server.registrations, devices: server.devices }),
      anomalies: new InMemoryAnomalyLog('0xreporter', () => NOW),
      events: apiEventsFromServer(server.events),
      jwt: { keys: { algorithm: 'HS256', secret: 'a-test-secret-that-is-at-least-32-bytes-long' }, issuer: 'chainm2m', audience: 'chainm2m-api', expiresInSec: 3600 },
      nowSec: () => NOW,
      provenance: { recorder, appKeys },
    });
    for (const [username, clearance] of [['factory-app', 5], ['viewer', 1]] as const) {
      await users.add({ username, role: 'application', password: `${username}-password-1`, clearance });
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: `${username}-password-1` } });
      tokens[username] = (res.json() as { token: string }).token;
    }
    device = new SimDevice({ endpoint: 'sim-prov', autoUpdate: false });
    const info = await security.getByEndpoint('sim-prov');
    const t = device.objects;
    t.set(0, 1, 0, `coaps://127.0.0.1:${server.addresses.coaps.port}`);
    t.set(0, 1, 1, false);
    t.set(0, 1, 2, 0);
    t.set(0, 1, 3, enc.encode('sim-prov-id'));
    t.set(0, 1, 5, info?.server.key as Uint8Array);
    t.set(0, 1, 10, 101);
    t.set(1, 0, 0, 101);
    t.set(1, 0, 1, 300);
    t.set(1, 0, 7, 'U');
    await device.register();
  });
  afterAll(async () => {
    await device?.stop();
    await app?.close();
    await server?.close();
    await recorder?.close();
    await chain?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (user: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${tokens[user]}`, ...extra });

  it('a transaction of read, write, observe + notifications, end; the chain in order; receipts verify on chain', async () => {
    const begin = await app.inject({ method: 'POST', url: '/api/provenance/transactions', headers: as('factory-app') });
    expect(begin.statusCode).toBe(201);
    const { tx } = begin.json() as { tx: string };
    const h = { 'x-provenance-transaction': tx };

    const read = await app.inject({ method: 'GET', url: '/api/clients/sim-prov/3/0/0', headers: as('factory-app', h) });
    expect(read.statusCode).toBe(200);
    expect(read.headers['x-provenance-transaction']).toBe(tx);
    const readSeq = Number(read.headers['x-provenance-record']);

    // a write signed by the application (chain of signatures)
    const put = await app.inject({ method: 'PUT', url: '/api/provenance/keys', headers: as('factory-app'), payload: { publicKey: String(appKey.publicKey.export({ format: 'jwk' }).x) } });
    expect(put.statusCode).toBe(204);
    const body = { content: 'Asia/Tokyo' };
    const url = '/api/clients/sim-prov/3/0/15';
    const sig = sign(null, appSigningMessage('PUT', url, bodyDigest(body), tx), appKey.privateKey).toString('base64url');
    const write = await app.inject({ method: 'PUT', url, headers: as('factory-app', { ...h, 'x-provenance-signature': sig }), payload: body });
    expect(write.statusCode, write.body).toBe(204);
    const forged = await app.inject({ method: 'PUT', url, headers: as('factory-app', { ...h, 'x-provenance-signature': sig }), payload: { content: 'Europe/Paris' } });
    expect(forged.statusCode).toBe(403);

    const obs = await app.inject({ method: 'POST', url: '/api/clients/sim-prov/3/0/15/observe', headers: as('factory-app', h) });
    expect(obs.statusCode, obs.body).toBe(200);
    device.objects.set(3, 0, 15, 'Europe/Madrid');
    await vi.waitFor(() => expect(recorder.transaction(tx).some((r) => r.operation === 'notify')).toBe(true), { timeout: 10_000, interval: 20 });

    const end = await app.inject({ method: 'POST', url: `/api/provenance/transactions/${tx}/end`, headers: as('factory-app') });
    expect(end.statusCode).toBe(200);
    // continuing the closed transaction: 403 with the reason, recorded as invalid
    const late = await app.inject({ method: 'GET', url: '/api/clients/sim-prov/3/0/0', headers: as('factory-app', h) });
    expect(late.statusCode).toBe(403);
    expect(late.json()).toMatchObject({ code: 'PROV_REFUSED', message: `transaction ${tx} is closed` });
    const unknown = await app.inject({ method: 'GET', url: '/api/clients/sim-prov/3/0/0', headers: as('factory-app', { 'x-provenance-transaction': 'no-such-transaction' }) });
    expect(unknown.statusCode).toBe(403);

    const chainRes = await app.inject({ method: 'GET', url: `/api/provenance/tx/${tx}`, headers: as('factory-app') });
    const items = (chainRes.json() as { items: { seq: number; action: string; operation: string; sender: string; receiver: string; valid: boolean; appSignature: unknown }[] }).items;
    const ops = items.map((r) => [r.action, r.operation, r.valid]);
    expect(ops[0]).toEqual(['begin', 'transaction.begin', true]);
    expect(ops).toContainEqual(['continue', 'read', true]);
    expect(ops).toContainEqual(['continue', 'write', true]);
    expect(ops).toContainEqual(['continue', 'observe', true]);
    expect(items.find((r) => r.operation === 'notify')).toMatchObject({ sender: 'endpoint:sim-prov', receiver: 'user:factory-app', valid: true });
    expect(items.find((r) => r.operation === 'write')?.appSignature).toMatchObject({ method: 'PUT', target: url });
    expect(ops.at(-2)).toEqual(['end', 'transaction.end', true]);
    expect(ops.at(-1)).toEqual(['continue', 'read', false]);
    expect(items.map((r) => r.seq)).toEqual([...items.map((r) => r.seq)].sort((a, b) => a - b));

    // receipts: 404 with the expected time until anchored, then a receipt that verifies on chain
    const seq = recorder.lastSeq;
    const early = await app.inject({ method: 'GET', url: `/api/provenance/records/${seq}/receipt`, headers: as('factory-app') });
    if (early.statusCode === 404) expect(early.json()).toMatchObject({ code: 'PROV_NOT_ANCHORED', expectedAt: expect.any(String) as string });
    await vi.waitFor(async () => expect((await app.inject({ method: 'GET', url: `/api/provenance/records/${readSeq}/receipt`, headers: as('factory-app') })).statusCode).toBe(200), { timeout: 15_000, interval: 100 });
    const receipt = (await app.inject({ method: 'GET', url: `/api/provenance/records/${readSeq}/receipt`, headers: as('factory-app') })).json() as Receipt;
    const writeSeq = items.find((r) => r.operation === 'write')?.seq as number;
    await vi.waitFor(async () => expect((await app.inject({ method: 'GET', url: `/api/provenance/records/${writeSeq}/receipt`, headers: as('factory-app') })).statusCode).toBe(200), { timeout: 15_000, interval: 100 });
    const writeReceipt = (await app.inject({ method: 'GET', url: `/api/provenance/records/${writeSeq}/receipt`, headers: as('factory-app') })).json() as Receipt;
    const reader = chainAnchorReader(chain.rpcUrl);
    try {
      const v = await verifyReceipt(receipt, reader.read);
      expect(v.valid, JSON.stringify(v.checks)).toBe(true);
      const w = await verifyReceipt(writeReceipt, reader.read);
      expect(w.checks.map((c) => [c.name, c.ok])).toContainEqual(['appSignature', true]);
      expect(w.valid).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('clearance: a user sees only records whose sender and receiver are within their clearance', async () => {
    const all = (await app.inject({ method: 'GET', url: '/api/provenance?endpoint=sim-prov&limit=1000', headers: as('factory-app') })).json() as { items: { seq: number; senderClearance: number; receiverClearance: number }[] };
    expect(all.items.length).toBeGreaterThan(5);
    const low = (await app.inject({ method: 'GET', url: '/api/provenance?endpoint=sim-prov&limit=1000', headers: as('viewer') })).json() as { items: unknown[] };
    expect(low.items).toEqual([]);
    const one = all.items[0] as { seq: number };
    expect((await app.inject({ method: 'GET', url: `/api/provenance/records/${one.seq}`, headers: as('viewer') })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/api/provenance/records/${one.seq}`, headers: as('factory-app') })).statusCode).toBe(200);
    const invalid = (await app.inject({ method: 'GET', url: '/api/provenance?invalid=true', headers: as('factory-app') })).json() as { items: { valid: boolean; reason: string }[] };
    expect(invalid.items.map((r) => r.reason)).toEqual(expect.arrayContaining(['TRANSACTION_CLOSED', 'UNKNOWN_TRANSACTION']));
    expect(invalid.items.every((r) => !r.valid)).toBe(true);
    // newest first
    expect(all.items.map((r) => r.seq)).toEqual([...all.items.map((r) => r.seq)].sort((a, b) => b - a));
  });

  it('registration events are on record (the endpoint to the server)', async () => {
    await device.update();
    await vi.waitFor(() => expect(recorder.list({ endpoint: 'sim-prov', limit: 1000 }).items.map((r) => r.operation)).toEqual(expect.arrayContaining(['register', 'update'])), { timeout: 5_000, interval: 20 });
    expect(recorder.list({ endpoint: 'sim-prov', limit: 1000 }).items.find((r) => r.operation === 'register')).toMatchObject({ sender: 'endpoint:sim-prov', receiver: 'server', action: 'begin', valid: true });
  });

  it('a request without the header is a one-operation transaction', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/clients/sim-prov/3/0/0', headers: as('factory-app') });
    expect(res.statusCode).toBe(200);
    const tx = res.headers['x-provenance-transaction'] as string;
    const items = (await app.inject({ method: 'GET', url: `/api/provenance/tx/${tx}`, headers: as('factory-app') })).json() as { items: { action: string; provenance: string }[] };
    expect(items.items).toMatchObject([{ action: 'begin', provenance: 'user:factory-app' }]);
    const again = await app.inject({ method: 'GET', url: '/api/clients/sim-prov/3/0/0', headers: as('factory-app', { 'x-provenance-transaction': tx }) });
    expect(again.statusCode).toBe(403);
  });
});
