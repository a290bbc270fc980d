import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, bearer, NOW, registrationOf, type ApiHarness } from './testing/apiHarness.js';
import { visiblePage } from './clearance.js';

/** Two callers: `analyst` (clearance 10) and `plant` (clearance 200); endpoints of clearance 0, 10 and 200. */
const PUBLIC = 'urn:imei:356938035643809';
const LOW = 'urn:dev:os:0004a3-thermostat-00017';
const SECRET_EP = 'urn:dev:mac:0024befffe804ff1';

interface Ctx extends ApiHarness {
  analyst: string;
  plant: string;
  analystApp: string;
}

async function setup(): Promise<Ctx> {
  const h = await apiHarness();
  for (const [endpoint, clearance, port] of [[PUBLIC, 0, 56830], [LOW, 10, 56831], [SECRET_EP, 200, 56832]] as const) {
    await h.endpoints.create({ endpoint, clearance });
    h.devices.registrations.set(endpoint, registrationOf(endpoint, port));
    h.devices.values.set(`${endpoint}/3303/0/5700`, 21.5);
  }
  await h.users.add({ username: 'analyst', role: 'user', clearance: 10, password: 'analyst-password-1' });
  await h.users.add({ username: 'plant', role: 'user', clearance: 200, password: 'plant-password-1' });
  await h.users.add({ username: 'analyst-app', role: 'application', clearance: 10, password: 'analyst-app-password' });
  return { ...h, analyst: await h.login('analyst', 'analyst-password-1'), plant: await h.login('plant', 'plant-password-1'), analystApp: await h.login('analyst-app', 'analyst-app-password') };
}

