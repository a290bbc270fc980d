/**
 * CoAP endpoint: confirmable request/response round trips per second over plain UDP on loopback
 * (our client endpoint -> our server endpoint, GET with a 64-byte piggybacked response), next to
 * raw UDP echo round trips measured in the same run.
 */
import { performance } from 'node:perf_hooks';
import { CoapEndpoint } from '../packages/lwm2m/src/index.js';
import { UdpTestTransport } from '../packages/lwm2m/src/coap/testing/UdpTestTransport.js';
import { nodeCoapRoundTrips } from '../packages/lwm2m/src/coap/testing/nodeCoapRoundTrips.js';
import { udpRoundTrips } from './lib/udpBaseline.js';
import { report, summarize, type LatencySummary } from './lib/stats.js';

const DURATION_MS = 3000;
const CONCURRENCY = 32;

async function coapRoundTrips(
  concurrency: number,
  durationMs: number,
): Promise<{ perSec: number; latencyUs: LatencySummary; cpuUsPerRoundTrip: number; stats: unknown }> {
  const payload = new Uint8Array(64).fill(0x42);
  const server = new CoapEndpoint({ transport: await UdpTestTransport.bind(), handler: async () => ({ code: '2.05', contentFormat: 42, payload }) });
  const client = new CoapEndpoint({ transport: await UdpTestTransport.bind() });
  const peer = server.address();
  // warm-up (JIT): 3,000 requests at the measured concurrency, not counted
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = 0; i < Math.ceil(3000 / concurrency); i++) await client.request(peer, { method: 'GET', path: '/3/0/0' });
  }));
  const c0 = process.cpuUsage();
  const samples: number[] = [];
  let failed = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await client.request(peer, { method: 'GET', path: '/3/0/0' });
          samples.push((performance.now() - t0) * 1000);
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(c0);
  const stats = { client: client.stats(), server: server.stats(), failed };
  await client.close();
  await server.close();
  return { perSec: samples.length / elapsed, latencyUs: summarize(samples), cpuUsPerRoundTrip: (cpu.user + cpu.system) / Math.max(1, samples.length), stats };
}

/**
 * Runs `fn` and reports the process CPU time (user + system) per round trip, in µs: less sensitive
 * to a busy machine than wall-clock rates. (Includes `fn`'s set-up and warm-up; the CoAP runs
 * measure their own CPU time around the measured loop only.)
 */
async function withCpu<T extends { perSec: number; latencyUs: LatencySummary }>(fn: () => Promise<T>): Promise<T & { cpuUsPerRoundTrip: number }> {
  const c0 = process.cpuUsage();
  const r = await fn();
  const c = process.cpuUsage(c0);
  return { ...r, cpuUsPerRoundTrip: (c.user + c.system) / Math.max(1, r.latencyUs.n) };
}

const udp = await withCpu(() => udpRoundTrips({ durationMs: 2000, concurrency: CONCURRENCY, size: 64 }));
const con = await coapRoundTrips(CONCURRENCY, DURATION_MS);
const con1 = await coapRoundTrips(1, 1000);
const nodeCoap = await withCpu(() => nodeCoapRoundTrips(CONCURRENCY, DURATION_MS));
report(
  'coap',
  {
    udpRoundTripsPerSec: udp.perSec,
    udpLatencyUs: udp.latencyUs,
    udpCpuUsPerRoundTrip: udp.cpuUsPerRoundTrip,
    coapCpuUsPerRoundTrip: con.cpuUsPerRoundTrip,
    nodeCoapCpuUsPerRoundTrip: nodeCoap.cpuUsPerRoundTrip,
    coapConRoundTripsPerSec: con.perSec,
    coapLatencyUs: con.latencyUs,
    coapRatioToUdp: con.perSec / udp.perSec,
    coapSerialRoundTripsPerSec: con1.perSec,
    coapSerialLatencyUs: con1.latencyUs,
    coapSerialCpuUsPerRoundTrip: con1.cpuUsPerRoundTrip,
    nodeCoapRoundTripsPerSec: nodeCoap.perSec,
    nodeCoapLatencyUs: nodeCoap.latencyUs,
    endpointStats: con.stats,
  },
  [
    `raw UDP round trips (${CONCURRENCY} in flight, 64 B): ${Math.round(udp.perSec)}/s (p50 ${udp.latencyUs.p50.toFixed(0)} µs, p99 ${udp.latencyUs.p99.toFixed(0)} µs)`,
    `CoAP CON GET round trips (${CONCURRENCY} in flight, 64 B response): ${Math.round(con.perSec)}/s = ${(100 * con.perSec / udp.perSec).toFixed(0)}% of raw UDP (p50 ${con.latencyUs.p50.toFixed(0)} µs, p99 ${con.latencyUs.p99.toFixed(0)} µs)`,
    `CoAP CON GET, one at a time: ${Math.round(con1.perSec)}/s (p50 ${con1.latencyUs.p50.toFixed(0)} µs, p99 ${con1.latencyUs.p99.toFixed(0)} µs)`,
    `node-coap 1.5 client -> node-coap server, same load: ${Math.round(nodeCoap.perSec)}/s (p50 ${nodeCoap.latencyUs.p50.toFixed(0)} µs, p99 ${nodeCoap.latencyUs.p99.toFixed(0)} µs)`,
    `CPU per round trip (both ends): raw UDP ${udp.cpuUsPerRoundTrip.toFixed(1)} µs, our CoAP ${con.cpuUsPerRoundTrip.toFixed(1)} µs (one at a time: ${con1.cpuUsPerRoundTrip.toFixed(1)} µs), node-coap ${nodeCoap.cpuUsPerRoundTrip.toFixed(1)} µs`,
  ],
);
