/**
 * Registration benchmark.
 *
 * (1) Throughput over DTLS: `startLwm2mServer` (in-memory security store with 2,000 endpoints,
 *     the default FileRegistrationStore journaling to a temp data dir) in this process; 2,000 devices (our DtlsClient +
 *     CoapEndpoint each, one UDP socket per device) in a child process, so client and server work
 *     run on the two cores. Every device handshakes, registers (POST /rd, link-format payload,
 *     identity check), then for a fixed time sends Update (POST /rd/<id>) back to back; every 10th
 *     operation is a fresh Register that replaces the device's registration. Reported: handshakes/s,
 *     registrations/s, registrations+updates/s with latency, and the raw-UDP round-trip ceiling
 *     measured in the same run.
 * (2) Heap per registration: a child with --expose-gc pushes 100,000 Register requests through the
 *     RegistrationHandler + FileRegistrationStore (no sockets), and reports the heap growth per
 *     registration after a full GC (the security store is built before the baseline).
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DtlsClient } from '../packages/dtls/src/index.js';
import {
  CoapEndpoint,
  FakeClock,
  InMemorySecurityStore,
  SystemRandom,
  type IdentityMatch,
  type SecurityInfo,
  type SecurityStore,
} from '../packages/lwm2m/src/index.js';
import { FileRegistrationStore, Lwm2mServerEvents, RegistrationHandler, startLwm2mServer } from '../packages/lwm2m-server/src/index.js';
import { report, summarize, type LatencySummary } from './lib/stats.js';
import { udpRoundTrips } from './lib/udpBaseline.js';

const DEVICES = Number(process.env.REG_BENCH_DEVICES ?? 2000);
const RUN_MS = Number(process.env.REG_BENCH_MS ?? 10_000);
const HEAP_REGISTRATIONS = Number(process.env.REG_BENCH_HEAP ?? 100_000);
const HANDSHAKE_CONCURRENCY = 64;
const PACED_IN_FLIGHT = Number(process.env.REG_BENCH_IN_FLIGHT ?? 64);
const BURST_MS = 5000;
const LINKS = '</>;rt="oma.lwm2m";ct="60 110 112 11542",</1/0>,</3/0>,</3303/0>,</3311/0>';
const enc = new TextEncoder();
const self = fileURLToPath(import.meta.url);

function info(i: number): SecurityInfo {
  const ep = `dev-${String(i).padStart(6, '0')}`;
  return {
    endpoint: ep,
    bootstrap: { serverUri: 'coaps://127.0.0.1:5784', identity: `${ep}-bs`, key: enc.encode(`bs-key-${ep}`) },
    server: { serverUri: 'coaps://127.0.0.1:5684', identity: `${ep}-id`, key: enc.encode(`dm-key-${ep}`), shortServerId: 101, lifetime: 300, binding: 'U' },
    clearance: 1,
    registrar: 'bench',
    createdAt: 1,
    updatedAt: 1,
  };
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const lat = (s: LatencySummary) => ({ n: s.n, p50: round(s.p50, 2), p99: round(s.p99, 2), mean: round(s.mean, 2), max: round(s.max, 2) });

// ---- child: the 2,000 devices -------------------------------------------------------------

interface ClientResult {
  readonly handshakeWallMs: number;
  readonly handshakesFailed: number;
  readonly registerWallMs: number;
  readonly registered: number;
  readonly ops: number;
  readonly opsFailed: number;
  readonly opsWallMs: number;
  readonly opLatencyMs: LatencySummary;
  readonly burstOps: number;
  readonly burstFailed: number;
  readonly burstWallMs: number;
  readonly burstLatencyMs: LatencySummary;
  readonly cpuShare: number;
  readonly clientRetransmissions: number;
}

async function clients(port: number): Promise<ClientResult> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const devices: { ep: string; client: DtlsClient; coap: CoapEndpoint; location?: string }[] = [];
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: HANDSHAKE_CONCURRENCY }, async () => {
      while (next < DEVICES) {
        const i = next++;
        const inf = info(i);
        try {
          const client = await DtlsClient.connect({ host: '127.0.0.1', port, identity: inf.server.identity, key: inf.server.key, timeoutMs: 60_000 });
          devices.push({ ep: inf.endpoint, client, coap: new CoapEndpoint({ transport: client }) });
        } catch {
          failed += 1;
        }
      }
    }),
  );
  const handshakeWallMs = performance.now() - t0;
  const register = async (d: (typeof devices)[number]): Promise<boolean> => {
    const res = await d.coap.request(d.client.peer, {
      method: 'POST',
      path: ['rd'],
      query: [`ep=${d.ep}`, 'lt=300', 'lwm2m=1.1', 'b=U'],
      contentFormat: 40,
      payload: enc.encode(LINKS),
      timeoutMs: 60_000,
    });
    if (res.code !== '2.01') return false;
    d.location = res.locationPath.join('/');
    return true;
  };
  const t1 = performance.now();
  const regs = await Promise.all(devices.map((d) => register(d).catch(() => false)));
  const registerWallMs = performance.now() - t1;
  // Closed loop: `inFlight` workers take the devices round robin; each operation is an Update,
  // every 10th of a device a fresh Register (replacing its registration).
  const loop = async (inFlight: number, ms: number): Promise<{ ops: number; failed: number; wallMs: number; latency: LatencySummary }> => {
    const samples: number[] = [];
    let ops = 0;
    let opsFailed = 0;
    let cursor = 0;
    const counts = new Map<string, number>();
    const t = performance.now();
    const deadline = t + ms;
    const busy = new Set<number>();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          let idx = cursor++ % devices.length;
          while (busy.has(idx)) idx = cursor++ % devices.length;
          const d = devices[idx] as (typeof devices)[number];
          if (!d.location) continue;
          busy.add(idx);
          const n = (counts.get(d.ep) ?? 0) + 1;
          counts.set(d.ep, n);
          const s = performance.now();
          try {
            if (n % 10 === 0) {
              if (!(await register(d))) opsFailed += 1;
            } else {
              const res = await d.coap.request(d.client.peer, { method: 'POST', path: d.location, timeoutMs: 60_000 });
              if (res.code !== '2.04') opsFailed += 1;
            }
            ops += 1;
            samples.push(performance.now() - s);
          } catch {
            opsFailed += 1;
          } finally {
            busy.delete(idx);
          }
        }
      }),
    );
    return { ops, failed: opsFailed, wallMs: performance.now() - t, latency: summarize(samples) };
  };
  const paced = await loop(PACED_IN_FLIGHT, RUN_MS);
  const burst = await loop(devices.length, BURST_MS);
  let clientRetransmissions = 0;
  for (const d of devices) clientRetransmissions += d.coap.stats().retransmissions;
  await Promise.all(devices.map((d) => d.coap.close().catch(() => {})));
  return {
    handshakeWallMs,
    handshakesFailed: failed,
    registerWallMs,
    registered: regs.filter(Boolean).length,
    ops: paced.ops,
    opsFailed: paced.failed,
    opsWallMs: paced.wallMs,
    opLatencyMs: paced.latency,
    burstOps: burst.ops,
    burstFailed: burst.failed,
    burstWallMs: burst.wallMs,
    burstLatencyMs: burst.latency,
    clientRetransmissions,
    cpuShare: ((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000) / (performance.now() - wall0),
  };
}

// ---- child: heap per registration ---------------------------------------------------------

/** A security store answering from a map built up front (its memory is in the baseline). */
class MapSecurityStore implements SecurityStore {
  private readonly byIdentity = new Map<string, SecurityInfo>();
  constructor(infos: readonly SecurityInfo[]) {
    for (const i of infos) this.byIdentity.set(i.server.identity, i);
  }
  async getByEndpoint(): Promise<SecurityInfo | undefined> {
    return undefined;
  }
  async getByIdentity(identity: string): Promise<IdentityMatch | undefined> {
    const info = this.byIdentity.get(identity);
    return info ? { info, account: 'server' } : undefined;
  }
}

