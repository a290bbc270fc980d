/**
 * Bootstrap benchmark: 1,000 devices (our DtlsClient + CoapEndpoint + a minimal LwM2M client, all
 * in one child process, one UDP socket each) bootstrap against `startBootstrapServer` (this process)
 * on loopback. Bootstrap time = DTLS handshake + POST /bs?pct=110 + Discover + Delete ×2 + Write ×2
 * (SenML-JSON; the device keeps its own bootstrap account) +
 * Finish, measured by the device from before its handshake until it has answered Bootstrap-Finish.
 * Devices and server run in separate processes so that each gets one of the 2 cores, as when
 * devices are remote.
 *
 * Runs: (1) burst — 1,000 devices started at once (the figure); (2) paced — the same
 * devices with 16 in flight; (3) single — 100 devices one after the other (unloaded latency);
 * (4) burst with the chain-backed store (ChainSecurityStore on an anvil dev chain: sealed records,
 * reads from its event-synced cache) unless BS_BENCH_CHAIN=0; (5) single without Bootstrap-Discover
 * (the bootstrap account written instead: as many exchanges), the cost of asking first. Baseline: raw UDP round trips on
 * loopback, same run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
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
const DEVICE_MODE = '--device-process';

// ------------------------------------------------------------------ device process

interface DeviceSpec {
  readonly endpoint: string;
  readonly identity: string;
  readonly keyHex: string;
  readonly serverUri: string;
}
interface RunRequest {
  readonly kind: 'run';
  readonly port: number;
  readonly devices: readonly DeviceSpec[];
  readonly concurrency: number;
}
interface RunReply {
  readonly kind: 'result';
  readonly samples: number[];
  readonly failures: Record<string, number>;
  readonly wallMs: number;
}

/** One device: handshake, POST /bs, serve the server's requests until Finish; resolves with ms. */
async function bootstrapOne(port: number, d: DeviceSpec): Promise<number> {
  const t0 = performance.now();
  const key = Buffer.from(d.keyHex, 'hex');
  const client = await DtlsClient.connect({ host: '127.0.0.1', port, identity: d.identity, key, timeoutMs: 30_000 });
  const device = new MiniDevice({ serverUri: d.serverUri, identity: d.identity, key });
  const coap = new CoapEndpoint({ transport: client, handler: device.handle });
  try {
    const finished = device.whenFinished();
    const res = await coap.request(client.peer, { method: 'POST', path: `/bs?ep=${d.endpoint}&pct=110`, timeoutMs: 30_000 });
    if (res.code !== '2.04') throw new Error(`bootstrap request answered ${res.code}`);
    await finished;
    return performance.now() - t0;
  } finally {
    // Keep the session a moment so the 2.04 to Finish leaves before the close_notify.
    setTimeout(() => void coap.close(), 200);
  }
}

async function runDevices(req: RunRequest): Promise<RunReply> {
  const samples: number[] = [];
  const failures: Record<string, number> = {};
  let next = 0;
  let lastDone = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < req.devices.length) {
      const d = req.devices[next++] as DeviceSpec;
      try {
        samples.push(await bootstrapOne(req.port, d));
        lastDone = performance.now();
      } catch (err) {
        const code = err !== null && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : 'error';
        failures[code] = (failures[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(req.concurrency, req.devices.length) }, worker));
  await new Promise((r) => setTimeout(r, 300)); // let the delayed closes run
  return { kind: 'result', samples, failures, wallMs: (lastDone || performance.now()) - t0 };
}

if (process.argv.includes(DEVICE_MODE)) {
  process.on('message', (m: RunRequest | { kind: 'exit' }) => {
    if (m.kind === 'exit') process.exit(0);
    void runDevices(m).then((r) => process.send?.(r));
  });
}

// ------------------------------------------------------------------ server process

interface RunResult {
  readonly completed: number;
  readonly failed: number;
  readonly failures: Record<string, number>;
  readonly wallMs: number;
  readonly perSec: number;
  readonly latencyMs: LatencySummary;
  readonly serverSessionMs: LatencySummary;
}

function spec(i: SecurityInfo): DeviceSpec {
  return { endpoint: i.endpoint, identity: i.bootstrap.identity, keyHex: Buffer.from(i.bootstrap.key).toString('hex'), serverUri: i.bootstrap.serverUri };
}

