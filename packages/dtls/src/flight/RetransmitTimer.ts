/**
 * Flight retransmission timer (RFC 6347 §4.2.4): starts at `initialMs`, doubles on every expiry up to
 * `maxMs`, on an injected clock. The owner decides on each expiry whether to resend or give up.
 */
import type { Clock, TimerHandle } from '../types.js';

export class RetransmitTimer {
  private handle: TimerHandle | undefined;
  private timeoutMs: number;
  /** Number of expiries since `start()`. */
  attempts = 0;

  constructor(
    private readonly clock: Clock,
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly onExpiry: (attempt: number) => void,
  ) {
    this.timeoutMs = initialMs;
  }

  /** (Re)starts from the initial timeout, e.g. when a new flight is sent. */
  start(): void {
    this.cancel();
    this.attempts = 0;
    this.timeoutMs = this.initialMs;
    this.arm();
  }

  /** Arms the next, backed-off, expiry (call from `onExpiry` after resending). */
  arm(): void {
    this.cancel();
    this.handle = this.clock.setTimer(this.timeoutMs, () => {
      this.handle = undefined;
      this.attempts += 1;
      this.timeoutMs = Math.min(this.timeoutMs * 2, this.maxMs);
      this.onExpiry(this.attempts);
    });
  }

  cancel(): void {
    this.handle?.cancel();
    this.handle = undefined;
  }

  get armed(): boolean {
    return this.handle !== undefined;
  }
}