describe('clearance on every route', () => {
  let ctx: Ctx;
  beforeEach(async () => {
    ctx = await setup();
  });
  afterEach(async () => {
    await ctx.app.close();
  });

  it('/api/clients lists only registrations at or below the caller’s clearance, with a total that counts only those', async () => {
    const low = (await ctx.app.inject({ url: '/api/clients', headers: bearer(ctx.analyst) })).json();
    expect(low.items.map((r: { endpoint: string }) => r.endpoint).sort()).toEqual(['dev-1', LOW, PUBLIC].sort());
    expect(low.total).toBe(3);
    expect(JSON.stringify(low)).not.toContain(SECRET_EP);
    expect(JSON.stringify(low)).not.toContain('56832');
    const high = (await ctx.app.inject({ url: '/api/clients', headers: bearer(ctx.plant) })).json();
    expect(high.total).toBe(4);
    const paged = (await ctx.app.inject({ url: '/api/clients?offset=1&limit=1', headers: bearer(ctx.analyst) })).json();
    expect(paged.total).toBe(3);
    expect(paged.items).toHaveLength(1);
  });

  it('/api/clients/:ep refuses an endpoint above the caller’s clearance with 403 and names no address', async () => {
    const res = await ctx.app.inject({ url: `/api/clients/${SECRET_EP}`, headers: bearer(ctx.analyst) });
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('56832');
    expect((await ctx.app.inject({ url: `/api/clients/${LOW}`, headers: bearer(ctx.analyst) })).statusCode).toBe(200);
    expect((await ctx.app.inject({ url: `/api/clients/${SECRET_EP}`, headers: bearer(ctx.plant) })).json().address).toBe('127.0.0.1:56832');
  });

  it('device operations above the caller’s clearance are 403', async () => {
    expect((await ctx.app.inject({ url: `/api/clients/${SECRET_EP}/3303/0/5700`, headers: bearer(ctx.analyst) })).statusCode).toBe(403);
    expect((await ctx.app.inject({ url: `/api/clients/${SECRET_EP}/3303/0/5700`, headers: bearer(ctx.plant) })).statusCode).toBe(200);
  });

  it('/api/anomalies lists only anomalies of endpoints the caller may see; ?endpoint= above it is 403', async () => {
    const t0 = NOW - 3600;
    for (let i = 0; i < 1200; i++) {
      const endpoint = [PUBLIC, LOW, SECRET_EP][i % 3] as string;
      await ctx.anomalies.append({ endpoint, collectedAt: t0 + i, severity: 64, kind: 'temperature-out-of-range', value: `${40 + (i % 7)}.5` });
    }
    const low = (await ctx.app.inject({ url: '/api/anomalies?limit=1000', headers: bearer(ctx.analyst) })).json();
    expect(low.total).toBe(800);
    expect(low.items).toHaveLength(800);
    expect(low.items.some((a: { endpoint: string }) => a.endpoint === SECRET_EP)).toBe(false);
    const page2 = (await ctx.app.inject({ url: '/api/anomalies?offset=790&limit=20', headers: bearer(ctx.analyst) })).json();
    expect(page2.items).toHaveLength(10);
    const ranged = (await ctx.app.inject({ url: `/api/anomalies?from=${t0 + 600}&to=${t0 + 605}`, headers: bearer(ctx.analyst) })).json();
    expect(ranged.items.map((a: { collectedAt: number }) => a.collectedAt - t0)).toEqual([600, 601, 603, 604]);
    expect((await ctx.app.inject({ url: `/api/anomalies?endpoint=${SECRET_EP}`, headers: bearer(ctx.analyst) })).statusCode).toBe(403);
    expect((await ctx.app.inject({ url: `/api/anomalies?endpoint=${SECRET_EP}&limit=1000`, headers: bearer(ctx.plant) })).json().items).toHaveLength(400);
    expect((await ctx.app.inject({ url: '/api/anomalies?limit=1000', headers: bearer(ctx.plant) })).json().items).toHaveLength(1000);
  });

  it('adding an anomaly: above one’s clearance 403, unknown endpoint 404, own level 201', async () => {
    const body = (endpoint: string) => ({ endpoint, collectedAt: NOW - 5, severity: 200, kind: 'tamper-detected', value: 'case opened' });
    const above = await ctx.app.inject({ method: 'POST', url: '/api/anomalies', headers: bearer(ctx.analystApp), payload: body(SECRET_EP) });
    expect(above.statusCode).toBe(403);
    const unknown = await ctx.app.inject({ method: 'POST', url: '/api/anomalies', headers: bearer(ctx.analystApp), payload: body('urn:imei:000000000000000') });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('SRV_UNKNOWN_ENDPOINT');
    expect((await ctx.app.inject({ method: 'POST', url: '/api/anomalies', headers: bearer(ctx.analystApp), payload: body(LOW) })).statusCode).toBe(201);
    expect(await ctx.anomalies.count()).toBe(1);
  });
});

describe('clearance on /api/events', () => {
  it('streams to each caller only the events of endpoints its clearance covers, in order', async () => {
    const ctx = await setup();
    try {
      await ctx.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = ctx.app.server.address() as AddressInfo;
      const open = (token: string): Promise<{ body: () => string; close: () => void }> =>
        new Promise((resolve, reject) => {
          let body = '';
          const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers: bearer(token) }, (res) => {
            expect(res.statusCode).toBe(200);
            res.on('data', (chunk: Buffer) => {
              body += chunk.toString();
              if (body.startsWith(': connected')) resolve({ body: () => body, close: () => req.destroy() });
            });
          });
          req.on('error', reject);
          req.end();
        });
      const low = await open(ctx.analyst);
      const high = await open(ctx.plant);
      const events = [
        { type: 'registration', endpoint: SECRET_EP, data: { address: '127.0.0.1:56832' } },
        { type: 'notification', endpoint: SECRET_EP, data: { paths: ['/3303/0/5700'], content: 71.25 } },
        { type: 'anomaly', endpoint: SECRET_EP, data: { kind: 'tamper-detected' } },
        { type: 'notification', endpoint: LOW, data: { paths: ['/3303/0/5700'], content: 20.5 } },
        { type: 'notification', endpoint: PUBLIC, data: { paths: ['/3303/0/5700'], content: 19.75 } },
      ] as const;
      for (const e of events) ctx.events.emit({ ...e, data: { ...e.data } });
      await expect.poll(() => high.body().split('event: ').length - 1).toBe(5);
      await expect.poll(() => low.body().split('event: ').length - 1).toBe(2);
      expect(low.body()).not.toContain(SECRET_EP);
      expect(low.body()).not.toContain('71.25');
      expect(low.body().indexOf('20.5')).toBeLessThan(low.body().indexOf('19.75'));
      const refused = await ctx.app.inject({ url: `/api/events?endpoint=${encodeURIComponent(SECRET_EP)}`, headers: bearer(ctx.analyst) });
      expect(refused.statusCode).toBe(403);
      low.close();
      high.close();
    } finally {
      await ctx.app.close();
    }
  });
});

