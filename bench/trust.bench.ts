/**
 * Trust: (1) score look-up from the cache with 1,000 and 10,000 subjects (target p99 <= 50 us,
 * flat in N); (2) evaluations written per second in batches through ChainTrustLedger on the
 * embedded dev chain (target >= 1,000/s); (3) recompute of one subject with 1,000 evaluations
 * from the chain's events (target <= 200 ms); (4) the evaluator's overhead on registrations/s:
 * the RegistrationHandler path (no sockets) with and without the trust evidence hooks, whose
 * interface records go to the chain in batches (target <= 5 %).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ChainTrustLedger, connectChain, deploy, startDevChain } from '../packages/chain-adapter/src/index.js';
import { FakeClock, SystemRandom, type IdentityMatch, type SecurityInfo, type SecurityStore } from '../packages/lwm2m/src/index.js';
import { FileRegistrationStore, Lwm2mServerEvents, RegistrationHandler, TrustService, collectTrustEvidence } from '../packages/lwm2m-server/src/index.js';
import { EvaluationKind, InMemoryTrustLedger, TrustScoreCache, computeTrust, evidenceDigest, readRelevantEvaluations, type Evaluation, type RecordedEvaluation } from '../packages/trust/src/index.js';
import { report, summarize, type LatencySummary } from './lib/stats.js';

const NOW = 1_796_385_600; // 2026-12-04T12:00:00Z
const SERVER = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const WRITE_N = Number(process.env['TRUST_BENCH_WRITES'] ?? 10_000);
const REGS = Number(process.env['TRUST_BENCH_REGS'] ?? 20_000);

function evaluation(subject: string, i: number, evaluator = SERVER): Evaluation {
  return { subject, evaluator, score: ((i * 7_919) % 2_000_001) - 1_000_000, weight: 1_000, kind: EvaluationKind.Obligations, evidence: evidenceDigest(`${subject}/${i}`), at: NOW - (i % 5_000) * 60 };
}

// ---- (1) cache look-ups -------------------------------------------------------------------
function lookups(subjects: number): LatencySummary {
  const cache = new TrustScoreCache({ halfLifeSeconds: 7 * 86_400, trustedEvaluators: [SERVER] });
  const evals: RecordedEvaluation[] = [];
  for (let s = 0; s < subjects; s++) for (let k = 0; k < 3; k++) evals.push({ ...evaluation(`dev-${String(s).padStart(6, '0')}`, s * 3 + k), id: evals.length, txHash: '0x', blockNumber: 1 });
  cache.addEvaluations(evals, NOW);
  const names = Array.from({ length: subjects }, (_, s) => `dev-${String(s).padStart(6, '0')}`);
  const per = 100;
  const samples: number[] = [];
  let sink = 0;
  for (let round = 0; round < 3_000; round++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) sink += cache.get(names[(round * 7_919 + i * 104_729) % subjects] as string)?.score ?? 0;
    samples.push(((performance.now() - t0) * 1000) / per);
  }
  if (sink === 0.5) console.log(sink);
  return summarize(samples.slice(300)); // after warm-up
}

// ---- (4) helpers for the registration path -------------------------------------------------
const enc = new TextEncoder();
class MapSecurityStore implements SecurityStore {
  private readonly byIdentity = new Map<string, SecurityInfo>();
  constructor(infos: readonly SecurityInfo[]) {
    for (const i of infos) this.byIdentity.set(i.server.identity, i);
  }
  async getByEndpoint(endpoint: string): Promise<SecurityInfo | undefined> {
    return [...this.byIdentity.values()].find((i) => i.endpoint === endpoint);
  }
  async getByIdentity(identity: string): Promise<IdentityMatch | undefined> {
    const info = this.byIdentity.get(identity);
    return info ? { info, account: 'server' } : undefined;
  }
}
function info(i: number, tag: string): SecurityInfo {
  const ep = `${tag}-${String(i).padStart(6, '0')}`;
  return {
    endpoint: ep,
    bootstrap: { serverUri: 'coaps://127.0.0.1:5784', identity: `${ep}-bs`, key: enc.encode(`bs-key-${ep}`) },
    server: { serverUri: 'coaps://127.0.0.1:5684', identity: `${ep}-dm`, key: enc.encode(`dm-key-${ep}`), shortServerId: 1, lifetime: 300, binding: 'U' },
    clearance: 0,
    registrar: '',
    createdAt: NOW,
    updatedAt: NOW,
  };
}
async function registrationsPerSec(tag: string, withTrust: TrustService | undefined): Promise<number> {
  const infos = Array.from({ length: REGS }, (_, i) => info(i, tag));
  const clock = new FakeClock(NOW * 1000);
  const events = new Lwm2mServerEvents();
  const stop = withTrust ? collectTrustEvidence({ trust: withTrust, events, security: new MapSecurityStore(infos) }) : undefined;
  const handler = new RegistrationHandler({ store: await FileRegistrationStore.open(), securityStore: new MapSecurityStore(infos), events, clock, random: SystemRandom, wallTime: () => clock.now() });
  await handler.start();
  const links = enc.encode('</>;rt="oma.lwm2m";ct="60 110 112 11542",</1/0>,</3/0>,</3303/0>,</3311/0>');
  const t0 = performance.now();
  for (let i = 0; i < REGS; i++) {
    const inf = infos[i] as SecurityInfo;
    await handler.handle({
      method: 'POST',
      path: ['rd'],
      query: [`ep=${inf.endpoint}`, 'lt=300', 'lwm2m=1.1', 'b=U'],
      payload: links,
      token: new Uint8Array(4),
      confirmable: true,
      peer: { address: '127.0.0.1', port: 10_000 + (i % 50_000) },
      security: { pskIdentity: inf.server.identity, cipherSuite: 'TLS_PSK_WITH_AES_128_CCM_8' },
    });
  }
  const rate = REGS / ((performance.now() - t0) / 1000);
  stop?.();
  return rate;
}

const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-bench-trust-'));
const chain = await startDevChain({ dataDir });
try {
  const small = lookups(1_000);
  const large = lookups(10_000);

  const privateKey = chain.privateKeys[0] as string;
  const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey, dataDir });
  const conn = await connectChain({ rpcUrl: chain.rpcUrl, privateKey, deployment });
  const ledger = await ChainTrustLedger.open({ connection: conn, maxBatchSize: 500, pollIntervalMs: 0 });

  // (2) writes in batches: 1,000 of them on one hot subject from 20 evaluators, the rest spread
  const batch: Evaluation[] = [];
  for (let i = 0; i < WRITE_N; i++) {
    batch.push(i % 10 === 0 ? evaluation('bench-hot', i, i % 20 === 0 ? SERVER : `user:u${i % 20}`) : evaluation(`dev-${String(i % 2_000).padStart(6, '0')}`, i));
  }
  for (let u = 0; u < 20; u++) batch.push(evaluation(`user:u${u}`, u));
  const w0 = performance.now();
  const chunks: Promise<unknown>[] = [];
  for (let i = 0; i < batch.length; i += 500) chunks.push(ledger.addEvaluations(batch.slice(i, i + 500)));
  await Promise.all(chunks);
  const writeMs = performance.now() - w0;
  const hot = batch.filter((e) => e.subject === 'bench-hot').length;

  // (3) recompute of the hot subject from the chain alone (a fresh read-only reader)
  const reader = await connectChain({ rpcUrl: chain.rpcUrl, deployment });
  const readerLedger = await ChainTrustLedger.open({ connection: reader, pollIntervalMs: 0 });
  const recompute: number[] = [];
  const readOnly: number[] = [];
  let score: number | null = null;
  for (let k = 0; k < 5; k++) {
    const r0 = performance.now();
    const relevant = await readRelevantEvaluations(readerLedger, 'bench-hot', { depth: 2, trustedEvaluators: [SERVER] });
    const r1 = performance.now();
    score = computeTrust(relevant, 'bench-hot', NOW, { trustedEvaluators: [SERVER] }).score;
    recompute.push(performance.now() - r0);
    readOnly.push(r1 - r0);
  }
  const compute: number[] = [];
  const cached = ledger.cachedEvaluations();
  for (let k = 0; k < 5; k++) {
    const c0 = performance.now();
    computeTrust(cached, 'bench-hot', NOW, { trustedEvaluators: [SERVER] });
    compute.push(performance.now() - c0);
  }

  // (4) evaluator overhead on the registration path (alternating runs)
  const trust = await TrustService.start({ ledger, evaluator: SERVER, nowSec: () => NOW });
  // The same hooks with an in-memory ledger: the evaluator's own work, without the chain node
  // (here on the same two cores) executing the interface-record transactions meanwhile.
  const memTrust = await TrustService.start({ ledger: new InMemoryTrustLedger(), evaluator: SERVER, nowSec: () => NOW });
  const without: number[] = [];
  const withT: number[] = [];
  const withMem: number[] = [];
  for (let run = 0; run < 2; run++) {
    without.push(await registrationsPerSec(`plain${run}`, undefined));
    withT.push(await registrationsPerSec(`trust${run}`, trust));
    withMem.push(await registrationsPerSec(`mem${run}`, memTrust));
  }
  await memTrust.close();
  const i0 = performance.now();
  await trust.close();
  await ledger.close(); // waits for the interface records still being written
  const interfaceDrainMs = performance.now() - i0;
  const interfaces = Number((await conn.call('TrustStore', 'evaluationCount', []))[0]);
  const best = (xs: number[]): number => Math.max(...xs);
  const overheadPct = (1 - best(withT) / best(without)) * 100;
  const overheadMemPct = (1 - best(withMem) / best(without)) * 100;

  report(
    'trust',
    {
      lookupUs: { subjects1000: small, subjects10000: large },
      writes: { evaluations: batch.length, ms: writeMs, perSec: batch.length / (writeMs / 1000), batchSize: 500 },
      recompute: { subjectEvaluations: hot, chainEvaluations: interfaces, totalMs: summarize(recompute), readEventsMs: summarize(readOnly), computeOnlyMs: summarize(compute), score },
      registrations: { perSecWithout: without, perSecWith: withT, overheadPct, perSecWithInMemoryLedger: withMem, overheadInMemoryLedgerPct: overheadMemPct, interfaceDrainMs },
    },
    [
      `cache look-up: 1,000 subjects p50 ${small.p50.toFixed(2)} us p99 ${small.p99.toFixed(2)} us; 10,000 subjects p50 ${large.p50.toFixed(2)} us p99 ${large.p99.toFixed(2)} us (target p99 <= 50 us, flat)`,
      `writes: ${batch.length} evaluations in ${writeMs.toFixed(0)} ms = ${(batch.length / (writeMs / 1000)).toFixed(0)}/s in batches of 500 (target >= 1,000/s)`,
      `recompute of one subject (${hot} evaluations, ${batch.length} on chain): p50 ${summarize(recompute).p50.toFixed(0)} ms (reading its evaluations and its evaluators' from events ${summarize(readOnly).p50.toFixed(0)} ms + formula ${summarize(compute).p50.toFixed(0)} ms) (target <= 200 ms)`,
      `registrations/s (handler path, ${REGS} each): without ${without.map((x) => x.toFixed(0)).join(', ')}; with the evaluator ${withT.map((x) => x.toFixed(0)).join(', ')} -> overhead ${overheadPct.toFixed(1)} % (target <= 5 %); interface records drained ${interfaceDrainMs.toFixed(0)} ms after`,
      `  same hooks, in-memory ledger (no chain node on these cores): ${withMem.map((x) => x.toFixed(0)).join(', ')} -> overhead ${overheadMemPct.toFixed(1)} %`,
    ],
  );
  readerLedger.close();
  reader.close();
  conn.close();
} finally {
  await chain.kill();
  rmSync(dataDir, { recursive: true, force: true });
}
