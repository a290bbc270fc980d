/**
 * Bootstrap benchmark: devices (our DtlsClient + CoapEndpoint + a minimal LwM2M client, all in
 * this process) bootstrap against `startBootstrapServer` on loopback with in-memory stores.
 * Bootstrap time = DTLS handshake + POST /bs + Delete ×2 + Write ×3 + Finish, measured by the device
 * from before the handshake until it has answered Bootstrap-Finish.
 *
 * Runs: (1) burst — 1,000 devices started at once (the figure); (2) paced — the same 1,000
 * devices with 16 in flight; (3) single — 100 devices one after the other (unloaded latency);
 * (4) burst again with the chain-backed store (ChainSecurityStore on an anvil dev chain, records
 * sealed on chain, reads from its event-synced cache) unless BS_BENCH_CHAIN=0. Baseline: raw UDP
 * round trips on loopback in the same process. Devices and server share this process (2 cores).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DtlsClient } from '../packages/dtls/src/index.js';
import { CoapEndpoint, InMemorySecurityStore, type SecurityInfo, type SecurityStore } from '../packages/lwm2m/src/index.js';
import { ChainBootstrapConfigStore, ChainSecurityStore, connectChain, deploy, generateSealingKeyPair, startDevChain } from '../packages/chain-adapter/src/index.js';
import { makeSecurityInfo } from '../packages/lwm2m/src/testing/fixtures.js';
import { startBootstrapServer, type BootstrapServer } from '../packages/bootstrap-server/src/index.js';
import { MiniDevice } from '../packages/bootstrap-server/test/helpers/MiniDevice.js';
import { report, summarize, type LatencySummary } from './lib/stats.js';
import { udpRoundTrips } from './lib/udpBaseline.js';

const DEVICES = Number(process.env.BS_BENCH_DEVICES ?? 1000);
const PACED_CONCURRENCY = 16;
const SINGLE = 100;
const WITH_CHAIN = process.env.BS_BENCH_CHAIN !== '0';

interface RunResult {
  readonly completed: number;
  readonly failed: number;
  /** Failure causes (error codes) and how often. */
  readonly failures: Record<string, number>;
  readonly wallMs: number;
  readonly perSec: number;
  readonly latencyMs: LatencySummary;
  readonly serverSessionMs: LatencySummary;
}

const endWaiters = new WeakMap<BootstrapServer, Map<string, () => void>>();

/** Resolves when the server reports the end (finished or failed) of `endpoint`'s session. */
function serverEnd(server: BootstrapServer, endpoint: string): Promise<void> {
  let waiters = endWaiters.get(server);
  if (!waiters) {
    const w = new Map<string, () => void>();
    const fire = (e: { endpoint: string }): void => {
      w.get(e.endpoint)?.();
      w.delete(e.endpoint);
    };
    server.events.on('finished', fire);
    server.events.on('failed', fire);
    endWaiters.set(server, w);
    waiters = w;
  }
  const map = waiters;
  return new Promise((resolve) => map.set(endpoint, resolve));
}

