import { SystemClock, type Clock, type Random } from '@chainm2m/lwm2m';
import { ClientSimError } from '../ClientSimError.js';
import { parseCoapUri } from '../device/coapUri.js';
import { Scheduler } from '../device/Scheduler.js';
import { SimDevice, type SimDeviceOptions } from '../device/SimDevice.js';
import { deriveSimCredentials, simulationEndpoints, type PskCredentials } from './credentials.js';

export interface SimulationProgress {
  readonly total: number;
  readonly started: number;
  readonly bootstrapped: number;
  readonly registered: number;
  readonly failed: number;
  /** Devices between start and done. */
  readonly inFlight: number;
  readonly elapsedMs: number;
  /** Devices done (registered, or bootstrapped when not registering) per second so far. */
  readonly perSecond: number;
  /** `true` on the last call. */
  readonly done: boolean;
}

export interface LatencyStats {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

export interface SimulationResult {
  readonly total: number;
  readonly bootstrapped: number;
  readonly registered: number;
  readonly failed: number;
  /** Failures by error code (`SIM_BOOTSTRAP_TIMEOUT`, `DTLS_...`, ...). */
  readonly errors: Readonly<Record<string, number>>;
  /** ms from the device's start to Bootstrap-Finish (handshake included). */
  readonly bootstrapMs: LatencyStats;
  /** ms from the start of registration to 2.01 (handshake included). */
  readonly registerMs: LatencyStats;
  readonly durationMs: number;
  /** The registered devices, when `keepRunning` (empty otherwise). */
  readonly devices: readonly SimDevice[];
  /** Stops the devices kept running (de-registering them first when `deregister` is true). */
  stop(opts?: { deregister?: boolean }): Promise<void>;
}

export interface SimulationOptions {
  readonly devices: number;
  /** Endpoint name prefix (default `sim-`): endpoints `sim-1` .. `sim-N`. */
  readonly prefix?: string;
  /** Index of the first endpoint (default 1). */
  readonly startIndex?: number;
  readonly bootstrapUri: string;
  /** Devices started per second (default: as fast as `concurrency` allows). */
  readonly rate?: number;
  /** Devices bootstrapping/registering at once (default 256). */
  readonly concurrency?: number;
  /**
   * Called once with every endpoint name before any device starts (e.g. the CLI writes the
   * endpoints to the chain). May return the bootstrap credentials per endpoint.
   */
  readonly provision?: (endpoints: readonly string[]) => Promise<void | ReadonlyMap<string, PskCredentials>>;
  /** Bootstrap credentials of an endpoint (default `deriveSimCredentials(ep).bootstrap`). */
  readonly credentials?: (endpoint: string) => PskCredentials | Promise<PskCredentials>;
  /** Register after bootstrap (default true). */
  readonly register?: boolean;
  /** Keep registered devices running (Updates, management) and return them (default false: de-register and stop). */
  readonly keepRunning?: boolean;
  readonly onProgress?: (p: SimulationProgress) => void;
  /** Default 500 ms. */
  readonly progressIntervalMs?: number;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Extra options for every device (formats, timeouts, profile, connector...). */
  readonly device?: Partial<Omit<SimDeviceOptions, 'endpoint' | 'bootstrap' | 'clock' | 'random' | 'scheduler'>>;
}

/** Nearest-rank percentile summary. */
export function latencyStats(samples: readonly number[]): LatencyStats {
  const s = [...samples].sort((a, b) => a - b);
  const pick = (p: number): number => (s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number));
  return {
    n: s.length,
    p50: pick(50),
    p99: pick(99),
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN,
    max: s.length ? (s[s.length - 1] as number) : Number.NaN,
  };
}

function errorCode(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') return (e as { code: string }).code;
  return 'ERROR';
}

const sleep = (clock: Clock, ms: number): Promise<void> => new Promise((r) => (ms <= 0 ? r() : clock.setTimer(ms, r)));

/**
 * Runs N simulated devices from this process: each bootstraps and registers; at most `concurrency`
 * at once and `rate` starts per second; one shared timer heap for all of them. Resolves with the
 * counts and p50/p99 bootstrap and registration times.
 */
