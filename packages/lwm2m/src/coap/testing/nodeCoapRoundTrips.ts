/**
 * Benchmark helper (not exported from the package): node-coap 1.5 client -> node-coap server round
 * trips on loopback, the reference the CoAP endpoint benchmark prints beside its own figures.
 */
import { performance } from 'node:perf_hooks';
import coap from 'coap';

export interface LatencySummaryLike {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

function summarize(samples: number[]): LatencySummaryLike {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
  return { n: s.length, p50: at(50), p99: at(99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1), max: s.at(-1) ?? Number.NaN };
}

/** node-coap 1.5 client -> node-coap server, same load: a reference point for a CoAP stack in Node. */
export async function nodeCoapRoundTrips(concurrency: number, durationMs: number): Promise<{ perSec: number; latencyUs: LatencySummaryLike }> {
  const payload = Buffer.alloc(64, 0x42);
  const server = coap.createServer({ type: 'udp4' }, (_req, res) => res.end(payload));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server._sock as { address(): { port: number } }).address().port;
  const agent = new coap.Agent({ type: 'udp4' });
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = coap.request({ hostname: '127.0.0.1', port, pathname: '/3/0/0', agent });
      req.on('response', () => resolve());
      req.on('error', reject);
      req.end();
    });
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = 0; i < Math.ceil(3000 / concurrency); i++) await one();
  }));
  const samples: number[] = [];
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await one().catch(() => undefined);
        samples.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.close();
  await new Promise<void>((r) => server.close(() => r()));
  return { perSec: samples.length / elapsed, latencyUs: summarize(samples) };
}

