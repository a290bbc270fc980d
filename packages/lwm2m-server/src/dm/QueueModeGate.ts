/**
 * Queue mode (LwM2M 1.1 TS Transport §6.5): a device with `Q` is reachable only for a while
 * after it sent Register/Update. Requests for a sleeping device are held — bounded per device,
 * each with a deadline — and run one at a time, in order, when the device is next awake.
 */
import type { Clock, TimerHandle } from '@chainm2m/lwm2m';
import { Lwm2mServerError } from '../Lwm2mServerError.js';

interface Held {
  readonly run: () => Promise<unknown>;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: TimerHandle;
}

export interface QueueModeOptions {
  /** Requests held per sleeping device (default 32); beyond: `DEVICE_QUEUE_FULL`. */
  readonly maxPerDevice?: number;
  /** How long a held request waits for the device (default 5 min); then `DEVICE_TIMEOUT`. */
  readonly maxWaitMs?: number;
  /** How long a device stays awake after Register/Update or a successful exchange (default 93 s). */
  readonly awakeWindowMs?: number;
  /** Clock of the awake windows and held-request deadlines (default: the server's clock). */
  readonly clock?: Clock;
}

export class QueueModeGate {
  private readonly awakeUntil = new Map<string, number>();
  private readonly held = new Map<string, Held[]>();
  private readonly flushing = new Set<string>();
  private readonly maxPerDevice: number;
  private readonly maxWaitMs: number;
  private readonly awakeWindowMs: number;

  private readonly clock: Clock;

  constructor(clock: Clock, opts: QueueModeOptions = {}) {
    this.clock = opts.clock ?? clock;
    this.maxPerDevice = opts.maxPerDevice ?? 32;
    this.maxWaitMs = opts.maxWaitMs ?? 300_000;
    this.awakeWindowMs = opts.awakeWindowMs ?? 93_000;
  }

  isAwake(endpoint: string): boolean {
    return (this.awakeUntil.get(endpoint) ?? -Infinity) > this.clock.now();
  }

  /** Number of requests held for `endpoint`. */
  pending(endpoint: string): number {
    return this.held.get(endpoint)?.length ?? 0;
  }

  /** The device just talked to us (Register/Update): run what is held. */
  markAwake(endpoint: string): void {
    this.awakeUntil.set(endpoint, this.clock.now() + this.awakeWindowMs);
    // After the current response went out.
    setImmediate(() => void this.flush(endpoint));
  }

  markAsleep(endpoint: string): void {
    this.awakeUntil.delete(endpoint);
  }

  /** Rejects everything held for `endpoint` and forgets it. */
  drop(endpoint: string, error: Lwm2mServerError): void {
    this.awakeUntil.delete(endpoint);
    const list = this.held.get(endpoint);
    this.held.delete(endpoint);
    for (const h of list ?? []) {
      h.timer.cancel();
      h.reject(error);
    }
  }

  dropAll(error: Lwm2mServerError): void {
    for (const ep of [...this.held.keys()]) this.drop(ep, error);
  }

  /** Runs `fn` now when the device is not in queue mode or awake; otherwise holds it. */
  run<T>(endpoint: string, queueMode: boolean, fn: () => Promise<T>): Promise<T> {
    if (!queueMode || (this.isAwake(endpoint) && this.pending(endpoint) === 0)) return this.exec(endpoint, queueMode, fn);
    let list = this.held.get(endpoint);
    if (!list) {
      list = [];
      this.held.set(endpoint, list);
    }
    if (list.length >= this.maxPerDevice) {
      return Promise.reject(new Lwm2mServerError('SRV_DEVICE_QUEUE_FULL', 'queue-mode device is asleep and its request queue is full', { details: { endpoint, held: list.length } }));
    }
    const queue = list;
    return new Promise<T>((resolve, reject) => {
      const entry: Held = {
        run: fn,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: this.clock.setTimer(this.maxWaitMs, () => {
          const i = queue.indexOf(entry);
          if (i >= 0) queue.splice(i, 1);
          reject(new Lwm2mServerError('SRV_DEVICE_TIMEOUT', 'queue-mode device did not wake up before the deadline', { details: { endpoint, waitedMs: this.maxWaitMs } }));
        }),
      };
      queue.push(entry);
      if (this.isAwake(endpoint)) void this.flush(endpoint);
    });
  }

  private async exec<T>(endpoint: string, queueMode: boolean, fn: () => Promise<T>): Promise<T> {
    try {
      const v = await fn();
      if (queueMode) this.awakeUntil.set(endpoint, this.clock.now() + this.awakeWindowMs);
      return v;
    } catch (err) {
      if (queueMode && err instanceof Lwm2mServerError && err.code === 'SRV_DEVICE_TIMEOUT') this.markAsleep(endpoint);
      throw err;
    }
  }

  private async flush(endpoint: string): Promise<void> {
    if (this.flushing.has(endpoint)) return;
    this.flushing.add(endpoint);
    try {
      for (;;) {
        const list = this.held.get(endpoint);
        if (!list || list.length === 0 || !this.isAwake(endpoint)) break;
        const h = list.shift() as Held;
        if (list.length === 0) this.held.delete(endpoint);
        h.timer.cancel();
        try {
          h.resolve(await this.exec(endpoint, true, h.run));
        } catch (err) {
          h.reject(err);
        }
      }
    } finally {
      this.flushing.delete(endpoint);
    }
  }
}
