/**
 * Ed25519 public keys applications sign their requests with (`X-Provenance-Signature`), one per
 * user, kept in a JSON file (written atomically) beside the provenance log.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ed25519PublicKey } from '@chainm2m/provenance';
import { ApiError, ApiErrorCode } from '../api/ApiError.js';

export class AppKeyRegistry {
  private readonly keys = new Map<string, string>();

  /** `path` undefined: in memory only. */
  constructor(private readonly path?: string) {
    if (!path) return;
    try {
      const o = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      for (const [user, key] of Object.entries(o)) if (typeof key === 'string') this.keys.set(user, key);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  get(username: string): string | undefined {
    return this.keys.get(username);
  }

  /** Registers (or replaces) `username`'s key: raw 32-byte Ed25519, base64url. */
  set(username: string, publicKey: string): void {
    if (!ed25519PublicKey(publicKey)) throw new ApiError(ApiErrorCode.BadRequest, 'body/publicKey: not a raw Ed25519 public key in base64url', { details: { field: 'body/publicKey' } });
    this.keys.set(username, publicKey);
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(Object.fromEntries(this.keys), null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