/** One device: handshake, POST /bs, serve the server's requests until Finish. Resolves with ms or throws. */
async function bootstrapOne(server: BootstrapServer, info: SecurityInfo): Promise<number> {
  const t0 = performance.now();
  const client = await DtlsClient.connect({ host: '127.0.0.1', port: server.address.port, identity: info.bootstrap.identity, key: info.bootstrap.key, timeoutMs: 30_000 });
  const device = new MiniDevice(info.bootstrap);
  const coap = new CoapEndpoint({ transport: client, handler: device.handle });
  try {
    const finished = device.whenFinished();
    const ended = serverEnd(server, info.endpoint);
    const res = await coap.request(client.peer, { method: 'POST', path: `/bs?ep=${info.endpoint}`, timeoutMs: 30_000 });
    if (res.code !== '2.04') throw new Error(`bootstrap request answered ${res.code}`);
    await finished;
    const ms = performance.now() - t0;
    // Close only once the server has its 2.04 to Finish (or after 5 s), as a real device would
    // keep the session a while; otherwise the server would retransmit Finish to a closed peer.
    await Promise.race([ended, new Promise((r) => setTimeout(r, 5000).unref())]);
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
  const failures: Record<string, number> = {};
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < infos.length) {
      const info = infos[next++] as SecurityInfo;
      try {
        samples.push(await bootstrapOne(server, info));
      } catch (err) {
        failed += 1;
        const code = err !== null && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : 'error';
        failures[code] = (failures[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, infos.length) }, worker));
  const wallMs = performance.now() - t0;
  // Server 'finished' events arrive with the device's 2.04; give stragglers a moment.
  for (let i = 0; i < 50 && serverMs.length < samples.length; i++) await new Promise((r) => setTimeout(r, 10));
  off();
  return { completed: samples.length, failed, failures, wallMs, perSec: samples.length / (wallMs / 1000), latencyMs: summarize(samples), serverSessionMs: summarize(serverMs) };
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const lat = (s: LatencySummary) => ({ n: s.n, p50: round(s.p50), p99: round(s.p99), mean: round(s.mean), max: round(s.max) });

async function startServer(securityStore: SecurityStore, configStore?: ChainBootstrapConfigStore): Promise<BootstrapServer> {
  return startBootstrapServer({
    securityStore,
    ...(configStore ? { configStore } : {}),
    host: '127.0.0.1',
    port: 0,
    dtls: { maxHandshakes: 4 * DEVICES, maxSessions: 4 * DEVICES },
    maxSessions: 4 * DEVICES,
  });
}

const view = (r: RunResult) => ({
  completed: r.completed,
  failed: r.failed,
  failures: r.failures,
  perSec: round(r.perSec),
  wallMs: round(r.wallMs),
  latencyMs: lat(r.latencyMs),
  serverSessionMs: lat(r.serverSessionMs),
});

/** Burst with the chain-backed store; `undefined` when the chain cannot be started. */
async function chainBurst(infos: readonly SecurityInfo[], warm: readonly SecurityInfo[]): Promise<{ result: RunResult; setupMs: number } | { error: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-bs-bench-'));
  const chain = await startDevChain({ dataDir });
  try {
    const t0 = performance.now();
    const privateKey = chain.privateKeys[0] as string;
    const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey, dataDir });
    const connection = await connectChain({ rpcUrl: chain.rpcUrl, privateKey, deployment });
    const store = await ChainSecurityStore.open({ connection, sealingKey: generateSealingKeyPair() });
    try {
      await store.addMany([...infos, ...warm]);
      const setupMs = performance.now() - t0;
      const server = await startServer(store, new ChainBootstrapConfigStore(store));
      try {
        await run(server, warm, 8);
        return { result: await run(server, infos, DEVICES), setupMs };
      } finally {
        await server.close();
      }
    } finally {
      store.close();
      connection.close();
    }
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    await chain.stop().catch(() => chain.kill());
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const baseline = await udpRoundTrips({ durationMs: 1000, concurrency: 32, size: 64 });
  const infos = Array.from({ length: DEVICES }, (_, i) => makeSecurityInfo(`bench-${i}`));
  const warm = Array.from({ length: 50 }, (_, i) => makeSecurityInfo(`warm-${i}`));

  const server = await startServer(new InMemorySecurityStore([...infos, ...warm]));
  let burst: RunResult, paced: RunResult, single: RunResult, stats: ReturnType<BootstrapServer['stats']>;
  try {
    await run(server, warm, 8); // JIT warm-up
    burst = await run(server, infos, DEVICES);
    paced = await run(server, infos, PACED_CONCURRENCY);
    single = await run(server, infos.slice(0, SINGLE), 1);
    stats = server.stats();
  } finally {
    await server.close();
  }
  const chained = WITH_CHAIN ? await chainBurst(infos, warm) : undefined;

  const results = {
    devices: DEVICES,
    burst: view(burst),
    paced: { concurrency: PACED_CONCURRENCY, ...view(paced) },
    single: view(single),
    chainBurst: chained === undefined ? 'skipped' : 'error' in chained ? { error: chained.error } : { ...view(chained.result), setupMs: round(chained.setupMs, 0) },
    server: { bootstrap: stats.bootstrap, coapRetransmissions: stats.coap.retransmissions, dtls: stats.dtls },
    baseline: { udpRoundTripsPerSec: round(baseline.perSec, 0), udpP50Us: round(baseline.latencyUs.p50, 0), udpP99Us: round(baseline.latencyUs.p99, 0) },
  };
  const line = (name: string, r: RunResult): string =>
    `${name}: ${r.completed}/${r.completed + r.failed} in ${round(r.wallMs, 0)} ms = ${round(r.perSec, 0)} bootstraps/s; p50 ${round(r.latencyMs.p50)} ms, p99 ${round(r.latencyMs.p99)} ms (handshake included)`;
  report('bootstrap', results, [
    line(`burst (${DEVICES} at once, in-memory store)`, burst),
    line(`paced (${PACED_CONCURRENCY} in flight)`, paced),
    line('single (one at a time)', single),
    chained === undefined ? 'chain-backed burst: skipped (BS_BENCH_CHAIN=0)' : 'error' in chained ? `chain-backed burst: failed: ${chained.error}` : line(`burst (${DEVICES} at once, ChainSecurityStore on anvil)`, chained.result),
    `baseline raw UDP: ${round(baseline.perSec, 0)} round trips/s, p50 ${round(baseline.latencyUs.p50, 0)} µs (a bootstrap = 3 handshake round trips + 7 CoAP exchanges)`,
    `target p99 < 100 ms: burst ${burst.latencyMs.p99 < 100 ? 'met' : 'NOT met'}, paced ${paced.latencyMs.p99 < 100 ? 'met' : 'NOT met'}, single ${single.latencyMs.p99 < 100 ? 'met' : 'NOT met'}`,
  ]);
}

await main();
