/**
 * Bootstrap benchmark: devices (our DtlsClient + CoapEndpoint + a minimal LwM2M client, all in
 * this process) bootstrap against `startBootstrapServer` on loopback with in-memory stores.
 * Bootstrap time = DTLS handshake + POST /bs + Delete ×2 + Write ×3 + Finish, measured by the device
 * from before the handshake until it has answered Bootstrap-Finish.
 *
 * Runs: (1) burst — 1,000 devices started at once; (2) paced — the same 1,000 devices with 32 in
 * flight, which shows the per-bootstrap latency without the queueing of a burst. Baseline: raw UDP
 * round trips on loopback in the same process.
 */
import { performance } from 'node:perf_hooks';
import { DtlsClient } from '../packages/dtls/src/index.js';
import { CoapEndpoint, InMemorySecurityStore, type SecurityInfo } from '../packages/lwm2m/src/index.js';
import { makeSecurityInfo } from '../packages/lwm2m/src/testing/fixtures.js';
import { startBootstrapServer, type BootstrapServer } from '../packages/bootstrap-server/src/index.js';
import { MiniDevice } from '../packages/bootstrap-server/test/helpers/MiniDevice.js';
import { report, summarize, type LatencySummary } from './lib/stats.js';
import { udpRoundTrips } from './lib/udpBaseline.js';

const DEVICES = Number(process.env.BS_BENCH_DEVICES ?? 1000);
const PACED_CONCURRENCY = 32;

interface RunResult {
  readonly completed: number;
  readonly failed: number;
  readonly wallMs: number;
  readonly perSec: number;
  readonly latencyMs: LatencySummary;
  readonly serverSessionMs: LatencySummary;
}

/** One device: handshake, POST /bs, serve the server's requests until Finish. Resolves with ms or throws. */
async function bootstrapOne(server: BootstrapServer, info: SecurityInfo): Promise<number> {
  const t0 = performance.now();
  const client = await DtlsClient.connect({ host: '127.0.0.1', port: server.address.port, identity: info.bootstrap.identity, key: info.bootstrap.key, timeoutMs: 30_000 });
  const device = new MiniDevice(info.bootstrap);
  const coap = new CoapEndpoint({ transport: client, handler: device.handle });
  try {
    const finished = device.whenFinished();
    const res = await coap.request(client.peer, { method: 'POST', path: `/bs?ep=${info.endpoint}`, timeoutMs: 30_000 });
    if (res.code !== '2.04') throw new Error(`bootstrap request answered ${res.code}`);
    await finished;
    const ms = performance.now() - t0;
    // Let the 2.04 to Finish go out before closing.
    await new Promise((r) => setImmediate(r));
    return ms;
  } finally {
    await coap.close();
  }
}

async function run(server: BootstrapServer, infos: readonly SecurityInfo[], concurrency: number): Promise<RunResult> {
  const samples: number[] = [];
  const serverMs: number[] = [];
  const off = server.events.on('finished', (e) => serverMs.push(e.durationMs));
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < infos.length) {
      const info = infos[next++] as SecurityInfo;
      try {
        samples.push(await bootstrapOne(server, info));
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, infos.length) }, worker));
  const wallMs = performance.now() - t0;
  // Server 'finished' events arrive with the device's 2.04; give stragglers a moment.
  for (let i = 0; i < 50 && serverMs.length < samples.length; i++) await new Promise((r) => setTimeout(r, 10));
  off();
  return { completed: samples.length, failed, wallMs, perSec: samples.length / (wallMs / 1000), latencyMs: summarize(samples), serverSessionMs: summarize(serverMs) };
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const lat = (s: LatencySummary) => ({ n: s.n, p50: round(s.p50), p99: round(s.p99), mean: round(s.mean), max: round(s.max) });

async function main(): Promise<void> {
  const baseline = await udpRoundTrips({ durationMs: 1000, concurrency: 32, size: 64 });

  const infos = Array.from({ length: DEVICES }, (_, i) => makeSecurityInfo(`bench-${i}`));
  const warm = Array.from({ length: 50 }, (_, i) => makeSecurityInfo(`warm-${i}`));
  const securityStore = new InMemorySecurityStore([...infos, ...warm]);
  const server = await startBootstrapServer({
    securityStore,
    host: '127.0.0.1',
    port: 0,
    dtls: { maxHandshakes: 4 * DEVICES, maxSessions: 4 * DEVICES },
    maxSessions: 4 * DEVICES,
  });
  try {
    await run(server, warm, 8); // JIT warm-up
    const burst = await run(server, infos, DEVICES);
    const paced = await run(server, infos, PACED_CONCURRENCY);
    const stats = server.stats();
    const results = {
      devices: DEVICES,
      burst: { completed: burst.completed, failed: burst.failed, perSec: round(burst.perSec), wallMs: round(burst.wallMs), latencyMs: lat(burst.latencyMs), serverSessionMs: lat(burst.serverSessionMs) },
      paced: {
        concurrency: PACED_CONCURRENCY,
        completed: paced.completed,
        failed: paced.failed,
        perSec: round(paced.perSec),
        wallMs: round(paced.wallMs),
        latencyMs: lat(paced.latencyMs),
        serverSessionMs: lat(paced.serverSessionMs),
      },
      server: { bootstrap: stats.bootstrap, coapRetransmissions: stats.coap.retransmissions, dtls: stats.dtls },
      baseline: { udpRoundTripsPerSec: round(baseline.perSec, 0), udpP50Us: round(baseline.latencyUs.p50, 0), udpP99Us: round(baseline.latencyUs.p99, 0) },
      store: 'InMemorySecurityStore',
    };
    report('bootstrap', results, [
      `burst: ${DEVICES} devices at once: ${burst.completed} bootstrapped (${burst.failed} failed) in ${round(burst.wallMs, 0)} ms = ${round(burst.perSec, 0)}/s; ` +
        `p50 ${round(burst.latencyMs.p50)} ms, p99 ${round(burst.latencyMs.p99)} ms (handshake included)`,
      `paced: ${PACED_CONCURRENCY} in flight: ${round(paced.perSec, 0)}/s; p50 ${round(paced.latencyMs.p50)} ms, p99 ${round(paced.latencyMs.p99)} ms; ` +
        `server-side session p50 ${round(paced.serverSessionMs.p50)} ms`,
      `baseline raw UDP: ${round(baseline.perSec, 0)} round trips/s, p50 ${round(baseline.latencyUs.p50, 0)} µs (one bootstrap = 3 handshake flights + 7 CoAP exchanges)`,
      `target p99 < 100 ms: burst ${burst.latencyMs.p99 < 100 ? 'met' : 'NOT met'}, paced ${paced.latencyMs.p99 < 100 ? 'met' : 'NOT met'}`,
    ]);
  } finally {
    await server.close();
  }
}

await main();
