/**
 * Time and randomness, injected into protocol code so retransmission and expiry are tested with
 * fake clocks instead of sleeps.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic for `SystemClock`. */
  now(): number;
  /** Calls `fn` once after `ms`. Timers never keep the process alive. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  bytes(n: number): Uint8Array;
}

export const SystemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

export { SystemRandom } from './SystemRandom.js';

/** A manually advanced clock for tests. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.seq++;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return { cancel: () => void this.timers.delete(id) };
  }

  /** Number of timers still pending. */
  get pending(): number {
    return this.timers.size;
  }

  /** Advances time, firing due timers in order (timers scheduled while advancing fire too when due). */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Infinity;
      for (const [id, timer] of this.timers) {
        if (timer.at <= target && timer.at < nextAt) {
          nextAt = timer.at;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId);
      this.timers.delete(nextId);
      this.t = Math.max(this.t, nextAt);
      timer?.fn();
    }
    this.t = target;
  }
}

/** A deterministic Random for tests and reproducible simulations (xorshift32). Not for keys. */
export function seededRandom(seed = 0x2545f491): Random {
  let s = seed >>> 0 || 1;
  const step = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    next: () => step() / 2 ** 32,
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = step() & 0xff;
      return out;
    },
  };
}
