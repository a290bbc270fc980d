/**
 * End to end on a dev chain (issue: LwM2M server acceptance): an endpoint added through the REST
 * API; a simulated device bootstraps and registers over DTLS; an application logs in, reads
 * /3303/0/5700, writes a resource, executes one, observes one and receives notifications over SSE;
 * adds an anomaly and lists it back from the chain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClientProfiles, SimDevice } from '@chainm2m/client-sim';
import { readBootstrapFailures } from '../../src/stack/bootstrapFailures.js';
import { loadConfig } from '../../src/config.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';

const ADMIN_PASSWORD = 'e2e-admin-password';
let stack: Stack;
let dataDir: string;
let base: string;
let device: SimDevice | undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are checked field by field
type Json = any;

async function api(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: () => Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text) };
}

async function login(username: string, password: string): Promise<string> {
  const r = await api('POST', '/api/auth/login', undefined, { username, password });
  expect(r.status).toBe(200);
  return r.json().token as string;
}

/** Opens /api/events and resolves with the first event of `type` (the stream is then closed). */
function nextEvent(token: string, type: string, trigger: () => Promise<void>): Promise<{ event: string; data: Json }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${base}/api/events?types=${type}`);
    const req = httpRequest({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let buf = '';
      let triggered = false;
      res.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        if (!triggered && buf.includes(': connected')) {
          triggered = true;
          trigger().catch(reject);
        }
        const m = /event: ([\w-]+)\ndata: (.*)\n\n/.exec(buf);
        if (m) {
          req.destroy();
          resolve({ event: m[1] as string, data: JSON.parse(m[2] as string) });
        }
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end();
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-e2e-'));
  const config = loadConfig({ 'data-dir': dataDir, 'bs-port': '0', 'coap-port': '0', 'api-port': '0', 'chain-port': '0' }, {});
  stack = await startStack({ config, env: { CHAINM2M_ADMIN_PASSWORD: ADMIN_PASSWORD }, log: () => undefined });
  base = `http://127.0.0.1:${stack.ports.api}`;
}, 120_000);

