import type { Clock } from '@chainm2m/lwm2m';

export interface LoginRateLimits {
  /** Failed attempts allowed per username within the window. */
  readonly perUser: number;
  /** Failed attempts allowed per client address within the window. */
  readonly perAddress: number;
  readonly windowMs: number;
}

export const DefaultLoginRateLimits: LoginRateLimits = { perUser: 5, perAddress: 20, windowMs: 15 * 60_000 };

/**
 * Counts failed logins per username and per address in a fixed window that starts at the first
 * failure. Memory is bounded: at most `maxKeys` keys are tracked (oldest dropped first).
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: LoginRateLimits = DefaultLoginRateLimits,
    private readonly maxKeys = 100_000,
  ) {}

  /** Milliseconds until a new attempt is allowed, 0 when allowed now. */
  retryAfterMs(username: string, address: string): number {
    return Math.max(this.blockedFor(`u:${username}`, this.limits.perUser), this.blockedFor(`a:${address}`, this.limits.perAddress));
  }

  recordFailure(username: string, address: string): void {
    this.bump(`u:${username}`);
    this.bump(`a:${address}`);
  }

  /** A successful login clears the username's counter (not the address's). */
  recordSuccess(username: string): void {
    this.failures.delete(`u:${username}`);
  }

  private blockedFor(key: string, limit: number): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    const left = entry.since + this.limits.windowMs - this.clock.now();
    if (left <= 0) {
      this.failures.delete(key);
      return 0;
    }
    return entry.count >= limit ? left : 0;
  }

  private bump(key: string): void {
    const now = this.clock.now();
    const entry = this.failures.get(key);
    if (entry && entry.since + this.limits.windowMs > now) {
      entry.count += 1;
      return;
    }
    this.failures.delete(key);
    if (this.failures.size >= this.maxKeys) {
      const oldest = this.failures.keys().next();
      if (!oldest.done) this.failures.delete(oldest.value);
    }
    this.failures.set(key, { count: 1, since: now });
  }
}
