/**
 * Provenance benchmark (issue 12):
 * 1. records acknowledged per second (durable: group commit + fdatasync) with anchoring running
 *    (ChainAnchorLedger on the embedded dev chain, N = 1,000, T = 1 s), `PROV_BENCH_INFLIGHT`
 *    records in flight, and the ack latency p50/p99 (each `record()` until its promise resolves);
 * 2. anchor transactions and gas per 100,000 records (read from their receipts);
 * 3. receipt verification time without the `eth_call` (hash, Ed25519, Merkle proof), and with it;
 * 4. an authenticated device read through the REST API (app.inject, SimDevice over DTLS, real
 *    LwM2M server) with provenance on and off, `PROV_BENCH_READS` reads each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryAnomalyLog, InMemorySecurityStore, InMemoryUserDirectory, SystemClock } from '../packages/lwm2m/src/index.js';
import { SimDevice } from '../packages/client-sim/src/index.js';
import { ChainAnchorLedger, chainAnchorReader, connectChain, createPasswordVerifier, deploy, startDevChain, verifyPassword } from '../packages/chain-adapter/src/index.js';
import { ProvenanceRecorder, RecordSigner, SERVER_PARTY, endpointParty, verifyReceipt, verifyReceiptOffline, type Receipt } from '../packages/provenance/src/index.js';
import {
  AppKeyRegistry,
  EndpointService,
  RecorderDeviceProvenance,
  UserService,
  apiEventsFromServer,
  buildApp,
  deviceApiFromServer,
  startLwm2mServer,
} from '../packages/lwm2m-server/src/index.js';
import { securityInfo } from '../packages/lwm2m-server/src/testing/fixtures.js';
import { report, summarize } from './lib/stats.js';

const RECORDS = Number(process.env.PROV_BENCH_RECORDS ?? 100_000);
const INFLIGHT = Number(process.env.PROV_BENCH_INFLIGHT ?? 256);
const READS = Number(process.env.PROV_BENCH_READS ?? 2_000);
const READ_CONCURRENCY = 8;

const root = mkdtempSync(join(tmpdir(), 'prov-bench-'));
const chain = await startDevChain({ dataDir: join(root, 'chain') });
try {
  const privateKey = chain.privateKeys[0] as string;
  const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey, dataDir: join(root, 'chain') });
  const conn = await connectChain({ rpcUrl: chain.rpcUrl, privateKey, deployment });
  const ledger = new ChainAnchorLedger({ connection: conn });
  const signer = RecordSigner.generate();
  await ledger.publishSigningKey(signer.publicKeyBytes32);
  const rec = await ProvenanceRecorder.open({ dir: join(root, 'log'), signer, ledger, clock: SystemClock, batchSize: 1000, intervalMs: 1000 });

  // 1. durable records with anchoring running
  const device = endpointParty('urn:imei:356938035643809', 2);
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < RECORDS) {
      const i = next++;
      const s = performance.now();
      await rec.record({ sender: device, receiver: SERVER_PARTY, operation: 'notify', path: '/3303/0/5700', contentFormat: 110, outcome: '2.05', request: `[{"n":"/3303/0/5700","v":${20 + (i % 100) / 10}}]` });
      lat.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: INFLIGHT }, worker));
  const ackSec = (performance.now() - t0) / 1000;
  const perSec = RECORDS / ackSec;
  const ack = summarize(lat);
  await rec.batcher?.cut();
  await rec.batcher?.whenAnchored();
  const batches = rec.batcher?.allBatches() ?? [];
  let gas = 0n;
  const txs = new Set<string>();
  for (const b of batches) {
    if (!b.placement) continue;
    txs.add(b.placement.txHash);
    gas += BigInt((await conn.rpc.request<{ gasUsed: string }>('eth_getTransactionReceipt', [b.placement.txHash])).gasUsed);
  }
  const per100k = 100_000 / RECORDS;

  // 3. receipt verification
  const receipts: Receipt[] = [];
  for (let s = 1; s <= RECORDS; s += Math.max(1, Math.floor(RECORDS / 1000))) receipts.push(JSON.parse(JSON.stringify(rec.receipt(s))) as Receipt);
  let t = performance.now();
  for (const r of receipts) if (!verifyReceiptOffline(r).checks.every((c) => c.ok)) throw new Error('a receipt failed');
  const offlineUs = ((performance.now() - t) * 1000) / receipts.length;
  const reader = chainAnchorReader(chain.rpcUrl);
  t = performance.now();
  for (const r of receipts.slice(0, 200)) if (!(await verifyReceipt(r, reader.read)).valid) throw new Error('a receipt failed on chain');
  const withCallUs = ((performance.now() - t) * 1000) / Math.min(200, receipts.length);
  reader.close();
  await rec.close();

  // 4. authenticated device read through the API, provenance on / off
  const readBench = async (withProvenance: boolean): Promise<{ perSec: number; p50: number; p99: number }> => {
    const security = new InMemorySecurityStore([{ ...securityInfo('bench-dev'), clearance: 1 }]);
    const r2 = withProvenance ? await ProvenanceRecorder.open({ dir: join(root, 'log-api'), signer, ledger, clock: SystemClock, batchSize: 1000, intervalMs: 1000 }) : undefined;
    const server = await startLwm2mServer({ securityStore: security, host: '127.0.0.1', port: 0, ...(r2 ? { provenance: new RecorderDeviceProvenance(r2, security) } : {}) });
    const users = new UserService(new InMemoryUserDirectory(() => Math.floor(Date.now() / 1000)), { hash: (p) => createPasswordVerifier(p, { N: 1024, r: 8, p: 1 }), verify: verifyPassword });
    const endpoints = new EndpointService(security, { bootstrapServerUri: 'coaps://127.0.0.1:5784', serverUri: 'coaps://127.0.0.1:5684', shortServerId: 1, lifetime: 300, binding: 'U', clearance: 0 }, { next: () => 0.5, bytes: (n) => new Uint8Array(n).fill(7) }, 'bench', () => Math.floor(Date.now() / 1000));
    const app = await buildApp({
      users,
      endpoints,
      devices: deviceApiFromServer({ registrations: server.registrations, devices: server.devices }),
      anomalies: new InMemoryAnomalyLog('0xbench', () => Math.floor(Date.now() / 1000)),
      events: apiEventsFromServer(server.events),
      jwt: { keys: { algorithm: 'HS256', secret: 'a-bench-secret-that-is-at-least-32-bytes-long' }, issuer: 'chainm2m', audience: 'chainm2m-api', expiresInSec: 3600 },
      ...(r2 ? { provenance: { recorder: r2, appKeys: new AppKeyRegistry() } } : {}),
    });
    await users.add({ username: 'bench-app', role: 'application', password: 'bench-app-password', clearance: 5 });
    const token = ((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'bench-app', password: 'bench-app-password' } })).json() as { token: string }).token;
    const dev = new SimDevice({ endpoint: 'bench-dev', autoUpdate: false });
    const info = await security.getByEndpoint('bench-dev');
    const o = dev.objects;
    o.set(0, 1, 0, `coaps://127.0.0.1:${server.addresses.coaps.port}`);
    o.set(0, 1, 1, false);
    o.set(0, 1, 2, 0);
    o.set(0, 1, 3, new TextEncoder().encode('bench-dev-id'));
    o.set(0, 1, 5, info?.server.key as Uint8Array);
    o.set(0, 1, 10, 101);
    o.set(1, 0, 0, 101);
    o.set(1, 0, 1, 300);
    o.set(1, 0, 7, 'U');
    await dev.register();
    const one = async (): Promise<void> => {
      const res = await app.inject({ method: 'GET', url: '/api/clients/bench-dev/3303/0/5700', headers: { authorization: `Bearer ${token}` } });
      if (res.statusCode !== 200) throw new Error(`read answered ${res.statusCode} ${res.body}`);
    };
    for (let i = 0; i < 50; i++) await one();
    const samples: number[] = [];
    let n = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: READ_CONCURRENCY }, async () => {
        while (n++ < READS) {
          const s = performance.now();
          await one();
          samples.push(performance.now() - s);
        }
      }),
    );
    const sec = (performance.now() - start) / 1000;
    await dev.stop();
    await app.close();
    await server.close();
    await r2?.close();
    const sm = summarize(samples);
    return { perSec: READS / sec, p50: sm.p50, p99: sm.p99 };
  };
  const off = await readBench(false);
  const on = await readBench(true);
  conn.close();

  report(
    'provenance',
    {
      records: RECORDS,
      inflight: INFLIGHT,
      ackPerSec: Math.round(perSec),
      ackLatencyMs: { p50: ack.p50, p99: ack.p99, max: ack.max },
      anchors: { batches: batches.length, transactions: txs.size, gas: Number(gas), per100k: { transactions: txs.size * per100k, gas: Number(gas) * per100k } },
      receiptVerifyUs: { offline: offlineUs, withEthCall: withCallUs },
      deviceRead: { off, on, ratio: on.perSec / off.perSec },
    },
    [
      `${RECORDS.toLocaleString('en-US')} records, ${INFLIGHT} in flight: ${Math.round(perSec).toLocaleString('en-US')}/s acknowledged durable with anchoring running (target >= 20,000/s); ack p50 ${ack.p50.toFixed(2)} ms, p99 ${ack.p99.toFixed(2)} ms (target <= 5 ms)`,
      `anchoring: ${batches.length} batches in ${txs.size} transactions, ${gas.toLocaleString('en-US')} gas; per 100,000 records ${(txs.size * per100k).toFixed(0)} transactions, ${Math.round(Number(gas) * per100k).toLocaleString('en-US')} gas`,
      `receipt verification: ${offlineUs.toFixed(0)} µs without the eth_call (target <= 1 ms), ${(withCallUs / 1000).toFixed(2)} ms with it`,
      `authenticated device read through the API (${READ_CONCURRENCY} in flight): off ${off.perSec.toFixed(0)}/s (p50 ${off.p50.toFixed(2)} ms), on ${on.perSec.toFixed(0)}/s (p50 ${on.p50.toFixed(2)} ms) = ${((on.perSec / off.perSec) * 100).toFixed(0)} % (target >= 90 %)`,
    ],
  );
} finally {
  await chain.kill();
  rmSync(root, { recursive: true, force: true });
}
