import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DeviceObjectModel, TemperatureObjectModel, type ObjectModel, InMemoryAnomalyLog, InMemorySecurityStore, InMemoryUserDirectory, isReadable, type Registration } from '@chainm2m/lwm2m';
import { createPasswordVerifier, verifyPassword } from '@chainm2m/chain-adapter';
import { InMemoryTrustLedger, computeTrust, interfaceDigest } from '@chainm2m/trust';
import { buildApp } from '../api/buildApp.js';
import { FakeDeviceApi, ManualEventSource } from '../api/testing/fakeDeviceApi.js';
import { EndpointService } from '../management/EndpointService.js';
import { UserService, type PasswordHasher } from '../management/UserService.js';
import { Lwm2mServerEvents } from '../events/ServerEvents.js';
import { TrustService, type TrustEvent } from './TrustService.js';
import { collectTrustEvidence, describeInterface, withResponseEvidence } from './trustEvidence.js';

const NOW = 1_796_385_600; // 2026-12-04T12:00:00Z
const SERVER = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const hasher: PasswordHasher = { hash: (p) => createPasswordVerifier(p, { N: 1024, r: 8, p: 1 }), verify: verifyPassword };

function registration(endpoint: string, objects: readonly string[] = ['/3/0', '/3303/0']): Registration {
  return {
    id: `r-${endpoint}`,
    endpoint,
    lifetime: 300,
    lwm2mVersion: '1.1',
    binding: 'U',
    queueMode: false,
    objectLinks: objects.map((path) => ({ path, objectId: Number(path.split('/')[1]), instanceId: Number(path.split('/')[2]) })),
    rootPath: '/',
    address: { address: '127.0.0.1', port: 40000 },
    identity: `${endpoint}-id`,
    registeredAt: NOW * 1000,
    lastUpdateAt: NOW * 1000,
  };
}

/** A /3/0 read answer with every mandatory readable resource, typed as the model says (minus `omit`). */
function deviceInstance(omit?: number, model: ObjectModel = DeviceObjectModel): unknown {
  const resources = [...model.resources.values()]
    .filter((r) => isReadable(r) && r.mandatory && r.id !== omit)
    .map((r) => ({ kind: 'singleResource', id: r.id, type: r.type, value: r.type === 'string' ? 'x' : 0 }));
  return { kind: 'objectInstance', id: 0, resources };
}

