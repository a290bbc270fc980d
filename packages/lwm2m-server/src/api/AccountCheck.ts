import type { Clock, UserRole } from '@chainm2m/lwm2m';
import { ApiError, ApiErrorCode } from './ApiError.js';
import type { TokenClaims } from './jwt.js';

/**
 * Makes a token follow its user's account: once the user is disabled, or given another role,
 * clearance or password, tokens issued before stop working within `ttlMs` (at once for changes made through
 * this API). Each user's record is read at most once per `ttlMs`.
 */
export class AccountCheck {
  private readonly seen = new Map<string, { readonly at: number; readonly ok: (c: TokenClaims) => boolean }>();

  constructor(
    private readonly lookup: (
      username: string,
    ) => Promise<{ readonly view: { readonly active: boolean; readonly role: UserRole; readonly clearance: number }; readonly stamp: string } | undefined>,
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
    private readonly maxUsers = 100_000,
  ) {}

  /** Throws (or rejects) with 401 unless the account still matches the token; synchronous on a cache hit. */
  check(claims: TokenClaims): Promise<void> | undefined {
    const entry = this.seen.get(claims.sub);
    if (entry && this.clock.now() - entry.at < this.ttlMs) {
      AccountCheck.assert(entry, claims);
      return undefined;
    }
    return this.refresh(claims);
  }

  private async refresh(claims: TokenClaims): Promise<void> {
    const account = await this.lookup(claims.sub);
    const user = account?.view;
    const entry = {
      at: this.clock.now(),
      ok: (c: TokenClaims) => user !== undefined && user.active && user.role === c.role && user.clearance === c.clearance && account?.stamp === c.stamp,
    };
    if (this.seen.size >= this.maxUsers) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(claims.sub, entry);
    AccountCheck.assert(entry, claims);
  }

  private static assert(entry: { readonly ok: (c: TokenClaims) => boolean }, claims: TokenClaims): void {
    if (!entry.ok(claims)) throw new ApiError(ApiErrorCode.Unauthorized, 'the account was disabled or changed: log in again');
  }

  /** Forgets what is known of a user (after a change made in this process). */
  forget(username: string): void {
    this.seen.delete(username);
  }
}