afterAll(async () => {
  await device?.stop();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the whole stack on a dev chain', () => {
  it('takes an endpoint from the API to a bootstrapped, registered, managed device', async () => {
    const admin = await login('admin', ADMIN_PASSWORD);
    const created = await api('POST', '/api/endpoints', admin, { endpoint: 'e2e-dev-1' });
    expect(created.status).toBe(201);
    const keys = created.json();

    const addApp = await api('POST', '/api/users', admin, { username: 'app1', role: 'application', password: 'app1-password' });
    expect(addApp.status).toBe(201);
    const app = await login('app1', 'app1-password');

    device = new SimDevice({
      endpoint: 'e2e-dev-1',
      bootstrap: { uri: `coaps://127.0.0.1:${stack.ports.bootstrap}`, identity: keys.bsIdentity, key: new Uint8Array(Buffer.from(keys.bsPskHex, 'hex')) },
    });
    await device.bootstrap();
    await device.register();

    const client = await api('GET', '/api/clients/e2e-dev-1', app);
    expect(client.status).toBe(200);
    expect(client.json()).toMatchObject({ endpoint: 'e2e-dev-1', secure: true, identity: 'e2e-dev-1' });

    const temp = await api('GET', '/api/clients/e2e-dev-1/3303/0/5700', app);
    expect(temp.status).toBe(200);
    expect(temp.json().content).toMatchObject({ kind: 'singleResource', id: 5700, type: 'float', value: expect.any(Number) });

    expect((await api('PUT', '/api/clients/e2e-dev-1/3311/0/5850', app, { content: true })).status).toBe(204);
    expect((await api('GET', '/api/clients/e2e-dev-1/3311/0/5850', app)).json().content).toMatchObject({ value: true });
    expect((await api('PUT', '/api/clients/e2e-dev-1/3311/0/5850', app, { content: false })).status).toBe(204);
    expect((await api('GET', '/api/clients/e2e-dev-1/3311/0/5850', app)).json().content).toMatchObject({ value: false });

    const events: string[] = [];
    device.onEvent((e) => events.push(e.kind));
    expect((await api('POST', '/api/clients/e2e-dev-1/3/0/4', app)).status).toBe(204);
    for (let i = 0; i < 50 && !events.includes('reboot'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(events).toContain('reboot');

    expect((await api('PUT', '/api/clients/e2e-dev-1/3303/0/5700/attributes?pmin=0&pmax=1', app)).status).toBe(204);
    const note = await nextEvent(app, 'notification', async () => {
      const obs = await api('POST', '/api/clients/e2e-dev-1/3303/0/5700/observe', app);
      expect(obs.status).toBe(200);
    });
    expect(note.event).toBe('notification');
    expect(note.data).toMatchObject({ endpoint: 'e2e-dev-1', paths: ['/3303/0/5700'], content: { id: 5700, value: expect.any(Number) } });
    expect((await api('DELETE', '/api/clients/e2e-dev-1/3303/0/5700/observe', app)).status).toBe(204);

    const anomaly = await api('POST', '/api/anomalies', app, { endpoint: 'e2e-dev-1', severity: 4, kind: 'temperature-out-of-range', value: '81.5', collectedAt: 1_800_000_000 });
    expect(anomaly.status).toBe(201);
    const listed = await api('GET', '/api/anomalies?endpoint=e2e-dev-1', app);
    expect(listed.json().items).toEqual([expect.objectContaining({ endpoint: 'e2e-dev-1', kind: 'temperature-out-of-range', value: '81.5', collectedAt: 1_800_000_000 })]);
    expect(await stack.stores.anomalies.count()).toBe(1);
  }, 90_000);

  it('refuses a device using another endpoint’s bootstrap identity and records the attempt as an anomaly of the identity’s owner', async () => {
    const admin = await login('admin', ADMIN_PASSWORD);
    const a = (await api('POST', '/api/endpoints', admin, { endpoint: 'e2e-a' })).json();
    await api('POST', '/api/endpoints', admin, { endpoint: 'e2e-b' });
    const intruder = new SimDevice({
      endpoint: 'e2e-b',
      bootstrap: { uri: `coaps://127.0.0.1:${stack.ports.bootstrap}`, identity: a.bsIdentity, key: new Uint8Array(Buffer.from(a.bsPskHex, 'hex')) },
      bootstrapTimeoutMs: 5_000,
      requestTimeoutMs: 5_000,
    });
    await expect(intruder.bootstrap()).rejects.toThrow();
    await intruder.stop();
    // Attributed to the device that misbehaved: the owner of the identity it used (e2e-a).
    for (let i = 0; i < 50 && (await stack.stores.anomalies.query({ endpoint: 'e2e-a' })).items.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const { items } = await stack.stores.anomalies.query({ endpoint: 'e2e-a' });
    expect(items).toEqual([expect.objectContaining({ kind: 'unauthorized-bootstrap', value: expect.stringContaining('requested ep=e2e-b') })]);
  }, 60_000);

  it('a bootstrap the device refuses is visible: event on /api/events, anomaly, /metrics counter, status file', async () => {
    const admin = await login('admin', ADMIN_PASSWORD);
    const keys = (await api('POST', '/api/endpoints', admin, { endpoint: 'e2e-refuser' })).json();
    const { description: _d, ...profile } = RealClientProfiles.refusesServerWrite;
    const refuser = new SimDevice({
      endpoint: 'e2e-refuser',
      bootstrap: { uri: `coaps://127.0.0.1:${stack.ports.bootstrap}`, identity: keys.bsIdentity, key: new Uint8Array(Buffer.from(keys.bsPskHex, 'hex')) },
      bootstrapTimeoutMs: 5_000,
      ...profile,
    });
    const before = Number(/chainm2m_bootstrap_failures_total (\d+)/.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 'NaN');
    const ev = await nextEvent(admin, 'bootstrap-failed', async () => {
      void refuser.bootstrap().catch(() => undefined);
    });
    await refuser.stop();
    expect(ev.data).toMatchObject({
      endpoint: 'e2e-refuser',
      operation: 'bootstrap-write',
      path: '/1/0',
      code: '4.00',
      diagnostic: 'lifetime below the minimum of 3600 s',
      peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(Number(/chainm2m_bootstrap_failures_total (\d+)/.exec(metrics)?.[1])).toBe(before + 1);
    expect(metrics).toContain('# TYPE chainm2m_bootstrap_failures_total counter');
    for (let i = 0; i < 50 && (await stack.stores.anomalies.query({ endpoint: 'e2e-refuser' })).items.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await stack.stores.anomalies.query({ endpoint: 'e2e-refuser' })).items).toEqual([
      expect.objectContaining({ kind: 'bootstrap-failed', value: expect.stringContaining('refused with 4.00 (lifetime below the minimum of 3600 s)') }),
    ]);
    for (let i = 0; i < 50 && !readBootstrapFailures(dataDir)?.last.some((f) => f.endpoint === 'e2e-refuser'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readBootstrapFailures(dataDir)?.last.at(-1)).toMatchObject({ endpoint: 'e2e-refuser', step: 'bootstrap-write /1/0', code: '4.00' });
  }, 60_000);

  it('a device keeping its bootstrap account at /0/1 (as Anjay does) bootstraps and registers with the server account written at /0/0', async () => {
    const admin = await login('admin', ADMIN_PASSWORD);
    const keys = (await api('POST', '/api/endpoints', admin, { endpoint: 'e2e-bs-at-1' })).json();
    const { description: _d, ...profile } = RealClientProfiles.bootstrapAccountAt1;
    const d = new SimDevice({
      endpoint: 'e2e-bs-at-1',
      bootstrap: { uri: `coaps://127.0.0.1:${stack.ports.bootstrap}`, identity: keys.bsIdentity, key: new Uint8Array(Buffer.from(keys.bsPskHex, 'hex')) },
      ...profile,
    });
    try {
      await d.bootstrap();
      expect(d.serverAccount).toMatchObject({ securityInstanceId: 0, serverInstanceId: 0 });
      expect(d.objects.get(0, 1, 1)).toBe(true);
      await d.register();
      expect((await api('GET', '/api/clients/e2e-bs-at-1', admin)).json()).toMatchObject({ endpoint: 'e2e-bs-at-1', secure: true });
    } finally {
      await d.stop();
    }
  }, 60_000);
});