async function heap(): Promise<Record<string, number>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const infos = Array.from({ length: HEAP_REGISTRATIONS }, (_, i) => info(i));
  const securityStore = new MapSecurityStore(infos);
  const request = (i: number) => {
    const inf = infos[i] as SecurityInfo;
    return {
      method: 'POST' as const,
      path: ['rd'],
      query: [`ep=${inf.endpoint}`, 'lt=300', 'lwm2m=1.1', 'b=U'],
      payload: enc.encode(LINKS),
      token: new Uint8Array(4),
      confirmable: true,
      peer: { address: '127.0.0.1', port: 10_000 + (i % 50_000) },
      security: { pskIdentity: inf.server.identity, cipherSuite: 'TLS_PSK_WITH_AES_128_CCM_8' },
    };
  };
  const clock = new FakeClock(1_700_000_000_000);
  const store = await FileRegistrationStore.open();
  const handler = new RegistrationHandler({
    store,
    securityStore,
    events: new Lwm2mServerEvents(),
    clock,
    random: SystemRandom,
    wallTime: () => clock.now(),
  });
  await handler.start();
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < HEAP_REGISTRATIONS; i++) {
    const res = await handler.handle(request(i));
    if (res.code === '2.01') ok += 1;
  }
  const ms = performance.now() - t0;
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  return {
    registrations: ok,
    count: await store.count(),
    bytesPerRegistration: (after - before) / ok,
    registrationsPerSecNoSockets: ok / (ms / 1000),
    heapUsedMiB: after / 2 ** 20,
  };
}