describe('visiblePage', () => {
  it('pages over visible rows only and counts them all', async () => {
    const rows = Array.from({ length: 2345 }, (_, i) => i);
    const source = async (o: number, l: number) => ({ items: rows.slice(o, o + l), total: rows.length });
    const even = async (n: number) => n % 2 === 0;
    expect(await visiblePage(source, even, 0, 3)).toEqual({ items: [0, 2, 4], total: 1173 });
    expect(await visiblePage(source, even, 1170, 10)).toEqual({ items: [2340, 2342, 2344], total: 1173 });
    expect((await visiblePage(source, even, 0, 10, 1000)).total).toBeUndefined();
  });
});

describe('clearance on the management routes', () => {
  let ctx: Ctx;
  let lowAdmin: string;
  beforeEach(async () => {
    ctx = await setup();
    await ctx.users.add({ username: 'site-admin', role: 'admin', clearance: 10, password: 'site-admin-password' });
    lowAdmin = await ctx.login('site-admin', 'site-admin-password');
  });
  afterEach(async () => {
    await ctx.app.close();
  });

  it('an admin lists and shows only endpoints at or below its clearance, and may not remove the others', async () => {
    const list = (await ctx.app.inject({ url: '/api/endpoints', headers: bearer(lowAdmin) })).json();
    expect(list.items.map((e: { endpoint: string }) => e.endpoint).sort()).toEqual(['dev-1', LOW, PUBLIC].sort());
    expect(list.total).toBe(3);
    expect((await ctx.app.inject({ url: `/api/endpoints/${SECRET_EP}`, headers: bearer(lowAdmin) })).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/endpoints/${SECRET_EP}`, headers: bearer(lowAdmin) })).statusCode).toBe(403);
    expect(await ctx.endpoints.clearanceOf(SECRET_EP)).toBe(200);
    expect((await ctx.app.inject({ url: '/api/endpoints', headers: bearer(ctx.tokens.admin) })).json().total).toBe(2); // admin1 has clearance 1
    expect((await ctx.app.inject({ url: `/api/endpoints/${SECRET_EP}`, headers: bearer(ctx.plant) })).statusCode).toBe(403); // not an admin
  });

  it('nobody hands out a clearance above their own, nor changes a user above it', async () => {
    const h = bearer(lowAdmin);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/endpoints', headers: h, payload: { endpoint: 'urn:imei:356938035640001', clearance: 11 } })).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/endpoints', headers: h, payload: { endpoint: 'urn:imei:356938035640002', clearance: 10 } })).statusCode).toBe(201);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/users', headers: h, payload: { username: 'eve', role: 'admin', clearance: 255, password: 'eve-password-123' } })).statusCode).toBe(403);
    const takeover = await ctx.app.inject({ method: 'PUT', url: '/api/users/plant', headers: h, payload: { password: 'taken-over-password' } });
    expect(takeover.statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'plant', password: 'plant-password-1' } })).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'PUT', url: '/api/users/analyst', headers: h, payload: { clearance: 10 } })).statusCode).toBe(200);
  });
});
