import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHarness, bearer, NOW, type ApiHarness } from './testing/apiHarness.js';
import { parseTextValues } from './strictInput.js';

describe('strict bodies', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await apiHarness();
  });
  afterAll(async () => {
    await h.app.close();
  });

  const cases: { name: string; method: 'POST' | 'PUT'; url: string; role: 'admin' | 'application'; payload: unknown; field: string }[] = [
    { name: 'endpoint as a number', method: 'POST', url: '/api/endpoints', role: 'admin', payload: { endpoint: 123 }, field: 'body/endpoint' },
    { name: 'clearance as text', method: 'POST', url: '/api/endpoints', role: 'admin', payload: { endpoint: 'urn:imei:356938035643810', clearance: '7' }, field: 'body/clearance' },
    { name: 'clearance as an array', method: 'POST', url: '/api/endpoints', role: 'admin', payload: { endpoint: 'urn:imei:356938035643811', clearance: [9] }, field: 'body/clearance' },
    { name: 'lifetime as a float', method: 'POST', url: '/api/endpoints', role: 'admin', payload: { endpoint: 'urn:imei:356938035643812', lifetime: 86400.5 }, field: 'body/lifetime' },
    { name: 'an unknown field', method: 'POST', url: '/api/endpoints', role: 'admin', payload: { endpoint: 'urn:imei:356938035643813', psk: '00112233445566778899aabbccddeeff' }, field: 'body/psk' },
    { name: 'a body that is an array', method: 'POST', url: '/api/endpoints', role: 'admin', payload: [{ endpoint: 'urn:imei:356938035643814' }], field: 'body' },
    { name: 'active as 0', method: 'PUT', url: '/api/users/user1', role: 'admin', payload: { active: 0 }, field: 'body/active' },
    { name: 'clearance as "7" on a user', method: 'PUT', url: '/api/users/user1', role: 'admin', payload: { clearance: '7' }, field: 'body/clearance' },
    { name: 'role as an array', method: 'POST', url: '/api/users', role: 'admin', payload: { username: 'mallory', role: ['admin'], password: 'mallory-password' }, field: 'body/role' },
    { name: 'severity as text', method: 'POST', url: '/api/anomalies', role: 'application', payload: { endpoint: 'dev-1', severity: '3', kind: 'overheat' }, field: 'body/severity' },
    { name: 'collectedAt as a boolean', method: 'POST', url: '/api/anomalies', role: 'application', payload: { endpoint: 'dev-1', severity: 3, kind: 'overheat', collectedAt: true }, field: 'body/collectedAt' },
    { name: 'username as a number at login', method: 'POST', url: '/api/auth/login', role: 'admin', payload: { username: 1, password: 'admin-password' }, field: 'body/username' },
    { name: 'a missing field', method: 'POST', url: '/api/anomalies', role: 'application', payload: { endpoint: 'dev-1', kind: 'overheat' }, field: 'body/severity' },
    { name: 'an unknown field beside content', method: 'PUT', url: '/api/clients/dev-1/3303/0/5700', role: 'application', payload: { content: 21, format: 'tlv' }, field: 'body/format' },
    { name: 'execute args as a number', method: 'POST', url: '/api/clients/dev-1/3/0/4', role: 'application', payload: { args: 5 }, field: 'body/args' },
  ];
  for (const c of cases) {
    it(`${c.method} ${c.url}: ${c.name} -> 400 naming ${c.field}`, async () => {
      const res = await h.app.inject({ method: c.method, url: c.url, headers: bearer(h.tokens[c.role]), payload: c.payload as object });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ code: 'API_BAD_REQUEST', field: c.field });
      expect(res.json().message).toContain(c.field);
    });
  }

  it('nothing was created or changed by the refused bodies', async () => {
    expect((await h.endpoints.list(0, 100)).items.map((e) => e.endpoint)).toEqual(['dev-1']);
    expect(await h.users.get('user1')).toMatchObject({ active: true, clearance: 1 });
    expect(await h.anomalies.count()).toBe(0);
    expect(h.devices.calls).toEqual([]);
  });

  it('a body on an operation that takes none is 400', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/clients/dev-1/3303/0/5700/observe', headers: bearer(h.tokens.application), payload: { pmin: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('body');
  });

  it('well-typed bodies still pass', async () => {
    const ok = await h.app.inject({ method: 'POST', url: '/api/endpoints', headers: bearer(h.tokens.admin), payload: { endpoint: 'urn:imei:356938035643899', clearance: 1, lifetime: 86400 } });
    expect(ok.statusCode).toBe(201);
    const a = await h.app.inject({ method: 'POST', url: '/api/anomalies', headers: bearer(h.tokens.application), payload: { endpoint: 'dev-1', severity: 3, kind: 'overheat', collectedAt: NOW - 60 } });
    expect(a.statusCode).toBe(201);
  });
});

describe('strict query strings and path parameters', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await apiHarness();
  });
  afterAll(async () => {
    await h.app.close();
  });

  for (const [query, status] of [
    ['offset=0&limit=10', 200],
    ['limit=%2010', 400],
    ['limit=0x10', 400],
    ['limit=1e2', 400],
    ['limit=10.0', 400],
    ['limit=', 400],
    ['limit=10&limit=20', 400],
    ['offset=-1', 400],
    ['sort=endpoint', 400],
  ] as const) {
    it(`GET /api/clients?${query} -> ${status}`, async () => {
      const res = await h.app.inject({ url: `/api/clients?${query}`, headers: bearer(h.tokens.user) });
      expect(res.statusCode, res.body).toBe(status);
      if (status === 400) expect(res.json().field).toMatch(/^querystring/);
    });
  }

  it('booleans are exactly true or false; ids are decimal', async () => {
    const admin = bearer(h.tokens.admin);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/endpoints/dev-1?compromised=1', headers: admin })).statusCode).toBe(400);
    const app = bearer(h.tokens.application);
    expect((await h.app.inject({ url: '/api/clients/dev-1/3303/00/5700', headers: app })).statusCode).toBe(400);
    expect((await h.app.inject({ url: '/api/clients/dev-1/3303/0x0/5700', headers: app })).statusCode).toBe(400);
    expect((await h.app.inject({ url: '/api/clients/dev-1/3303/0/5700', headers: app })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/endpoints/dev-1?compromised=true', headers: admin })).statusCode).toBe(204);
  });

  it('parseTextValues converts only exact decimal numbers and true/false', () => {
    const schema = { properties: { i: { type: 'integer' }, n: { type: 'number' }, b: { type: 'boolean' }, s: { type: 'string' } } };
    const data: Record<string, unknown> = { i: '42', n: '-3.25', b: 'false', s: '7' };
    parseTextValues(schema, data);
    expect(data).toEqual({ i: 42, n: -3.25, b: false, s: '7' });
    const bad: Record<string, unknown> = { i: '4.0', n: 'Infinity', b: 'yes' };
    parseTextValues(schema, bad);
    expect(bad).toEqual({ i: '4.0', n: 'Infinity', b: 'yes' });
  });
});