async function run(child: ChildProcess, server: BootstrapServer, infos: readonly SecurityInfo[], concurrency: number): Promise<RunResult> {
  const serverMs: number[] = [];
  const off = server.events.on('finished', (e) => serverMs.push(e.durationMs));
  const reply = await new Promise<RunReply>((resolve) => {
    child.once('message', (m: RunReply) => resolve(m));
    child.send({ kind: 'run', port: server.address.port, devices: infos.map(spec), concurrency } satisfies RunRequest);
  });
  // The server sees each 2.04 to Finish a moment after the device sent it.
  for (let i = 0; i < 500 && serverMs.length < reply.samples.length; i++) await new Promise((r) => setTimeout(r, 10));
  off();
  const failed = Object.values(reply.failures).reduce((a, b) => a + b, 0);
  return {
    completed: reply.samples.length,
    failed,
    failures: reply.failures,
    wallMs: reply.wallMs,
    perSec: reply.samples.length / (reply.wallMs / 1000),
    latencyMs: summarize(reply.samples),
    serverSessionMs: summarize(serverMs),
  };
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const lat = (s: LatencySummary) => ({ n: s.n, p50: round(s.p50), p99: round(s.p99), mean: round(s.mean), max: round(s.max) });
const view = (r: RunResult) => ({
  completed: r.completed,
  failed: r.failed,
  failures: r.failures,
  perSec: round(r.perSec),
  wallMs: round(r.wallMs),
  latencyMs: lat(r.latencyMs),
  serverSessionMs: lat(r.serverSessionMs),
});

async function startServer(securityStore: SecurityStore, configStore?: ChainBootstrapConfigStore, discover = true): Promise<BootstrapServer> {
  return startBootstrapServer({
    securityStore,
    ...(configStore ? { configStore } : {}),
    ...(discover ? {} : { policy: { discover: false } }),
    host: '127.0.0.1',
    port: 0,
    dtls: { maxHandshakes: 4 * DEVICES, maxSessions: 4 * DEVICES },
    maxSessions: 4 * DEVICES,
  });
}

/** Burst with the chain-backed store. */
async function chainBurst(child: ChildProcess, infos: readonly SecurityInfo[], warm: readonly SecurityInfo[]): Promise<{ result: RunResult; setupMs: number } | { error: string }> {
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
        await run(child, server, warm, 8);
        return { result: await run(child, server, infos, DEVICES), setupMs };
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
  const child = fork(fileURLToPath(import.meta.url), [DEVICE_MODE], { stdio: 'inherit' });
  try {
    const server = await startServer(new InMemorySecurityStore([...infos, ...warm]));
    let burst: RunResult, paced: RunResult, single: RunResult, singleNoDiscover: RunResult, stats: ReturnType<BootstrapServer['stats']>;
    try {
      await run(child, server, warm, 8); // JIT warm-up on both sides
      burst = await run(child, server, infos, DEVICES);
      paced = await run(child, server, infos, PACED_CONCURRENCY);
      single = await run(child, server, infos.slice(0, SINGLE), 1);
      stats = server.stats();
    } finally {
      await server.close();
    }
    // The same, one at a time, with the sequence of before Bootstrap-Discover (the bootstrap account
    // written instead of discovered: as many exchanges), to see what asking first costs.
    const legacy = await startServer(new InMemorySecurityStore([...infos, ...warm]), undefined, false);
    try {
      await run(child, legacy, warm, 8);
      singleNoDiscover = await run(child, legacy, infos.slice(0, SINGLE), 1);
    } finally {
      await legacy.close();
    }
    const chained = WITH_CHAIN ? await chainBurst(child, infos, warm) : undefined;

    const results = {
      devices: DEVICES,
      deviceProcess: 'separate',
      burst: view(burst),
      paced: { concurrency: PACED_CONCURRENCY, ...view(paced) },
      single: view(single),
      singleNoDiscover: view(singleNoDiscover),
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
      line('single, no Discover (bootstrap account written instead)', singleNoDiscover),
      chained === undefined
        ? 'chain-backed burst: skipped (BS_BENCH_CHAIN=0)'
        : 'error' in chained
          ? `chain-backed burst: failed: ${chained.error}`
          : line(`burst (${DEVICES} at once, ChainSecurityStore on anvil)`, chained.result),
      `baseline raw UDP: ${round(baseline.perSec, 0)} round trips/s, p50 ${round(baseline.latencyUs.p50, 0)} µs (a bootstrap = 3 handshake round trips + 7 CoAP exchanges, with or without Discover)`,
      `target p99 < 100 ms: burst ${burst.latencyMs.p99 < 100 ? 'met' : 'NOT met'}, paced ${paced.latencyMs.p99 < 100 ? 'met' : 'NOT met'}, single ${single.latencyMs.p99 < 100 ? 'met' : 'NOT met'}`,
    ]);
  } finally {
    child.send({ kind: 'exit' });
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  }
}

if (!process.argv.includes(DEVICE_MODE)) await main();