describe('TrustService', () => {
  let now: number;
  let ledger: InMemoryTrustLedger;
  let events: TrustEvent[];
  let trust: TrustService;
  beforeEach(async () => {
    now = NOW;
    ledger = new InMemoryTrustLedger();
    events = [];
    trust = await TrustService.start({ ledger, evaluator: SERVER, windowSeconds: 600, nowSec: () => now, params: { halfLifeSeconds: 3_600 }, onEvent: (e) => events.push(e) });
  });
  afterEach(async () => {
    await trust.close();
  });

  it('turns server events into one evaluation per device per window; a drop below 0.2 is an event', async () => {
    const serverEvents = new Lwm2mServerEvents();
    const security = new InMemorySecurityStore();
    await security.add({
      endpoint: 'dev-bad',
      bootstrap: { identity: 'dev-bad-bs', key: new Uint8Array(16).fill(1) },
      server: { identity: 'dev-bad-id', key: new Uint8Array(16).fill(2), serverUri: 'coaps://127.0.0.1:5684', shortServerId: 1, lifetime: 300, binding: 'U' },
      clearance: 0,
      registrar: 'test',
      createdAt: NOW,
      updatedAt: NOW,
    } as never);
    const stop = collectTrustEvidence({ trust, events: serverEvents, security });
    serverEvents.emit('registered', { registration: registration('dev-good') });
    serverEvents.emit('registered', { registration: registration('dev-bad') });
    for (let i = 0; i < 3; i++) serverEvents.emit('updated', { registration: registration('dev-good'), previous: registration('dev-good') });
    for (let i = 0; i < 4; i++) serverEvents.emit('handshakeFailed', { peer: { address: '10.0.0.7', port: 5000 }, identity: 'dev-bad-id', reason: 'bad Finished (wrong key?)', at: NOW * 1000 });
    serverEvents.emit('handshakeFailed', { peer: { address: '10.0.0.7', port: 5000 }, identity: 'nobody', reason: 'unknown identity', at: NOW * 1000 });
    serverEvents.emit('expired', { registration: registration('dev-bad') });
    await new Promise((r) => setImmediate(r)); // identity look-ups
    now += 600;
    const written = await trust.closeWindow();
    expect(written.map((e) => e.subject)).toEqual(['dev-bad', 'dev-good']);
    expect(new Set(written.map((e) => e.txHash)).size).toBe(1); // one transaction for the window
    // good: registered + authenticated + 3 updates = +1; bad: F = 2, B = 4*2 + 3 = 11 -> -9/13
    expect(trust.get('dev-good')?.score).toBe(1_000_000);
    expect(trust.get('dev-bad')?.score).toBe(-692_308);
    expect(events).toEqual([{ type: 'trust-drop', endpoint: 'dev-bad', data: { previous: null, score: -692_308, threshold: 200_000, asOf: NOW + 600 } }]);
    const v = await trust.view('dev-bad');
    expect(v.evidence.total).toMatchObject({ registered: 1, authenticated: 1, handshakeFailed: 4, lifetimeExpired: 1 });
    expect(v.recent).toHaveLength(1);
    expect((await trust.verify('dev-bad')).matches).toBe(true);
    expect(await trust.closeWindow()).toEqual([]); // quiet window: nothing written
    stop();
  });

  it('records interface changes; a change flags re-evaluation; a probe evaluation clears it', async () => {
    const r1 = await trust.observeInterface('dev-1', describeInterface(registration('dev-1'), { manufacturer: 'Acme', model: 'TH-2', firmwareVersion: '2.4.1' }));
    expect(r1).toMatchObject({ index: 0, digest: interfaceDigest({ objectLinks: [{ path: '/3/0' }, { path: '/3303/0' }], manufacturer: 'Acme', model: 'TH-2', firmwareVersion: '2.4.1' }) });
    expect(await trust.observeInterface('dev-1', describeInterface(registration('dev-1'), { manufacturer: 'Acme', model: 'TH-2', firmwareVersion: '2.4.1' }))).toBeUndefined();
    expect(events).toEqual([]);
    const r2 = await trust.observeInterface('dev-1', describeInterface(registration('dev-1', ['/3/0', '/3303/0', '/3311/0'])));
    expect(r2?.index).toBe(1);
    expect(events).toEqual([{ type: 'trust-reevaluate', endpoint: 'dev-1', data: { index: 1, digest: r2?.digest, txHash: r2?.txHash, at: NOW } }]);
    expect(trust.pendingReevaluation()).toEqual(['dev-1']);
    expect((await trust.view('dev-1')).interfaces.map((r) => r.index)).toEqual([0, 1]);
    await trust.submit({ subject: 'dev-1', evaluator: trust.probeEvaluator, score: 900_000, weight: 1_000, kind: 1, evidence: `0x${'11'.repeat(32)}`, at: NOW });
    expect(trust.pendingReevaluation()).toEqual([]);
  });

  it('keeps a window whose write failed and sends it with the next one', async () => {
    trust.record('dev-1', 'updateOnTime');
    const failing = ledger.addEvaluations.bind(ledger);
    let fail = true;
    ledger.addEvaluations = async (e) => {
      if (fail) throw Object.assign(new Error('chain down'), { code: 'TRUST_LEDGER_UNAVAILABLE' });
      return failing(e);
    };
    await expect(trust.closeWindow(NOW + 600)).rejects.toThrow(/chain down/);
    expect(trust.pendingEvaluations()).toBe(1);
    fail = false;
    trust.record('dev-1', 'updateOnTime');
    const written = await trust.closeWindow(NOW + 1_200);
    expect(written.map((e) => e.at)).toEqual([NOW + 600, NOW + 1_200]);
    expect(trust.pendingEvaluations()).toBe(0);
  });

  it('withResponseEvidence counts answers, timeouts and malformed answers per device', async () => {
    const devices = new FakeDeviceApi();
    devices.registrations.set('dev-1', registration('dev-1'));
    devices.values.set('dev-1/3303/0/5700', 21.5);
    const api = withResponseEvidence(devices, trust);
    await api.read('dev-1', '/3303/0/5700', {});
    await expect(api.read('dev-1', '/3303/0/5701', {})).rejects.toMatchObject({ code: 'SRV_DEVICE_ERROR' });
    devices.read = async () => {
      throw Object.assign(new Error('timeout'), { code: 'SRV_DEVICE_TIMEOUT' });
    };
    await expect(api.read('dev-1', '/3303/0/5700', {})).rejects.toMatchObject({ code: 'SRV_DEVICE_TIMEOUT' });
    await expect(trust.view('dev-1').then((v) => v.evidence.window)).resolves.toMatchObject({ responseOnTime: 2, responseTimeout: 1 });
  });
});