// ---- main ---------------------------------------------------------------------------------

async function main(): Promise<void> {
  const udp = await udpRoundTrips({ durationMs: 2000, concurrency: 32, size: 64 });

  const securityStore = new InMemorySecurityStore(Array.from({ length: DEVICES }, (_, i) => info(i)));
  const dataDir = mkdtempSync(join(tmpdir(), 'reg-bench-'));
  const server = await startLwm2mServer({ securityStore, dataDir, host: '127.0.0.1', port: 0, dtls: { maxSessions: DEVICES * 2, maxHandshakes: 1024 } });
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const child = fork(self, ['--clients', String(server.addresses.coaps.port)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = await new Promise<ClientResult>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ClientResult));
    child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
  });
  child.kill();
  const cpu = process.cpuUsage(cpu0);
  const serverCpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
  const stats = await server.stats();
  await server.close();
  const journalBytes = statSync(join(dataDir, 'registrations.jsonl')).size;
  rmSync(dataDir, { recursive: true, force: true });

  if (process.env.REG_BENCH_SKIP_HEAP) return void console.log(JSON.stringify({ result, stats }));
  const h = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--heap'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const heapLine = h.stdout.trim().split('\n').at(-1) ?? '{}';
  const heapResult = JSON.parse(heapLine) as Record<string, number>;

  const regPerSec = result.registered / (result.registerWallMs / 1000);
  const opsPerSec = result.ops / (result.opsWallMs / 1000);
  const burstPerSec = result.burstOps / (result.burstWallMs / 1000);
  const results = {
    devices: DEVICES,
    handshakesPerSec: round((DEVICES - result.handshakesFailed) / (result.handshakeWallMs / 1000)),
    handshakesFailed: result.handshakesFailed,
    registered: result.registered,
    registrationsPerSec: round(regPerSec),
    registrationsUpdatesPerSec: round(opsPerSec),
    opsFailed: result.opsFailed,
    inFlight: PACED_IN_FLIGHT,
    opLatencyMs: lat(result.opLatencyMs),
    burstAllDevicesPerSec: round(burstPerSec),
    burstFailed: result.burstFailed,
    burstLatencyMs: lat(result.burstLatencyMs),
    serverHandler: stats.handler,
    journalBytesAtEnd: journalBytes,
    serverCpuShareWholeRun: round(serverCpuShare, 2),
    clientCpuShareWholeRun: round(result.cpuShare, 2),
    clientRetransmissions: result.clientRetransmissions,
    serverDuplicates: stats.coaps.duplicates,
    udpBaselineRoundTripsPerSec: round(udp.perSec),
    ratioToUdp: round(opsPerSec / udp.perSec, 3),
    heap: {
      registrations: heapResult['registrations'],
      bytesPerRegistration: round(heapResult['bytesPerRegistration'] ?? NaN, 0),
      registrationsPerSecNoSockets: round(heapResult['registrationsPerSecNoSockets'] ?? NaN),
      heapUsedMiB: round(heapResult['heapUsedMiB'] ?? NaN),
    },
  };
  report('registration', results, [
    `${DEVICES} devices over DTLS: ${results.handshakesPerSec} handshakes/s, ${results.registrationsPerSec} registrations/s (all at once)`,
    `registrations+updates (${PACED_IN_FLIGHT} in flight over ${DEVICES} devices): ${results.registrationsUpdatesPerSec}/s over ${RUN_MS / 1000} s (p50 ${results.opLatencyMs.p50} ms, p99 ${results.opLatencyMs.p99} ms, failed ${result.opsFailed})`,
    `burst (all ${DEVICES} devices back to back): ${results.burstAllDevicesPerSec}/s (p50 ${results.burstLatencyMs.p50} ms, p99 ${results.burstLatencyMs.p99} ms; client CoAP retransmissions ${result.clientRetransmissions})`,
    `raw UDP round trips (same run): ${results.udpBaselineRoundTripsPerSec}/s -> ratio ${results.ratioToUdp}`,
    `heap: ${results.heap.bytesPerRegistration} B per registration with ${results.heap.registrations} registrations (target < 2048 B)`,
  ]);
}

if (process.argv.includes('--clients')) {
  const port = Number(process.argv[process.argv.indexOf('--clients') + 1]);
  const r = await clients(port);
  process.send?.(r);
  process.exit(0);
} else if (process.argv.includes('--heap')) {
  console.log(JSON.stringify(await heap()));
  process.exit(0);
} else {
  await main();
  process.exit(0);
}
