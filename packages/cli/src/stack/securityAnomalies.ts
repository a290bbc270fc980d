import type { AnomalyLog, Clock, NewAnomaly } from '@chainm2m/lwm2m';

/**
 * Turns refused bootstrap/registration attempts into anomaly records, without letting an attacker
 * turn a flood of bad handshakes into a flood of chain writes: one record per endpoint and kind per
 * `windowMs`, and at most `maxPerWindow` records per window overall (the rest are counted).
 */
export class SecurityAnomalyReporter {
  private readonly seen = new Map<string, number>();
  private windowStart = 0;
  private inWindow = 0;
  suppressed = 0;

  constructor(
    private readonly log: AnomalyLog,
    private readonly clock: Clock,
    private readonly wallSec: () => number,
    private readonly windowMs = 60_000,
    private readonly maxPerWindow = 60,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  report(endpoint: string, kind: string, value: string, severity = 3): void {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.inWindow = 0;
      this.seen.clear();
    }
    const key = `${endpoint}\u0000${kind}`;
    if (this.seen.has(key) || this.inWindow >= this.maxPerWindow) {
      this.suppressed += 1;
      return;
    }
    this.seen.set(key, now);
    this.inWindow += 1;
    const record: NewAnomaly = { endpoint: endpoint || '(unknown)', collectedAt: Math.floor(this.wallSec()), severity, kind, value };
    this.log.append(record).catch(this.onError);
  }
}
