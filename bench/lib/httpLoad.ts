/**
 * HTTP load from this process with autocannon (keep-alive connections, closed loop or a fixed
 * overall rate). Latency is taken per response from autocannon's `response` event (sub-millisecond
 * floats; autocannon's own histogram keeps whole milliseconds only) and summarised with `summarize`.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { summarize, type LatencySummary } from './stats.js';

/** What autocannon passes to and expects back from `setupRequest`. */
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
}

/** The part of autocannon's options this module uses. */
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  timeout: number;
  headers: Record<string, string>;
  requests: AutocannonRequest[];
  overallRate?: number;
}

/** The part of autocannon's result this module uses. */
interface AutocannonResult {
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly '2xx': number;
}

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): void;
}

type Autocannon = (opts: AutocannonOptions, cb: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface HttpLoadOptions {
  /** Origin, e.g. `http://127.0.0.1:1234`. */
  readonly origin: string;
  /** Path of the n-th request (called once per request, so it can vary). */
  readonly path: (n: number) => string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly durationSec: number;
  /** Requests per second over all connections; absent = as fast as the server answers. */
  readonly overallRate?: number;
}

export interface HttpLoadResult {
  readonly requests: number;
  readonly perSec: number;
  /** Milliseconds, measured by the load generator from request written to response parsed. */
  readonly latencyMs: LatencySummary;
  /** Responses by status code. */
  readonly status: Readonly<Record<string, number>>;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

export function httpLoad(opts: HttpLoadOptions): Promise<HttpLoadResult> {
  const samples: number[] = [];
  const status: Record<string, number> = {};
  let n = 0;
  const request: AutocannonRequest = {
    method: 'GET',
    headers: { ...opts.headers },
    setupRequest: (req) => {
      req.path = opts.path(n++);
      return req;
    },
  };
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const instance = autocannon(
      {
        url: opts.origin,
        connections: opts.connections,
        duration: opts.durationSec,
        pipelining: 1,
        timeout: 10,
        headers: { ...opts.headers },
        requests: [request],
        ...(opts.overallRate !== undefined ? { overallRate: opts.overallRate } : {}),
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        const elapsedSec = (performance.now() - start) / 1000;
        resolve({
          requests: samples.length,
          perSec: samples.length / elapsedSec,
          latencyMs: summarize(samples),
          status,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      samples.push(responseTimeMs);
      status[statusCode] = (status[statusCode] ?? 0) + 1;
    });
  });
}
