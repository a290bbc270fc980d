import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { apiHarness, bearer, NOW, SECRET, type ApiHarness } from './testing/apiHarness.js';

const login = (h: ApiHarness, username: string, password: string, remoteAddress = '127.0.0.1') =>
  h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress });

describe('login limits', () => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await apiHarness();
  });
  afterEach(async () => {
    await h.app.close();
  });

  it('100 concurrent guesses with the right password as guess 77: 5 are checked, the right one is refused', async () => {
    const guesses = Array.from({ length: 100 }, (_, i) => (i === 76 ? 'user-password' : `guess-${i}-of-100`));
    const answers = await Promise.all(guesses.map((p) => login(h, 'user1', p, '198.51.100.23')));
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 429)).toHaveLength(95);
    expect(codes.filter((c) => c === 401)).toHaveLength(5);
    expect(codes[76]).toBe(429);
    expect(answers.some((r) => r.body.includes('"token"'))).toBe(false);
    expect(Number(answers[76]?.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a stranger’s guesses from other addresses do not lock the user out of its usual address', async () => {
    expect((await login(h, 'user1', 'user-password', '10.20.0.5')).statusCode).toBe(200);
    // 30 addresses x 5 wrong guesses: each address is cut off after 5, and the user's global backoff starts.
    for (let a = 0; a < 30; a++) {
      for (let i = 0; i < 6; i++) await login(h, 'user1', `wrong-${a}-${i}`, `203.0.113.${a + 1}`);
    }
    expect((await login(h, 'user1', 'user-password', '203.0.113.1')).statusCode).toBe(429);
    // A new address waits (global per-user backoff) ...
    const fresh = await login(h, 'user1', 'user-password', '192.0.2.77');
    expect(fresh.statusCode).toBe(429);
    // ... the usual one does not.
    expect((await login(h, 'user1', 'user-password', '10.20.0.5')).statusCode).toBe(200);
    // The backoff is bounded: after 15 minutes the new address may try again.
    h.clock.advance(15 * 60_000);
    expect((await login(h, 'user1', 'user-password', '192.0.2.77')).statusCode).toBe(200);
  });

  it('a successful login un-counts its own reservation; failures per address also cover other usernames', async () => {
    for (let i = 0; i < 10; i++) expect((await login(h, 'admin1', 'admin-password', '10.0.0.9')).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) await login(h, `nobody${i}`, 'wrong-password', '10.0.0.66');
    expect((await login(h, 'admin1', 'admin-password', '10.0.0.66')).statusCode).toBe(429);
    expect((await login(h, 'admin1', 'admin-password', '10.0.0.9')).statusCode).toBe(200);
  });
});

describe('tokens', () => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await apiHarness();
  });
  afterEach(async () => {
    await h.app.close();
  });

  it('a token without exp, signed with the real secret and carrying every other claim, is 401', async () => {
    const real = jwt.decode(h.tokens.admin) as jwt.JwtPayload;
    const { exp: _exp, ...rest } = real;
    const forever = jwt.sign(rest, SECRET, { algorithm: 'HS256' });
    expect((jwt.decode(forever) as jwt.JwtPayload).exp).toBeUndefined();
    const res = await h.app.inject({ url: '/api/users', headers: bearer(forever) });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toContain('exp');
    expect((await h.app.inject({ url: '/api/users', headers: bearer(h.tokens.admin) })).statusCode).toBe(200);
  });

  it('PUT /api/users/:name with a new password: the old token is 401 at once, the old password 401, the new one works', async () => {
    const old = h.tokens.user;
    expect((await h.app.inject({ url: '/api/clients', headers: bearer(old) })).statusCode).toBe(200);
    const put = await h.app.inject({ method: 'PUT', url: '/api/users/user1', headers: bearer(h.tokens.admin), payload: { password: 'a-brand-new-password' } });
    expect(put.statusCode).toBe(200);
    expect(put.body).not.toContain('a-brand-new-password');
    const refused = await h.app.inject({ url: '/api/clients', headers: bearer(old) });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().message).toContain('log in again');
    expect((await login(h, 'user1', 'user-password')).statusCode).toBe(401);
    const fresh = await login(h, 'user1', 'a-brand-new-password');
    expect(fresh.statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/clients', headers: bearer(fresh.json().token) })).statusCode).toBe(200);
  });

  it('a password changed by another process (the CLI) revokes older tokens within the account check’s 30 s', async () => {
    const old = h.tokens.application;
    expect((await h.app.inject({ url: '/api/clients', headers: bearer(old) })).statusCode).toBe(200);
    await h.users.update('application1', { password: 'changed-by-the-cli' });
    h.clock.advance(30_000);
    expect((await h.app.inject({ url: '/api/clients', headers: bearer(old) })).statusCode).toBe(401);
  });

  it('tokens carry exp = iat + lifetime and no secret', async () => {
    const claims = jwt.decode(h.tokens.user) as jwt.JwtPayload;
    expect(claims.exp).toBe(Math.floor(NOW) + 3600);
    expect(typeof claims['pwv']).toBe('string');
    expect(JSON.stringify(claims)).not.toContain('scrypt');
  });
});
