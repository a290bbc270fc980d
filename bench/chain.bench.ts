/**
 * Chain adapter: PSK lookup latency (cache hit vs cold eth_call, beside a raw eth_call baseline)
 * with 1, 1,000 and 10,000 endpoints stored, and endpoints registered per second one by one and
 * batched, against the embedded dev chain (anvil, state persisted every second).
 *
 * Durability (issue 11): acknowledged writes/s and ack latency p50/p99 three ways, on the same
 * chain: receipt only (no journal: lost if the chain is killed within its checkpoint interval),
 * with the transaction journal (fsync of the signed transaction before sending; what `up` does),
 * and forcing the dev chain to persist before each acknowledgement (a checkpoint per write).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SecurityInfo } from '../packages/lwm2m/src/index.js';
import { ChainSecurityStore, connectChain, deploy, generateSealingKeyPair, startDevChain, type ChainConnection } from '../packages/chain-adapter/src/index.js';
import { report, summarize, type LatencySummary } from './lib/stats.js';

const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-bench-chain-'));
const chain = await startDevChain({ dataDir, stateIntervalSec: Number(process.env["SI"] ?? 1) });
let seq = 0;

function info(): SecurityInfo {
  const ep = `bench-${(seq++).toString().padStart(6, '0')}`;
  const key = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (seq * 7 + n * 13 + i) & 0xff);
  return {
    endpoint: ep,
    bootstrap: { serverUri: 'coaps://127.0.0.1:5784', identity: `${ep}-bs`, key: key(1) },
    server: { serverUri: 'coaps://127.0.0.1:5684', identity: `${ep}-dm`, key: key(2), shortServerId: 101, lifetime: 300, binding: 'U' },
    clearance: 1,
    registrar: '',
    createdAt: 0,
    updatedAt: 0,
  };
}

/** A bare keep-alive HTTP JSON-RPC eth_call: the floor of any cold lookup. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function rawEthCall(url: URL, to: string, data: string): Promise<void> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to, data }, 'latest'] });
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: url.hostname, port: url.port, path: '/', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

try {
  const privateKey = chain.privateKeys[0] as string;
  const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey, dataDir });
  const conn = await connectChain({ rpcUrl: chain.rpcUrl, privateKey, deployment });
  const sealingKey = generateSealingKeyPair();
  const store = await ChainSecurityStore.open({ connection: conn, sealingKey });
  const url = new URL(chain.rpcUrl);
  const all: SecurityInfo[] = [];

  const levels: Record<string, { cacheHitUs: LatencySummary; coldUs: LatencySummary; rawEthCallUs: LatencySummary }> = {};
  const measure = async (level: number): Promise<void> => {
    const probe = all.slice(0, level);
    // cache hits (a Map lookup behind an async API)
    const hit: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = probe[(i * 7919) % probe.length] as SecurityInfo;
      const s = performance.now();
      const m = await store.getByIdentity(x.server.identity);
      hit.push((performance.now() - s) * 1000);
      if (!m) throw new Error('cache miss in the hit benchmark');
    }
    // cold lookups (eth_call + ABI decode + unseal of both PSKs) and the raw eth_call floor, interleaved
    const cold: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < 400; i++) {
      const x = probe[(i * 104729) % probe.length] as SecurityInfo;
      let s = performance.now();
      const r = await store.fetchFromChain(x.endpoint);
      cold.push((performance.now() - s) * 1000);
      if (!r) throw new Error('not on chain');
      const data = conn.encode('ClientStore', 'getClient', [x.endpoint]);
      s = performance.now();
      await rawEthCall(url, deployment.addresses.ClientStore, data);
      raw.push((performance.now() - s) * 1000);
    }
    levels[String(level)] = { cacheHitUs: summarize(hit.slice(2_000)), coldUs: summarize(cold.slice(20)), rawEthCallUs: summarize(raw.slice(20)) };
  };

  // Durability: ack latency of single writes and batched throughput, per mode, on a chain of its own
  // (so the lookup levels below keep their exact endpoint counts).
  const dDir = mkdtempSync(join(tmpdir(), 'chainm2m-bench-durable-'));
  const dChain = await startDevChain({ dataDir: dDir });
  const dDeployment = (await deploy({ rpcUrl: dChain.rpcUrl, privateKey, dataDir: dDir })).deployment;
  const dConn = await connectChain({ rpcUrl: dChain.rpcUrl, privateKey, deployment: dDeployment });
  const durability: Record<string, { single: LatencySummary; singlePerSec: number; batchedPerSec: number; checkpointMs?: LatencySummary }> = {};
  const journaled: ChainConnection = await connectChain({ rpcUrl: dChain.rpcUrl, privateKey, deployment: dDeployment, journalDir: join(dDir, 'tx-journal') });
  for (const mode of ['receipt-only', 'journal', 'checkpoint-per-ack'] as const) {
    const c = mode === 'journal' ? journaled : dConn;
    const s2 = await ChainSecurityStore.open({ connection: c, sealingKey, pollIntervalMs: 0, preload: false });
    const lat: number[] = [];
    const cps: number[] = [];
    const singles = 60;
    const t0 = performance.now();
    for (let i = 0; i < singles; i++) {
      const x = info();
      const s = performance.now();
      await s2.add(x);
      if (mode === 'checkpoint-per-ack') cps.push((await dChain.checkpoint()).ms);
      lat.push(performance.now() - s);
    }
    const singlePerSec = (singles / (performance.now() - t0)) * 1000;
    const batch = Array.from({ length: 1_000 }, info);
    const tb = performance.now();
    for (let i = 0; i < batch.length; i += 500) {
      await s2.addMany(batch.slice(i, i + 500));
      if (mode === 'checkpoint-per-ack') await dChain.checkpoint();
    }
    const batchedPerSec2 = (batch.length / (performance.now() - tb)) * 1000;
    durability[mode] = { single: summarize(lat), singlePerSec, batchedPerSec: batchedPerSec2, ...(cps.length ? { checkpointMs: summarize(cps) } : {}) };
    if (mode === 'journal') await journaled.signer().trimJournal((await dChain.checkpoint()).block);
    s2.close();
  }
  journaled.close();
  dConn.close();
  await dChain.kill();
  rmSync(dDir, { recursive: true, force: true });

  // 1 endpoint
  const first = info();
  await store.add(first);
  all.push(first);
  await measure(1);

  // one by one
  const oneByOne = 150;
  let t = performance.now();
  for (let i = 0; i < oneByOne; i++) {
    const x = info();
    await store.add(x);
    all.push(x);
  }
  const oneByOnePerSec = (oneByOne / (performance.now() - t)) * 1000;

  // batched up to 1,000 then 10,000
  let batchedCount = 0;
  let batchedMs = 0;
  for (const level of [1_000, 10_000]) {
    const more = Array.from({ length: level - all.length }, info);
    t = performance.now();
    await store.addMany(more);
    batchedMs += performance.now() - t;
    batchedCount += more.length;
    all.push(...more);
    await measure(level);
  }
  const batchedPerSec = (batchedCount / batchedMs) * 1000;
  // What forcing persistence per acknowledgement costs once the state holds 10,000 endpoints.
  const bigCheckpoints: number[] = [];
  for (let i = 0; i < 3; i++) bigCheckpoints.push((await chain.checkpoint()).ms);
  const checkpointAt10k = summarize(bigCheckpoints);

  // a second process starting up: paginated listing + unsealing of everything
  t = performance.now();
  const second = await ChainSecurityStore.open({ connection: conn, sealingKey, pollIntervalMs: 0 });
  const openMs = performance.now() - t;
  if ((await second.count()) !== all.length) throw new Error('open did not load everything');
  second.close();
  store.close();
  conn.close();
  const fmt = (s: LatencySummary): string => `p50 ${s.p50.toFixed(1)} / p99 ${s.p99.toFixed(1)} µs`;
  report(
    'chain',
    { levels, registration: { oneByOnePerSec, batchedPerSec, batchedCount }, openWith10kMs: openMs, durability, checkpointAt10kMs: checkpointAt10k },
    [
      ...Object.entries(levels).map(
        ([n, l]) => `${n} endpoints: cache hit ${fmt(l.cacheHitUs)}; cold eth_call ${fmt(l.coldUs)} (raw eth_call ${fmt(l.rawEthCallUs)})`,
      ),
      `registration: one by one ${oneByOnePerSec.toFixed(0)}/s; batched ${batchedPerSec.toFixed(0)}/s (${batchedCount} endpoints)`,
      `opening a store on ${all.length} endpoints (load + unseal): ${openMs.toFixed(0)} ms`,
      ...Object.entries(durability).map(
        ([mode, d]) =>
          `acknowledged writes, ${mode}: single ${d.singlePerSec.toFixed(0)}/s, ack latency p50 ${d.single.p50.toFixed(1)} / p99 ${d.single.p99.toFixed(1)} ms; batched ${d.batchedPerSec.toFixed(0)} endpoints/s` +
          (d.checkpointMs ? ` (checkpoint p50 ${d.checkpointMs.p50.toFixed(0)} ms)` : ''),
      ),
      `one dev-chain checkpoint (anvil_dumpState + fsync + rename) with ${all.length} endpoints stored: p50 ${checkpointAt10k.p50.toFixed(0)} ms`,
    ],
  );
} finally {
  await chain.kill();
  rmSync(dataDir, { recursive: true, force: true });
}
