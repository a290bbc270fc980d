import { describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { TokenIssuer } from './jwt.js';

const config = { keys: { algorithm: 'HS256' as const, secret: 'x'.repeat(32) }, issuer: 'i', audience: 'a', expiresInSec: 60 };

describe('TokenIssuer', () => {
  it('refuses a cached token once it expires', () => {
    const issuer = new TokenIssuer(config);
    const token = issuer.sign({ sub: 'u', role: 'user', clearance: 1, stamp: 's1' }, 1000);
    expect(issuer.verify(token, 1000)).toEqual({ sub: 'u', role: 'user', clearance: 1, stamp: 's1' });
    expect(issuer.verify(token, 1059)).toEqual({ sub: 'u', role: 'user', clearance: 1, stamp: 's1' });
    expect(() => issuer.verify(token, 1060)).toThrow(/expired/);
    expect(() => issuer.verify(token, 1000)).not.toThrow();
  });

  it('does not let a token that differs from a verified one hit the cache', () => {
    const issuer = new TokenIssuer(config);
    const token = issuer.sign({ sub: 'u', role: 'user', clearance: 1, stamp: 's1' }, 1000);
    issuer.verify(token, 1000);
    const [h, , sig] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...(jwt.decode(token) as object), role: 'admin' })).toString('base64url');
    expect(() => issuer.verify(`${h}.${forgedPayload}.${sig}`, 1000)).toThrow(/invalid token/);
  });

  it('keeps the cache bounded', () => {
    const issuer = new TokenIssuer(config);
    for (let i = 0; i < TokenIssuer.VERIFIED_CACHE_SIZE + 10; i++) issuer.verify(issuer.sign({ sub: `u${i}`, role: 'user', clearance: 0, stamp: 's1' }, 1000), 1000);
    expect((issuer as unknown as { verified: Map<string, unknown> }).verified.size).toBe(TokenIssuer.VERIFIED_CACHE_SIZE);
  });
});

describe('TokenIssuer claims', () => {
  it('refuses a token of ours without exp, and one without the credential stamp', () => {
    const issuer = new TokenIssuer(config);
    const noExp = jwt.sign({ role: 'admin', clearance: 255, pwv: 's1', iat: 1000 }, config.keys.secret, { algorithm: 'HS256', subject: 'u', issuer: 'i', audience: 'a' });
    expect(() => issuer.verify(noExp, 1000)).toThrow(/no expiry/);
    const noStamp = jwt.sign({ role: 'admin', clearance: 255, iat: 1000 }, config.keys.secret, { algorithm: 'HS256', subject: 'u', issuer: 'i', audience: 'a', expiresIn: 60 });
    expect(() => issuer.verify(noStamp, 1000)).toThrow(/credential/);
  });
});