export async function runSimulation(opts: SimulationOptions): Promise<SimulationResult> {
  if (!Number.isInteger(opts.devices) || opts.devices < 0) throw new ClientSimError('SIM_BAD_OPTIONS', 'devices must be a non-negative integer');
  if (opts.rate !== undefined && !(opts.rate > 0)) throw new ClientSimError('SIM_BAD_OPTIONS', 'rate must be positive');
  parseCoapUri(opts.bootstrapUri); // SIM_BAD_URI before anything starts
  const clock = opts.clock ?? SystemClock;
  const scheduler = new Scheduler(clock);
  const endpoints = simulationEndpoints(opts.prefix ?? 'sim-', opts.devices, opts.startIndex ?? 1);
  const provided = opts.provision ? await opts.provision(endpoints) : undefined;
  const credentialsOf = async (ep: string): Promise<PskCredentials> =>
    provided?.get(ep) ?? (opts.credentials ? await opts.credentials(ep) : deriveSimCredentials(ep).bootstrap);
  const doRegister = opts.register !== false;
  const concurrency = Math.max(1, opts.concurrency ?? 256);
  const t0 = clock.now();
  let started = 0;
  let bootstrapped = 0;
  let registered = 0;
  let failed = 0;
  let inFlight = 0;
  const errors: Record<string, number> = {};
  const bsTimes: number[] = [];
  const regTimes: number[] = [];
  const kept: SimDevice[] = [];

  const progress = (done: boolean): SimulationProgress => {
    const elapsedMs = clock.now() - t0;
    const completed = doRegister ? registered : bootstrapped;
    return { total: opts.devices, started, bootstrapped, registered, failed, inFlight, elapsedMs, perSecond: elapsedMs > 0 ? (completed * 1000) / elapsedMs : 0, done };
  };
  let progressTimer: { cancel(): void } | undefined;
  const tick = (): void => {
    opts.onProgress?.(progress(false));
    progressTimer = clock.setTimer(opts.progressIntervalMs ?? 500, tick);
  };
  if (opts.onProgress) progressTimer = clock.setTimer(opts.progressIntervalMs ?? 500, tick);

  const runOne = async (endpoint: string): Promise<void> => {
    let device: SimDevice | undefined;
    try {
      const creds = await credentialsOf(endpoint);
      device = new SimDevice({
        ...opts.device,
        endpoint,
        bootstrap: { uri: opts.bootstrapUri, identity: creds.identity, key: creds.key },
        clock,
        ...(opts.random ? { random: opts.random } : {}),
        scheduler,
      });
      const bs = await device.bootstrap();
      bootstrapped++;
      bsTimes.push(bs.durationMs);
      if (doRegister) {
        const reg = await device.register();
        registered++;
        regTimes.push(reg.durationMs);
      }
      if (opts.keepRunning) kept.push(device);
      else {
        if (device.state === 'registered') await device.deregister().catch(() => undefined);
        await device.stop();
      }
    } catch (e) {
      failed++;
      const code = errorCode(e);
      errors[code] = (errors[code] ?? 0) + 1;
      await device?.stop().catch(() => undefined);
    }
  };

  const running = new Set<Promise<void>>();
  const intervalMs = opts.rate ? 1000 / opts.rate : 0;
  // Clock timers never keep the process alive; while the run lasts, something must (a rate-limit
  // pause with no device in flight has no socket open).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    for (let i = 0; i < endpoints.length; i++) {
      if (opts.signal?.aborted) break;
      if (intervalMs > 0) await sleep(clock, t0 + i * intervalMs - clock.now());
      while (running.size >= concurrency) await Promise.race(running);
      if (opts.signal?.aborted) break;
      started++;
      inFlight++;
      const p: Promise<void> = runOne(endpoints[i] as string).finally(() => {
        inFlight--;
        running.delete(p);
      });
      running.add(p);
    }
    await Promise.all(running);
  } finally {
    progressTimer?.cancel();
    clearInterval(keepAlive);
  }
  const durationMs = clock.now() - t0;
  opts.onProgress?.(progress(true));
  return {
    total: opts.devices,
    bootstrapped,
    registered,
    failed,
    errors,
    bootstrapMs: latencyStats(bsTimes),
    registerMs: latencyStats(regTimes),
    durationMs,
    devices: kept,
    stop: async (stopOpts = {}) => {
      const list = kept.splice(0);
      for (let i = 0; i < list.length; i += concurrency) {
        await Promise.all(
          list.slice(i, i + concurrency).map(async (d) => {
            if (stopOpts.deregister && d.state === 'registered') await d.deregister().catch(() => undefined);
            await d.stop();
          }),
        );
      }
      scheduler.clear();
    },
  };
}
