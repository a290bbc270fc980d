import { describe, expect, it } from 'vitest';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { generateSealingKeyPair, seal, sealMany, sealingKeyId, sealingPublicKeyOf, sealString, unseal, unsealString } from './seal.js';

const ctx = { record: 'dev-001', field: 'server.psk' };
const psk = new Uint8Array(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ChainAdapterError ? e.code : 'not-a-ChainAdapterError';
  }
  return undefined;
}

describe('seal / unseal', () => {
  const kp = generateSealingKeyPair();

  it('round-trips and derives the public key from the private key', () => {
    expect(kp.publicKey).toHaveLength(32);
    expect(kp.privateKey).toHaveLength(32);
    expect(Buffer.from(sealingPublicKeyOf(kp.privateKey))).toEqual(Buffer.from(kp.publicKey));
    const s = seal(kp.publicKey, psk, ctx);
    expect(s).toHaveLength(psk.length + 53);
    expect(s[0]).toBe(1);
    expect(Buffer.from(s.subarray(1, 5))).toEqual(Buffer.from(sealingKeyId(kp.publicKey)));
    expect(Buffer.from(unseal(kp, s, ctx))).toEqual(Buffer.from(psk));
    expect(unsealString(kp, sealString(kp.publicKey, 'héllo', ctx), ctx)).toBe('héllo');
  });

  it('uses a fresh ephemeral key per seal and never contains the plaintext', () => {
    const a = Buffer.from(seal(kp.publicKey, psk, ctx));
    const b = Buffer.from(seal(kp.publicKey, psk, ctx));
    expect(a.equals(b)).toBe(false);
    expect(a.subarray(5, 37).equals(b.subarray(5, 37))).toBe(false);
    expect(a.includes(Buffer.from(psk))).toBe(false);
  });

  it('rejects a ciphertext moved to another record or field', () => {
    const s = seal(kp.publicKey, psk, ctx);
    expect(codeOf(() => unseal(kp, s, { record: 'dev-002', field: 'server.psk' }))).toBe('SEAL_AUTH_FAILED');
    expect(codeOf(() => unseal(kp, s, { record: 'dev-001', field: 'bootstrap.psk' }))).toBe('SEAL_AUTH_FAILED');
  });

  it('rejects another key, tampering and garbage with typed errors that do not echo the secret', () => {
    const s = seal(kp.publicKey, psk, ctx);
    const other = generateSealingKeyPair();
    expect(codeOf(() => unseal(other, s, ctx))).toBe('SEAL_WRONG_KEY');
    // same key id forged onto another key pair still fails authentication
    const forged = { publicKey: kp.publicKey, privateKey: other.privateKey };
    expect(codeOf(() => unseal(forged, s, ctx))).toBe('SEAL_AUTH_FAILED');
    for (const i of [5, 40, s.length - 1]) {
      const t = new Uint8Array(s);
      t[i] = (t[i] ?? 0) ^ 1;
      expect(codeOf(() => unseal(kp, t, ctx))).toBe('SEAL_AUTH_FAILED');
    }
    expect(codeOf(() => unseal(kp, new Uint8Array(10), ctx))).toBe('SEAL_BAD_FORMAT');
    const v2 = new Uint8Array(s);
    v2[0] = 2;
    expect(codeOf(() => unseal(kp, v2, ctx))).toBe('SEAL_BAD_FORMAT');
    try {
      unseal(kp, s, { record: 'x', field: 'y' });
    } catch (e) {
      const text = `${String(e)} ${JSON.stringify((e as ChainAdapterError).details)}`;
      expect(text).not.toContain(Buffer.from(psk).toString('hex'));
    }
  });

  it('rejects keys of the wrong size', () => {
    expect(codeOf(() => seal(new Uint8Array(31), psk, ctx))).toBe('INVALID_INPUT');
  });
});

describe('sealMany', () => {
  const kp = generateSealingKeyPair();
  it('shares one ephemeral key per call but derives a distinct key per record and field', () => {
    const a = { record: 'dev-1', field: 'bootstrap.psk' };
    const b = { record: 'dev-1', field: 'server.psk' };
    const c = { record: 'dev-2', field: 'server.psk' };
    const same = new Uint8Array(16).fill(5);
    const [sa, sb, sc] = sealMany(kp.publicKey, [
      { plaintext: same, context: a },
      { plaintext: same, context: b },
      { plaintext: same, context: c },
    ]);
    if (!sa || !sb || !sc) throw new Error('missing output');
    expect(Buffer.from(sa.subarray(0, 37))).toEqual(Buffer.from(sb.subarray(0, 37)));
    // same plaintext, same ephemeral key: the ciphertexts still differ (per-context key and nonce)
    expect(Buffer.from(sa.subarray(37)).equals(Buffer.from(sb.subarray(37)))).toBe(false);
    expect(Buffer.from(sb.subarray(37)).equals(Buffer.from(sc.subarray(37)))).toBe(false);
    expect(Buffer.from(unseal(kp, sa, a))).toEqual(Buffer.from(same));
    expect(Buffer.from(unseal(kp, sc, c))).toEqual(Buffer.from(same));
    expect(codeOf(() => unseal(kp, sb, a))).toBe('SEAL_AUTH_FAILED');
    expect(codeOf(() => unseal(kp, sc, b))).toBe('SEAL_AUTH_FAILED');
  });

  it('refuses the same context twice in one call (it would reuse a key and nonce)', () => {
    const ctx = { record: 'r', field: 'f' };
    expect(codeOf(() => sealMany(kp.publicKey, [{ plaintext: new Uint8Array(1), context: ctx }, { plaintext: new Uint8Array(2), context: ctx }]))).toBe('INVALID_INPUT');
  });
});
