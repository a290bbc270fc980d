/** Raw UDP echo round trips on loopback, measured in the same process the other benchmarks use. */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { echoLoop } from './echoLoop.js';
import { summarize, type LatencySummary } from './stats.js';

export interface UdpRoundTripResult {
  readonly perSec: number;
  readonly latencyUs: LatencySummary;
}

export async function udpRoundTrips(opts: { durationMs: number; concurrency: number; size: number }): Promise<UdpRoundTripResult> {
  const server = createSocket('udp4');
  server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  const port = server.address().port;
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  const samples: number[] = [];
  const start = performance.now();
  const done = await echoLoop(
    { send: (payload) => client.send(payload, port, '127.0.0.1'), onReply: (h) => client.on('message', h) },
    { inFlight: opts.concurrency, size: opts.size, deadline: start + opts.durationMs, samples },
  );
  const elapsed = (performance.now() - start) / 1000;
  client.close();
  server.close();
  return { perSec: done / elapsed, latencyUs: summarize(samples) };
}
