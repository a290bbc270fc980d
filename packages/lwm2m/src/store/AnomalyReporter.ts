import { SystemClock, type Clock } from '../time/Clock.js';
import type { AnomalyLog, NewAnomaly } from './AnomalyLog.js';

export interface AnomalyReporterOptions {
  readonly log: AnomalyLog;
  readonly clock?: Clock;
  /** A key is reported at most once per window, ms (default 60,000). */
  readonly windowMs?: number;
  /** At most this many records per window overall (default unlimited): a flood stays a trickle. */
  readonly maxPerWindow?: number;
}

export interface AnomalyReporterStats {
  readonly appended: number;
  /** Repeats of a key inside its window, or past `maxPerWindow`: counted, not written. */
  readonly suppressed: number;
  /** Appends that failed. */
  readonly errors: number;
}

/**
 * Writes anomalies that protocol events raise (refused bootstraps and registrations, failed
 * handshakes) without letting an attacker turn a flood of bad attempts into a flood of chain
 * writes: one record per key per window, and an overall cap per window. Appends run in the
 * background; `flush()` waits for them.
 */
export class AnomalyReporter {
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly maxPerWindow: number;
  private readonly lastSent = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private windowStart = Number.NEGATIVE_INFINITY;
  private inWindow = 0;
  private readonly counters = { appended: 0, suppressed: 0, errors: 0 };

  constructor(private readonly opts: AnomalyReporterOptions) {
    this.clock = opts.clock ?? SystemClock;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxPerWindow = opts.maxPerWindow ?? Number.POSITIVE_INFINITY;
  }

  /** Appends `anomaly` unless `key` was reported within the window; returns whether it was admitted. */
  report(key: string, anomaly: NewAnomaly): boolean {
    if (!this.admit(key)) return false;
    const p = this.opts.log.append(anomaly).then(
      () => void (this.counters.appended += 1),
      () => void (this.counters.errors += 1),
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return true;
  }

  /** Counts a failure that happened before an anomaly could be made (e.g. a lookup). */
  countError(): void {
    this.counters.errors += 1;
  }

  stats(): AnomalyReporterStats {
    return { ...this.counters };
  }

  /** Resolves when every append started so far has settled. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private admit(key: string): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    const last = this.lastSent.get(key);
    if ((last !== undefined && now - last < this.windowMs) || this.inWindow >= this.maxPerWindow) {
      this.counters.suppressed += 1;
      return false;
    }
    if (this.lastSent.size > 10_000) {
      for (const [k, t] of this.lastSent) if (now - t >= this.windowMs) this.lastSent.delete(k);
    }
    this.lastSent.set(key, now);
    this.inWindow += 1;
    return true;
  }
}
