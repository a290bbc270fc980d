/**
 * Password verifiers: `scrypt$<N>$<r>$<p>$<salt base64url>$<hash base64url>` with a random 16-byte
 * salt per user and a 32-byte hash. On chain the verifier is sealed as well (field `user.verifier`).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ChainAdapterError } from '../ChainAdapterError.js';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. Default 2^14. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1 };
const MAX_N = 1 << 20;
const HASH_LEN = 32;
const SALT_LEN = 16;

function scryptAsync(password: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      Buffer.from(password.normalize('NFC'), 'utf8'),
      salt,
      keylen,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export async function createPasswordVerifier(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw new ChainAdapterError('INVALID_INPUT', 'empty password');
  checkParams(params);
  const salt = randomBytes(SALT_LEN);
  const hash = await scryptAsync(password, salt, HASH_LEN, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

interface ParsedVerifier {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export function parsePasswordVerifier(verifier: string): ParsedVerifier {
  const parts = typeof verifier === 'string' ? verifier.split('$') : [];
  const bad = (): never => {
    throw new ChainAdapterError('PASSWORD_BAD_VERIFIER', 'malformed password verifier');
  };
  if (parts.length !== 6 || parts[0] !== 'scrypt') bad();
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const params = { N, r, p };
  try {
    checkParams(params);
  } catch {
    bad();
  }
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const hash = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) bad();
  return { params, salt, hash };
}

/** Constant-time check of `password` against `verifier`. A malformed verifier throws `PASSWORD_BAD_VERIFIER`. */
export async function verifyPassword(password: string, verifier: string): Promise<boolean> {
  const v = parsePasswordVerifier(verifier);
  if (typeof password !== 'string') return false;
  const got = await scryptAsync(password, v.salt, v.hash.length, v.params);
  return timingSafeEqual(got, v.hash);
}

function checkParams(p: ScryptParams): void {
  const ok =
    Number.isInteger(p.N) && p.N >= 2 && p.N <= MAX_N && (p.N & (p.N - 1)) === 0 &&
    Number.isInteger(p.r) && p.r >= 1 && p.r <= 32 && Number.isInteger(p.p) && p.p >= 1 && p.p <= 16;
  if (!ok) throw new ChainAdapterError('INVALID_INPUT', 'bad scrypt parameters');
}