describe('trust routes', () => {
  let app: FastifyInstance;
  let devices: FakeDeviceApi;
  let ledger: InMemoryTrustLedger;
  let trust: TrustService;
  const tokens: Record<string, string> = {};
  beforeEach(async () => {
    ledger = new InMemoryTrustLedger();
    trust = await TrustService.start({ ledger, evaluator: SERVER, nowSec: () => NOW, params: { halfLifeSeconds: 3_600 } });
    devices = new FakeDeviceApi();
    devices.registrations.set('dev-1', registration('dev-1'));
    devices.registrations.set('dev-2', registration('dev-2', ['/3/0']));
    devices.values.set('dev-1/3/0', deviceInstance());
    devices.values.set('dev-1/3303/0', deviceInstance(undefined, TemperatureObjectModel));
    devices.values.set('dev-2/3/0', deviceInstance(16));
    for (const r of [...DeviceObjectModel.resources.values()].filter((r) => isReadable(r) && r.mandatory)) {
      devices.values.set(`dev-1/3/0/${r.id}`, { kind: 'singleResource', id: r.id, type: r.type, value: 0 });
    }
    const users = new UserService(new InMemoryUserDirectory(() => NOW), hasher);
    const endpoints = new EndpointService(new InMemorySecurityStore(), { bootstrapServerUri: 'coaps://127.0.0.1:5784', serverUri: 'coaps://127.0.0.1:5684', shortServerId: 1, lifetime: 300, binding: 'U', clearance: 0 }, { next: () => 0.5, bytes: (n) => new Uint8Array(n) }, 'test', () => NOW);
    await endpoints.create({ endpoint: 'secret-dev', clearance: 5 });
    app = await buildApp({ users, endpoints, devices, anomalies: new InMemoryAnomalyLog('0x', () => NOW), events: new ManualEventSource(), trust, jwt: { keys: { algorithm: 'HS256', secret: 'a-test-secret-that-is-at-least-32-bytes-long' }, issuer: 'chainm2m', audience: 'chainm2m-api', expiresInSec: 3600 }, nowSec: () => NOW });
    for (const role of ['user', 'application'] as const) {
      await users.add({ username: `${role}1`, role, password: `${role}-password`, clearance: 1 });
      tokens[role] = (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: `${role}1`, password: `${role}-password` } })).json().token;
    }
    await ledger.addEvaluations([
      { subject: 'dev-1', evaluator: SERVER, score: 800_000, weight: 1_000, kind: 0, evidence: `0x${'01'.repeat(32)}`, at: NOW - 3_600 },
      { subject: 'dev-2', evaluator: SERVER, score: -300_000, weight: 1_000, kind: 0, evidence: `0x${'02'.repeat(32)}`, at: NOW },
      { subject: 'secret-dev', evaluator: SERVER, score: -900_000, weight: 1_000, kind: 0, evidence: `0x${'03'.repeat(32)}`, at: NOW },
    ]);
    trust.noteObjects('dev-1', describeInterface(registration('dev-1')));
    trust.noteObjects('dev-2', describeInterface(registration('dev-2', ['/3/0'])));
  });
  afterEach(async () => {
    await app.close();
    await trust.close();
  });
  const auth = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

  it('GET /api/trust/:subject: score, evaluations with tx hashes, params; ?verify=true recomputes from the ledger', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/trust/dev-1?verify=true', headers: auth('user') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ subject: 'dev-1', score: 0.8, scoreFixed: 800_000, known: true, asOf: NOW, evaluations: 1, verification: { matches: true, recomputed: 800_000, chainEvaluations: 1 } });
    expect(body.recent[0]).toMatchObject({ evaluator: SERVER, score: 0.8, kind: 'Obligations', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(body.params).toEqual({ halfLifeSeconds: 3_600, trustedEvaluators: [SERVER, `probe:${SERVER}`], unknownEvaluatorTrust: 500_000, depth: 2 });
    // the verifier's own recomputation from the ledger with the reported params gives the same
    expect(computeTrust(await ledger.readEvaluations(), 'dev-1', body.asOf, body.params).score).toBe(body.scoreFixed);
    const unknown = (await app.inject({ method: 'GET', url: '/api/trust/dev-9', headers: auth('user') })).json();
    expect(unknown).toMatchObject({ score: null, known: false, evaluations: 0 });
    expect((await app.inject({ method: 'GET', url: '/api/trust/secret-dev', headers: auth('user') })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/trust/dev-1' })).statusCode).toBe(401);
  });

  it('GET /api/trust?below= and ?objects=&min= list what the caller may see, in order', async () => {
    const low = (await app.inject({ method: 'GET', url: '/api/trust?below=0.2', headers: auth('user') })).json();
    expect(low.items.map((i: { subject: string }) => i.subject)).toEqual(['dev-2']); // secret-dev hidden by clearance
    const providers = (await app.inject({ method: 'GET', url: '/api/trust?objects=3303&min=0.5', headers: auth('user') })).json();
    expect(providers.items).toEqual([{ subject: 'dev-1', score: 0.8, scoreFixed: 800_000, asOf: NOW, evaluations: 1, objects: [3, 3303] }]);
    const all = (await app.inject({ method: 'GET', url: '/api/trust?objects=3', headers: auth('user') })).json();
    expect(all.items.map((i: { subject: string }) => i.subject)).toEqual(['dev-1', 'dev-2']);
    expect((await app.inject({ method: 'GET', url: '/api/trust?objects=33x', headers: auth('user') })).statusCode).toBe(400);
  });

  it('POST /api/trust/evaluations: application users evaluate as user:<name>; bad input is 400', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/trust/evaluations', headers: auth('application'), payload: { subject: 'dev-1', score: -0.5, report: 'battery lies' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ subject: 'dev-1', evaluator: 'user:application1', score: -0.5, kind: 'External', weight: 1 });
    expect((await ledger.readEvaluations('dev-1')).at(-1)?.evaluator).toBe('user:application1');
    // an unknown evaluator counts 0.5: (0.8 * 0.5 - 0.5 * 0.5) / 1 = 0.15  (dev-1's first evaluation is one half-life old)
    expect(trust.get('dev-1')?.score).toBe(150_000);
    expect((await app.inject({ method: 'POST', url: '/api/trust/evaluations', headers: auth('user'), payload: { subject: 'dev-1', score: 1, report: 'x' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/trust/evaluations', headers: auth('application'), payload: { subject: 'dev-1', score: 1.5, report: 'x' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/trust/evaluations', headers: auth('application'), payload: { subject: 'dev-1', score: 1 } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/trust/evaluations', headers: auth('application'), payload: { subject: 'secret-dev', score: 1, report: 'x' } })).statusCode).toBe(403);
  });

  it('POST /api/trust/probe/:ep checks mandatory resources, types, latency and observe, and records the verdict', async () => {
    const good = await app.inject({ method: 'POST', url: '/api/trust/probe/dev-1', headers: auth('application') });
    expect(good.statusCode).toBe(201);
    const g = good.json();
    expect(g.report.checks.filter((c: { ok: boolean }) => !c.ok)).toEqual([]);
    expect(g.report.checks.map((c: { name: string }) => c.name)).toContain('observe');
    expect(g.evaluation).toMatchObject({ subject: 'dev-1', evaluator: `probe:${SERVER}`, score: 1, kind: 'Probe' });
    const bad = (await app.inject({ method: 'POST', url: '/api/trust/probe/dev-2', headers: auth('application') })).json();
    expect(bad.report.checks).toContainEqual({ name: 'mandatory-present', path: '/3/0/16', ok: false, detail: 'missing' });
    expect(bad.evaluation.score).toBeLessThan(1);
    expect((await app.inject({ method: 'POST', url: '/api/trust/probe/nobody', headers: auth('application') })).statusCode).toBe(404);
  });
});
