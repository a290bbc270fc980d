import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBootstrapFailure, type BootstrapFailedEvent, type BootstrapServer } from '@chainm2m/bootstrap-server';
import { SystemClock, type Clock, type TimerHandle } from '@chainm2m/lwm2m';

/** Written by `up` beside its runtime file: the failed bootstraps `chainm2m status` shows. */
export const BOOTSTRAP_FAILURES_FILE = 'bootstrap-failures.json';

export interface RecordedBootstrapFailure {
  /** ISO time of the failure. */
  readonly at: string;
  readonly endpoint: string;
  /** `bootstrap-write /1/0`, when a step failed. */
  readonly step?: string;
  readonly code?: string;
  readonly diagnostic?: string;
  readonly reason: string;
  readonly peer: string;
}

export interface BootstrapFailuresFile {
  /** The `up` process that wrote it. */
  readonly pid: number;
  /** Failed sessions since that process started. */
  readonly total: number;
  /** The latest failures, newest last. */
  readonly last: readonly RecordedBootstrapFailure[];
}

export interface BootstrapFailureRecorderOptions {
  readonly dataDir: string;
  /** Failures kept (default 20). */
  readonly keep?: number;
  /** At most one file write per this many ms (default 1,000): a flood of failures costs one write a second. */
  readonly flushMs?: number;
  readonly clock?: Clock;
  /** Unix ms for the `at` of each failure (default `Date.now`). */
  readonly wallClock?: () => number;
  /** Each failure as one log line (endpoint, step, code, diagnostic). */
  readonly log?: (line: string) => void;
}

function recorded(e: BootstrapFailedEvent, wallMs: number): RecordedBootstrapFailure {
  return {
    at: new Date(wallMs).toISOString(),
    endpoint: e.endpoint,
    ...(e.operation === undefined ? {} : { step: e.operation === 'bootstrap-finish' || e.path === undefined ? e.operation : `${e.operation} ${e.path}` }),
    ...(e.code === undefined ? {} : { code: e.code }),
    ...(e.diagnostic === undefined ? {} : { diagnostic: e.diagnostic }),
    reason: e.reason,
    peer: `${e.peer.address}:${e.peer.port}`,
  };
}

/**
 * Logs every failed bootstrap session as one line and keeps the latest in
 * `<dataDir>/bootstrap-failures.json` (written atomically, throttled) for `chainm2m status`.
 */
export function recordBootstrapFailures(events: BootstrapServer['events'], options: BootstrapFailureRecorderOptions): { stop(): void; flush(): void } {
  const clock = options.clock ?? SystemClock;
  const wall = options.wallClock ?? Date.now;
  const keep = options.keep ?? 20;
  const path = join(options.dataDir, BOOTSTRAP_FAILURES_FILE);
  const last: RecordedBootstrapFailure[] = [];
  let total = 0;
  let timer: TimerHandle | undefined;
  const flush = (): void => {
    timer?.cancel();
    timer = undefined;
    const file: BootstrapFailuresFile = { pid: process.pid, total, last };
    try {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
      renameSync(`${path}.tmp`, path);
    } catch (err) {
      options.log?.(`cannot write ${path}: ${(err as Error).message}`);
    }
  };
  flush(); // a fresh `up` starts from zero, not with the previous run's failures
  const off = events.on('failed', (e) => {
    options.log?.(formatBootstrapFailure(e));
    total += 1;
    last.push(recorded(e, wall()));
    if (last.length > keep) last.splice(0, last.length - keep);
    timer ??= clock.setTimer(options.flushMs ?? 1_000, flush);
  });
  return {
    flush,
    stop: () => {
      off();
      if (timer) flush();
    },
  };
}

/** The failures file of `dataDir`, when there is a readable one. */
export function readBootstrapFailures(dataDir: string): BootstrapFailuresFile | undefined {
  try {
    const f = JSON.parse(readFileSync(join(dataDir, BOOTSTRAP_FAILURES_FILE), 'utf8')) as BootstrapFailuresFile;
    if (typeof f.total !== 'number' || !Array.isArray(f.last)) return undefined;
    return f;
  } catch {
    return undefined;
  }
}
