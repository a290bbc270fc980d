import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHarness, bearer, type ApiHarness } from './testing/apiHarness.js';

function expectSecurityHeaders(headers: Record<string, unknown>, where: string): void {
  expect(headers['x-content-type-options'], where).toBe('nosniff');
  expect(headers['x-frame-options'], where).toBe('DENY');
  expect(headers['referrer-policy'], where).toBe('no-referrer');
  expect(String(headers['content-security-policy']), where).toContain("frame-ancestors 'none'");
  expect(String(headers['content-security-policy']), where).toContain("default-src 'self'");
}

describe('security headers', () => {
  let h: ApiHarness;
  let doc: { paths: Record<string, Record<string, unknown>> };
  beforeAll(async () => {
    h = await apiHarness();
    doc = (await h.app.inject({ url: '/api/openapi.json' })).json();
  });
  afterAll(async () => {
    await h.app.close();
  });

  it('every route, its errors and unknown routes carry them, with a strict CSP outside /docs', async () => {
    const urls = ['/health', '/metrics', '/api/openapi.json', '/api/clients', '/api/clients/dev-1', '/api/users', '/api/no-such-route'];
    for (const url of urls) {
      for (const token of [h.tokens.admin, '']) {
        const res = await h.app.inject({ url, headers: token ? bearer(token) : {} });
        expectSecurityHeaders(res.headers, `${url} ${res.statusCode}`);
        const csp = String(res.headers['content-security-policy']);
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toContain('unsafe-inline');
        expect(csp).not.toContain('upgrade-insecure-requests');
      }
    }
    const bad = await h.app.inject({ method: 'POST', url: '/api/endpoints', headers: bearer(h.tokens.admin), payload: { endpoint: 5 } });
    expect(bad.statusCode).toBe(400);
    expectSecurityHeaders(bad.headers, 'a 400');
  });

  it('/docs carries them too, with a CSP the Swagger UI works under (its own scripts, inline styles)', async () => {
    for (const url of ['/docs', '/docs/static/index.html', '/docs/static/swagger-ui-bundle.js', '/docs/json']) {
      const res = await h.app.inject({ url });
      expect(res.statusCode, url).toBeLessThan(400);
      expectSecurityHeaders(res.headers, url);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    }
  });

  it('HEAD answers on every GET route (documented or not) with no body', async () => {
    const urls = ['/health', '/metrics', '/api/openapi.json', '/docs'];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!('get' in methods) || path === '/api/events') continue;
      urls.push(path.replace('{ep}', 'dev-1').replace('{object}', '3303').replace('{instance}', '0').replace('{resource}', '5700').replace('{resourceInstance}', '0').replace('{username}', 'user1'));
    }
    expect(urls.length).toBeGreaterThan(15);
    for (const url of urls) {
      const res = await h.app.inject({ method: 'HEAD', url, headers: bearer(h.tokens.admin) });
      const get = await h.app.inject({ method: 'GET', url, headers: bearer(h.tokens.admin) });
      expect(res.statusCode, `HEAD ${url}`).toBe(get.statusCode);
      expect(get.body, `GET ${url}`).not.toContain('"API_NOT_FOUND"');
      expect(res.body, url).toBe('');
      expectSecurityHeaders(res.headers, `HEAD ${url}`);
    }
  });

  it('HEAD /api/events answers at once over a real socket (it does not hang), GET still streams', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const ask = (method: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; ended: boolean }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method, path: '/api/events', headers: bearer(h.tokens.user) }, (res) => {
          if (method === 'GET') {
            res.once('data', () => {
              resolve({ status: res.statusCode ?? 0, headers: res.headers, ended: false });
              req.destroy();
            });
            return;
          }
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, ended: true }));
        });
        req.on('error', reject);
        req.end();
      });
    const head = await ask('HEAD');
    expect(head).toMatchObject({ status: 200, ended: true });
    expect(head.headers['content-type']).toBe('text/event-stream');
    expectSecurityHeaders(head.headers, 'HEAD /api/events');
    const get = await ask('GET');
    expect(get.status).toBe(200);
    expectSecurityHeaders(get.headers, 'GET /api/events');
    expect(h.events.subscribers).toBeLessThanOrEqual(1);
  });
});
