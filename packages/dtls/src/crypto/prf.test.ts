import { describe, expect, it } from 'vitest';
import { prf, pskPremasterSecret } from './prf.js';

describe('TLS 1.2 PRF (SHA-256)', () => {
  it('matches the published test vector (IETF TLS list msg03416)', () => {
    const out = prf(Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'), 'test label', Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'), 100);
    expect(out.toString('hex')).toBe(
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
  });

  it('builds the RFC 4279 premaster secret: len, zeros, len, psk', () => {
    expect(pskPremasterSecret(Buffer.from('abcd', 'hex')).toString('hex')).toBe('000200000002abcd');
  });
});
