import type { Clock } from '@chainm2m/lwm2m';

export interface LoginRateLimits {
  /** Failed attempts allowed per username and client address within the window. */
  readonly perUserAddress: number;
  /** Failed attempts allowed per client address (all usernames) within the window. */
  readonly perAddress: number;
  readonly windowMs: number;
  /**
   * Failed attempts per username from all addresses within `globalWindowMs` after which logins of
   * that user from addresses it never logged in from wait, doubling from 1 s up to `maxBackoffMs`.
   */
  readonly perUser: number;
  readonly globalWindowMs: number;
  readonly maxBackoffMs: number;
}

export const DefaultLoginRateLimits: LoginRateLimits = {
  perUserAddress: 5,
  perAddress: 20,
  windowMs: 15 * 60_000,
  perUser: 20,
  globalWindowMs: 60 * 60_000,
  maxBackoffMs: 15 * 60_000,
};

/** How long an address a user logged in from counts as one of its usual addresses. */
const USUAL_ADDRESS_MS = 30 * 24 * 3600_000;
const USUAL_ADDRESSES_PER_USER = 16;

interface Window {
  count: number;
  since: number;
  last: number;
}

/** An attempt counted before the password is checked; say how it ended. */
export interface LoginAttempt {
  succeeded(): void;
  failed(): void;
}

/**
 * Counts logins so that the limits hold under any concurrency: an attempt is reserved (counted as
 * a failure) before the asynchronous password check and un-counted only when it succeeds, so 100
 * parallel guesses get 5 checks, not 100. Counts are per username + address (a stranger's guesses
 * do not lock the user out of its usual address), per address, and per username from everywhere
 * with an exponential backoff that spares the addresses the user logged in from. Memory is
 * bounded: at most `maxKeys` keys per table (oldest dropped first).
 */
export class LoginRateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly usual = new Map<string, Map<string, number>>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: LoginRateLimits = DefaultLoginRateLimits,
    private readonly maxKeys = 100_000,
  ) {}

  /** Reserves an attempt, or returns the milliseconds to wait before one is allowed. */
  reserve(username: string, address: string): LoginAttempt | { readonly retryAfterMs: number } {
    const now = this.clock.now();
    const ua = `ua:${username}\n${address}`;
    const a = `a:${address}`;
    const u = `u:${username}`;
    const wait = Math.max(
      this.blockedFor(ua, this.limits.perUserAddress, this.limits.windowMs, now),
      this.blockedFor(a, this.limits.perAddress, this.limits.windowMs, now),
      this.isUsual(username, address, now) ? 0 : this.backoffFor(u, now),
    );
    if (wait > 0) return { retryAfterMs: wait };
    for (const [key, windowMs] of [[ua, this.limits.windowMs], [a, this.limits.windowMs], [u, this.limits.globalWindowMs]] as const) this.bump(key, windowMs, now);
    let settled = false;
    return {
      succeeded: () => {
        if (settled) return;
        settled = true;
        this.windows.delete(ua);
        this.unbump(a);
        this.unbump(u);
        this.rememberUsual(username, address, this.clock.now());
      },
      failed: () => {
        settled = true;
      },
    };
  }

  private blockedFor(key: string, limit: number, windowMs: number, now: number): number {
    const w = this.windows.get(key);
    if (!w) return 0;
    const left = w.since + windowMs - now;
    if (left <= 0) {
      this.windows.delete(key);
      return 0;
    }
    return w.count >= limit ? left : 0;
  }

  private backoffFor(key: string, now: number): number {
    const w = this.windows.get(key);
    if (!w || w.since + this.limits.globalWindowMs <= now || w.count < this.limits.perUser) return 0;
    const backoff = Math.min(1000 * 2 ** Math.min(w.count - this.limits.perUser, 30), this.limits.maxBackoffMs);
    return Math.max(0, w.last + backoff - now);
  }

  private bump(key: string, windowMs: number, now: number): void {
    const w = this.windows.get(key);
    if (w && w.since + windowMs > now) {
      w.count += 1;
      w.last = now;
      return;
    }
    this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value as string);
    this.windows.set(key, { count: 1, since: now, last: now });
  }

  private unbump(key: string): void {
    const w = this.windows.get(key);
    if (w && w.count > 0) w.count -= 1;
  }

  private isUsual(username: string, address: string, now: number): boolean {
    const at = this.usual.get(username)?.get(address);
    return at !== undefined && now - at < USUAL_ADDRESS_MS;
  }

  private rememberUsual(username: string, address: string, now: number): void {
    let addresses = this.usual.get(username);
    if (!addresses) {
      if (this.usual.size >= this.maxKeys) this.usual.delete(this.usual.keys().next().value as string);
      addresses = new Map();
      this.usual.set(username, addresses);
    }
    addresses.delete(address);
    if (addresses.size >= USUAL_ADDRESSES_PER_USER) addresses.delete(addresses.keys().next().value as string);
    addresses.set(address, now);
  }
}
