/** Raw UDP echo round trips on loopback, measured in the same process the other benchmarks use. */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
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
  const payload = Buffer.alloc(opts.size, 0x42);
  const sentAt = new Map<number, number>();
  const samples: number[] = [];
  let seq = 0;
  let done = 0;
  const deadline = performance.now() + opts.durationMs;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const sendOne = (): void => {
      const id = seq++ & 0xffffffff;
      payload.writeUInt32BE(id, 0);
      sentAt.set(id, performance.now());
      client.send(payload, port, '127.0.0.1');
    };
    client.on('message', (msg) => {
      const id = msg.readUInt32BE(0);
      const t0 = sentAt.get(id);
      if (t0 !== undefined) {
        sentAt.delete(id);
        samples.push((performance.now() - t0) * 1000);
        done += 1;
      }
      if (performance.now() < deadline) sendOne();
      else if (sentAt.size === 0) resolve();
    });
    for (let i = 0; i < opts.concurrency; i++) sendOne();
    // A lost datagram must not hang the benchmark.
    setTimeout(resolve, opts.durationMs + 1000).unref();
  });
  const elapsed = (performance.now() - start) / 1000;
  client.close();
  server.close();
  return { perSec: done / elapsed, latencyUs: summarize(samples) };
}
