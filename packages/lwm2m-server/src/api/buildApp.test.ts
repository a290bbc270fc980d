import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import type { UserRole } from '@chainm2m/lwm2m';
import type { JwtConfig } from './jwt.js';
import { apiHarness, bearer, jwtConfig, NOW, SECRET, type ApiHarness } from './testing/apiHarness.js';

type Ctx = ApiHarness;
const setup = (jwtConf: JwtConfig = jwtConfig): Promise<Ctx> => apiHarness({ jwt: jwtConf });

describe('REST API', () => {
  let ctx: Ctx;
  beforeEach(async () => {
    ctx = await setup();
  });
  afterEach(async () => {
    await ctx.app.close();
  });

  describe('login', () => {
    it('issues a token whose claims carry role, clearance, issuer and audience', async () => {
      const claims = jwt.verify(ctx.tokens.application, SECRET, { algorithms: ['HS256'], clockTimestamp: NOW }) as jwt.JwtPayload;
      expect(claims).toMatchObject({ sub: 'application1', role: 'application', clearance: 1, iss: 'chainm2m', aud: 'chainm2m-api' });
      expect(claims.exp).toBe(NOW + 3600);
    });

    it('refuses a wrong password and an unknown user alike, with 401', async () => {
      for (const payload of [{ username: 'admin1', password: 'wrong-password' }, { username: 'nobody', password: 'whatever-pw' }]) {
        const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload });
        expect(res.statusCode).toBe(401);
        expect(res.json().message).toBe('wrong username or password');
        expect(res.body).not.toContain('wrong-password');
      }
    });

    it('rate-limits failed logins per user with 429 and Retry-After, then lets the window pass', async () => {
      for (let i = 0; i < 5; i++) {
        expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'user1', password: 'bad-bad-bad' } })).statusCode).toBe(401);
      }
      const blocked = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'user1', password: 'user-password' } });
      expect(blocked.statusCode).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      ctx.clock.advance(15 * 60_000);
      expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'user1', password: 'user-password' } })).statusCode).toBe(200);
    });

    it('refuses a disabled user', async () => {
      const put = await ctx.app.inject({ method: 'PUT', url: '/api/users/user1', headers: bearer(ctx.tokens.admin), payload: { active: false } });
      expect(put.statusCode).toBe(200);
      expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'user1', password: 'user-password' } })).statusCode).toBe(401);
    });

    it('a token stops working at once when its user is disabled or given another role through the API', async () => {
      const old = ctx.tokens.application;
      expect((await ctx.app.inject({ url: '/api/clients', headers: bearer(old) })).statusCode).toBe(200);
      expect((await ctx.app.inject({ method: 'PUT', url: '/api/users/application1', headers: bearer(ctx.tokens.admin), payload: { role: 'user' } })).statusCode).toBe(200);
      const refused = await ctx.app.inject({ url: '/api/clients', headers: bearer(old) });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().message).toContain('log in again');
      const fresh = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'application1', password: 'application-password' } });
      expect((await ctx.app.inject({ url: '/api/clients', headers: bearer(fresh.json().token) })).statusCode).toBe(200);
    });

    it('a change made elsewhere (another process, the CLI) reaches tokens within 30 s', async () => {
      expect((await ctx.app.inject({ url: '/api/clients', headers: bearer(ctx.tokens.user) })).statusCode).toBe(200);
      await ctx.directory.disable('user1');
      expect((await ctx.app.inject({ url: '/api/clients', headers: bearer(ctx.tokens.user) })).statusCode).toBe(200);
      ctx.clock.advance(30_000);
      expect((await ctx.app.inject({ url: '/api/clients', headers: bearer(ctx.tokens.user) })).statusCode).toBe(401);
    });

    it('names the bad field in a 400', async () => {
      const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin1' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain('password');
    });
  });

  describe('devices', () => {
    it('lists and shows registered clients', async () => {
      const list = await ctx.app.inject({ url: '/api/clients', headers: bearer(ctx.tokens.user) });
      expect(list.statusCode).toBe(200);
      expect(list.json()).toMatchObject({ total: 1, items: [{ endpoint: 'dev-1', registrationId: 'r-dev-1', secure: true, objectLinks: [{ path: '/3/0' }, { path: '/3303/0' }] }] });
      expect((await ctx.app.inject({ url: '/api/clients/dev-1', headers: bearer(ctx.tokens.user) })).json().lwm2mVersion).toBe('1.1');
      expect((await ctx.app.inject({ url: '/api/clients/nope', headers: bearer(ctx.tokens.user) })).statusCode).toBe(404);
    });

    it('reads, writes, executes, observes and cancels through the device API', async () => {
      const h = bearer(ctx.tokens.application);
      const read = await ctx.app.inject({ url: '/api/clients/dev-1/3303/0/5700?format=senml-json', headers: h });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual({ content: 21.5 });
      expect((await ctx.app.inject({ method: 'PUT', url: '/api/clients/dev-1/3311/0/5850', headers: h, payload: { content: true } })).statusCode).toBe(204);
      expect((await ctx.app.inject({ method: 'PUT', url: '/api/clients/dev-1/3311/0?replace=false', headers: h, payload: { content: { 5851: 40 } } })).statusCode).toBe(204);
      expect((await ctx.app.inject({ method: 'POST', url: '/api/clients/dev-1/3/0/4', headers: h, payload: { args: "0='now'" } })).statusCode).toBe(204);
      expect((await ctx.app.inject({ method: 'POST', url: '/api/clients/dev-1/3303/0/5700/observe', headers: h })).json()).toEqual({ content: 21.5 });
      expect((await ctx.app.inject({ method: 'DELETE', url: '/api/clients/dev-1/3303/0/5700/observe?active=true', headers: h })).statusCode).toBe(204);
      expect((await ctx.app.inject({ method: 'PUT', url: '/api/clients/dev-1/3303/0/5700/attributes?pmin=1&pmax=10', headers: h })).statusCode).toBe(204);
      expect((await ctx.app.inject({ method: 'DELETE', url: '/api/clients/dev-1/3303/1', headers: h })).statusCode).toBe(204);
      expect((await ctx.app.inject({ method: 'POST', url: '/api/clients/dev-1/3303', headers: h, payload: { content: { 5700: 1 } } })).statusCode).toBe(201);
      expect(ctx.devices.calls).toEqual([
        'read dev-1 /3303/0/5700',
        'write dev-1 /3311/0/5850 replace',
        'write dev-1 /3311/0 update',
        "execute dev-1 /3/0/4 0='now'",
        'observe dev-1 /3303/0/5700',
        'read dev-1 /3303/0/5700',
        'cancel dev-1 /3303/0/5700 active',
        'attributes dev-1 /3303/0/5700 {"pmin":"1","pmax":"10"}',
        'delete dev-1 /3303/1',
        'create dev-1 /3303',
      ]);
    });

    it('maps device errors: unknown device 404, device 4.04 404, timeout 504, bad ids 400', async () => {
      const h = bearer(ctx.tokens.application);
      expect((await ctx.app.inject({ url: '/api/clients/ghost/3/0', headers: h })).statusCode).toBe(404);
      expect((await ctx.app.inject({ url: '/api/clients/dev-1/3/0/99', headers: h })).statusCode).toBe(404);
      ctx.devices.read = async () => {
        throw Object.assign(new Error('device did not answer'), { code: 'SRV_DEVICE_TIMEOUT' });
      };
      expect((await ctx.app.inject({ url: '/api/clients/dev-1/3/0', headers: h })).statusCode).toBe(504);
      const bad = await ctx.app.inject({ url: '/api/clients/dev-1/3/70000', headers: h });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toContain('instance');
      expect((await ctx.app.inject({ url: '/api/clients/dev-1/3/0?format=xml', headers: h })).json().message).toContain('format');
    });

    it('refuses device operations to a caller whose clearance is below the device’s', async () => {
      await ctx.endpoints.remove('dev-1', false);
      await ctx.endpoints.create({ endpoint: 'dev-1', clearance: 3 });
      const res = await ctx.app.inject({ url: '/api/clients/dev-1/3303/0/5700', headers: bearer(ctx.tokens.application) });
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toContain('clearance');
    });
  });

  describe('management', () => {
    it('creates an endpoint, shows its keys once, lists it without keys, removes it', async () => {
      const h = bearer(ctx.tokens.admin);
      const created = await ctx.app.inject({ method: 'POST', url: '/api/endpoints', headers: h, payload: { endpoint: 'dev-9', pskText: 'secretKey123' } });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ endpoint: 'dev-9', identity: 'dev-9', bsIdentity: 'bs/dev-9', pskHex: Buffer.from('secretKey123').toString('hex') });
      expect(created.json().bsPskHex).toMatch(/^[0-9a-f]{32}$/);
      const list = await ctx.app.inject({ url: '/api/endpoints', headers: h });
      expect(list.json().total).toBe(2);
      expect(list.body).not.toContain(created.json().pskHex);
      expect(list.body).not.toContain(created.json().bsPskHex);
      expect((await ctx.app.inject({ method: 'POST', url: '/api/endpoints', headers: h, payload: { endpoint: 'dev-9' } })).statusCode).toBe(409);
      expect((await ctx.app.inject({ method: 'DELETE', url: '/api/endpoints/dev-9?compromised=true', headers: h })).statusCode).toBe(204);
      expect(await ctx.security.getByEndpoint('dev-9')).toBeUndefined();
      expect((await ctx.app.inject({ method: 'DELETE', url: '/api/endpoints/dev-9', headers: h })).statusCode).toBe(404);
    });

    it('names the bad field of an endpoint request and never echoes a key', async () => {
      const h = bearer(ctx.tokens.admin);
      const short = await ctx.app.inject({ method: 'POST', url: '/api/endpoints', headers: h, payload: { endpoint: 'dev-2', pskHex: 'abcd' } });
      expect(short.statusCode).toBe(400);
      expect(short.json()).toMatchObject({ field: 'body/psk' });
      expect(short.body).not.toContain('abcd');
      const name = await ctx.app.inject({ method: 'POST', url: '/api/endpoints', headers: h, payload: { endpoint: 'bad name' } });
      expect(name.statusCode).toBe(400);
      expect(name.json().message).toContain('endpoint');
      const extra = await ctx.app.inject({ method: 'POST', url: '/api/endpoints', headers: h, payload: { endpoint: 'x', lifetime: -1 } });
      expect(extra.statusCode).toBe(400);
      expect(extra.json().message).toContain('lifetime');
    });

    it('adds and changes users; the verifier never leaves the server', async () => {
      const h = bearer(ctx.tokens.admin);
      const add = await ctx.app.inject({ method: 'POST', url: '/api/users', headers: h, payload: { username: 'carol', role: 'user', password: 'carol-password', email: 'c@example.org' } });
      expect(add.statusCode).toBe(201);
      expect(add.json()).toMatchObject({ username: 'carol', role: 'user', active: true });
      expect(add.body).not.toContain('scrypt');
      expect((await ctx.app.inject({ method: 'POST', url: '/api/users', headers: h, payload: { username: 'carol', role: 'user', password: 'carol-password' } })).statusCode).toBe(409);
      expect((await ctx.app.inject({ method: 'PUT', url: '/api/users/carol', headers: h, payload: { role: 'application' } })).json().role).toBe('application');
      expect((await ctx.app.inject({ method: 'PUT', url: '/api/users/nobody', headers: h, payload: { role: 'user' } })).statusCode).toBe(404);
      const list = await ctx.app.inject({ url: '/api/users', headers: h });
      expect(list.json().total).toBe(4);
      expect(list.body).not.toContain('scrypt');
    });

    it('appends anomalies and filters them by endpoint and time', async () => {
      const h = bearer(ctx.tokens.application);
      await ctx.endpoints.create({ endpoint: 'dev-2' });
      for (const [endpoint, collectedAt] of [['dev-1', 100], ['dev-2', 200], ['dev-1', 300]] as const) {
        const res = await ctx.app.inject({ method: 'POST', url: '/api/anomalies', headers: h, payload: { endpoint, collectedAt, severity: 3, kind: 'temperature-out-of-range', value: '99' } });
        expect(res.statusCode).toBe(201);
      }
      const byEp = await ctx.app.inject({ url: '/api/anomalies?endpoint=dev-1', headers: bearer(ctx.tokens.user) });
      expect(byEp.json().items.map((a: { collectedAt: number }) => a.collectedAt)).toEqual([100, 300]);
      const byTime = await ctx.app.inject({ url: '/api/anomalies?from=150&to=300', headers: bearer(ctx.tokens.user) });
      expect(byTime.json().items.map((a: { endpoint: string }) => a.endpoint)).toEqual(['dev-2', 'dev-1']);
      const bad = await ctx.app.inject({ method: 'POST', url: '/api/anomalies', headers: h, payload: { endpoint: 'dev-1', severity: 999, kind: 'x' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toContain('severity');
    });
  });

  describe('open routes', () => {
    it('serves health, metrics and the OpenAPI document', async () => {
      expect((await ctx.app.inject({ url: '/health' })).json().status).toBe('ok');
      const metrics = await ctx.app.inject({ url: '/metrics' });
      expect(metrics.body).toContain('chainm2m_http_requests_total{route="/api/auth/login",method="POST",status="200"} 3');
      const doc = (await ctx.app.inject({ url: '/api/openapi.json' })).json();
      expect(doc.openapi).toBe('3.0.3');
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/clients', '/api/clients/{ep}/{object}/{instance}/{resource}', '/api/endpoints', '/api/users', '/api/anomalies', '/api/events']));
      expect((await ctx.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
    });
  });
});

/** Every documented route, with sample parameters, and the least role that may call it. */
function routeTable(doc: { paths: Record<string, Record<string, unknown>> }): { method: string; url: string; least: UserRole }[] {
  const out: { method: string; url: string; least: UserRole }[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (path === '/api/auth/login') continue;
    const url = path.replace('{ep}', 'dev-1').replace('{object}', '3').replace('{instance}', '0').replace('{resource}', '4').replace('{resourceInstance}', '0').replace('{username}', 'user1');
    for (const [method, op] of Object.entries(methods)) {
      if (!(op as { security?: unknown }).security) continue; // open routes (/health, /metrics)
      const m = method.toUpperCase();
      let least: UserRole = 'user';
      if (path.startsWith('/api/endpoints') || path.startsWith('/api/users')) least = 'admin';
      else if (m !== 'GET') least = 'application';
      out.push({ method: m, url, least });
    }
  }
  return out;
}

describe('REST API security', () => {
  let ctx: Ctx;
  let routes: { method: string; url: string; least: UserRole }[];
  beforeEach(async () => {
    ctx = await setup();
    routes = routeTable((await ctx.app.inject({ url: '/api/openapi.json' })).json());
  });
  afterEach(async () => {
    await ctx.app.close();
  });

  it('documents every protected route (the table below is not empty)', () => {
    expect(routes.length).toBeGreaterThan(30);
  });

  const badTokens: Record<string, () => string> = {
    'no token': () => '',
    expired: () => jwt.sign({ role: 'admin', clearance: 9 }, SECRET, { algorithm: 'HS256', subject: 'admin1', issuer: 'chainm2m', audience: 'chainm2m-api', expiresIn: -10 }),
    'alg none': () => jwt.sign({ role: 'admin', clearance: 9, sub: 'admin1', iss: 'chainm2m', aud: 'chainm2m-api', exp: NOW + 60 }, '', { algorithm: 'none' }),
    'wrong signature': () => jwt.sign({ role: 'admin', clearance: 9 }, 'another-secret-that-is-at-least-32-bytes!', { algorithm: 'HS256', subject: 'admin1', issuer: 'chainm2m', audience: 'chainm2m-api', expiresIn: 60 }),
    'wrong algorithm': () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return jwt.sign({ role: 'admin', clearance: 9 }, privateKey, { algorithm: 'ES256', subject: 'admin1', issuer: 'chainm2m', audience: 'chainm2m-api', expiresIn: 60 });
    },
    'wrong audience': () => jwt.sign({ role: 'admin', clearance: 9 }, SECRET, { algorithm: 'HS256', subject: 'admin1', issuer: 'chainm2m', audience: 'other', expiresIn: 60 }),
    'no role claim': () => jwt.sign({ clearance: 9 }, SECRET, { algorithm: 'HS256', subject: 'admin1', issuer: 'chainm2m', audience: 'chainm2m-api', expiresIn: 60 }),
  };

  for (const [name, make] of Object.entries(badTokens)) {
    it(`refuses every protected route with 401 for: ${name}`, async () => {
      const token = make();
      for (const r of routes) {
        const res = await ctx.app.inject({ method: r.method as 'GET', url: r.url, headers: token ? bearer(token) : {}, payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      }
    });
  }

  it('refuses each insufficient role with 403 on every route', async () => {
    const rank: Record<UserRole, number> = { user: 0, application: 1, admin: 2 };
    let checked = 0;
    for (const r of routes) {
      for (const role of ['user', 'application'] as const) {
        if (rank[role] >= rank[r.least]) continue;
        const res = await ctx.app.inject({ method: r.method as 'GET', url: r.url, headers: bearer(ctx.tokens[role]), payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
        expect(res.statusCode, `${role} ${r.method} ${r.url}`).toBe(403);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('accepts ES256 tokens when configured with a key pair, and refuses HS256 ones then', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es = await setup({
      ...jwtConfig,
      keys: { algorithm: 'ES256', privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    try {
      expect(jwt.decode(es.tokens.user, { complete: true })?.header.alg).toBe('ES256');
      expect((await es.app.inject({ url: '/api/clients', headers: bearer(es.tokens.user) })).statusCode).toBe(200);
      const hs = jwt.sign({ role: 'admin', clearance: 9 }, SECRET, { algorithm: 'HS256', subject: 'admin1', issuer: 'chainm2m', audience: 'chainm2m-api', expiresIn: 60 });
      expect((await es.app.inject({ url: '/api/clients', headers: bearer(hs) })).statusCode).toBe(401);
    } finally {
      await es.app.close();
    }
  });
});

describe('server-sent events', () => {
  it('streams matching events to a subscriber and unsubscribes when it leaves', async () => {
    const ctx = await setup();
    try {
      await ctx.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = ctx.app.server.address() as AddressInfo;
      const received = await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events?types=notification', headers: bearer(ctx.tokens.user) }, (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toBe('text/event-stream');
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
            if (body.includes(': connected')) {
              ctx.events.emit({ type: 'registration', endpoint: 'dev-1', data: {} });
              ctx.events.emit({ type: 'notification', endpoint: 'dev-1', data: { path: '/3303/0/5700', content: 22 } });
            }
            if (body.includes('event: notification')) {
              req.destroy();
              resolve(body);
            }
          });
        });
        req.on('error', reject);
        req.end();
      });
      expect(received).not.toContain('event: registration');
      expect(received).toContain('data: {"endpoint":"dev-1","path":"/3303/0/5700","content":22}');
      await new Promise((r) => setTimeout(r, 50));
      expect(ctx.events.subscribers).toBe(0);
    } finally {
      await ctx.app.close();
    }
  });
});
