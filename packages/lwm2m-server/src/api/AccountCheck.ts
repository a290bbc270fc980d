import type { Clock, UserRole } from '@chainm2m/lwm2m';
import { ApiError, ApiErrorCode } from './ApiError.js';
import type { TokenClaims } from './jwt.js';

/**
 * Makes a token follow its user's account: once the user is disabled, or given another role or
 * clearance, tokens issued before stop working within `ttlMs` (at once for changes made through
 * this API). Each user's record is read at most once per `ttlMs`.
 */
export class AccountCheck {
  private readonly seen = new Map<string, { readonly at: number; readonly ok: (c: TokenClaims) => boolean }>();

  constructor(
    private readonly lookup: (username: string) => Promise<{ readonly active: boolean; readonly role: UserRole; readonly clearance: number } | undefined>,
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
    private readonly maxUsers = 100_000,
  ) {}

  async check(claims: TokenClaims): Promise<void> {
    const now = this.clock.now();
    let entry = this.seen.get(claims.sub);
    if (!entry || now - entry.at >= this.ttlMs) {
      const user = await this.lookup(claims.sub);
      entry = {
        at: now,
        ok: (c) => user !== undefined && user.active && user.role === c.role && user.clearance === c.clearance,
      };
      if (this.seen.size >= this.maxUsers) this.seen.delete(this.seen.keys().next().value as string);
      this.seen.set(claims.sub, entry);
    }
    if (!entry.ok(claims)) throw new ApiError(ApiErrorCode.Unauthorized, 'the account was disabled or changed: log in again');
  }

  /** Forgets what is known of a user (after a change made in this process). */
  forget(username: string): void {
    this.seen.delete(username);
  }
}
