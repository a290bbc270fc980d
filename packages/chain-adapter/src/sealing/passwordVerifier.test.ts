import { describe, expect, it } from 'vitest';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { createPasswordVerifier, parsePasswordVerifier, verifyPassword } from './passwordVerifier.js';

describe('password verifier', () => {
  it('verifies the right password only, with a per-user salt', async () => {
    const v1 = await createPasswordVerifier('correct horse');
    const v2 = await createPasswordVerifier('correct horse');
    expect(v1).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(v1).not.toBe(v2);
    expect(v1).not.toContain('correct');
    expect(await verifyPassword('correct horse', v1)).toBe(true);
    expect(await verifyPassword('correct horse', v2)).toBe(true);
    expect(await verifyPassword('correct hors', v1)).toBe(false);
    expect(await verifyPassword('', v1)).toBe(false);
  });

  it('rejects malformed verifiers and absurd parameters', async () => {
    for (const bad of ['', 'plain', 'scrypt$3$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA', 'scrypt$4194304$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA', 'bcrypt$16384$8$1$a$b']) {
      await expect(verifyPassword('x', bad)).rejects.toBeInstanceOf(ChainAdapterError);
    }
    expect(() => parsePasswordVerifier('scrypt$16384$8$1$$')).toThrow(/malformed/);
    await expect(createPasswordVerifier('')).rejects.toBeInstanceOf(ChainAdapterError);
  });
});
