import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EvaluationKind, TrustModel, evidenceDigest, interfaceDigest, type Evaluation } from '@chainm2m/trust';
import { connectChain } from '../../src/chain/ChainConnection.js';
import { deploy, deploymentFilePath, readDeployment } from '../../src/chain/Deployment.js';
import { ChainTrustLedger } from '../../src/trust/ChainTrustLedger.js';
import { startChainFixture, type ChainFixture } from './fixture.js';

const T = 1_796_385_600; // 2026-12-04T12:00:00Z
let f: ChainFixture;
beforeAll(async () => {
  f = await startChainFixture();
}, 30_000);
afterAll(async () => {
  await f?.cleanup();
});

function ev(subject: string, evaluator: string, score: number, at = T, kind: EvaluationKind = EvaluationKind.Obligations): Evaluation {
  return { subject, evaluator, score, weight: 1_000, kind, evidence: evidenceDigest(`${subject}/${evaluator}/${score}/${at}`), at };
}

describe('ChainTrustLedger against anvil', () => {
  it('coalesces concurrent writes into batched transactions and reads them back from events', async () => {
    const conn = await f.connect();
    const server = (conn.address as string).toLowerCase();
    const ledger = await ChainTrustLedger.open({ connection: conn, maxBatchSize: 50, pollIntervalMs: 0 });
    const seen: number[] = [];
    ledger.subscribe((e) => {
      if (e.type === 'evaluation') seen.push(e.evaluation.id);
    });
    const calls = Array.from({ length: 8 }, (_, c) =>
      ledger.addEvaluations(Array.from({ length: 15 }, (_, i) => ev(`dev-${String(c * 15 + i).padStart(4, '0')}`, server, (c * 15 + i) * 8_000 - 500_000))),
    );
    const results = await Promise.all(calls);
    const all = results.flat();
    expect(all).toHaveLength(120);
    expect(all.map((r) => r.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    const txs = new Set(all.map((r) => r.txHash));
    expect(txs.size).toBeLessThanOrEqual(4); // 15 per call, 50 per transaction: at least three calls share one
    expect(txs.size).toBeGreaterThanOrEqual(3);
    expect(results[2]?.[0]).toMatchObject({ subject: 'dev-0030', evaluator: server, score: 30 * 8_000 - 500_000, kind: 0, at: T });
    expect(seen).toHaveLength(120);

    const fromChain = await ledger.readEvaluations();
    expect(fromChain).toEqual(ledger.cachedEvaluations());
    expect(await ledger.readEvaluations('dev-0007')).toEqual([all.find((r) => r.subject === 'dev-0007')]);
    expect(Number((await conn.call('TrustStore', 'evaluationCount', []))[0])).toBe(120);
    await ledger.close();
  });

  it('a second reader (read-only, another process) syncs the same evaluations and computes the same scores', async () => {
    const writerConn = await f.connect();
    const server = (writerConn.address as string).toLowerCase();
    const writer = await ChainTrustLedger.open({ connection: writerConn, pollIntervalMs: 0 });
    await writer.addEvaluations([ev('dev-x', server, 900_000, T - 600), ev('dev-x', 'user:eve', -1_000_000, T, EvaluationKind.External)]);
    const reader = await ChainTrustLedger.open({
      connection: await connectChain({ rpcUrl: f.chain.rpcUrl, deployment: f.deployment }),
      pollIntervalMs: 20,
    });
    await vi.waitFor(() => expect(reader.cachedEvaluations().length).toBe(writer.cachedEvaluations().length), { timeout: 5_000 });
    const params = { halfLifeSeconds: 3_600, trustedEvaluators: [server] };
    const a = new TrustModel(writer.cachedEvaluations(), params).score('dev-x', T);
    const b = new TrustModel(await reader.readEvaluations(), params).score('dev-x', T);
    expect(a.score).not.toBeNull();
    expect(b).toEqual(a);
    await expect(reader.addEvaluations([ev('dev-x', server, 0)])).rejects.toMatchObject({ code: 'TRUST_LEDGER_UNAVAILABLE' });
    await reader.close();
    await writer.close();
  });

  it('refuses bad evaluations before sending; maps contract reverts to TRUST_INVALID_INPUT', async () => {
    const conn = await f.connect();
    const ledger = await ChainTrustLedger.open({ connection: conn, pollIntervalMs: 0 });
    await expect(ledger.addEvaluations([{ ...ev('d', 's', 0), score: 1_000_001 }])).rejects.toMatchObject({ code: 'TRUST_INVALID_INPUT', details: { reason: 'score out of range' } });
    await expect(ledger.addEvaluations([{ ...ev('d', 's', 0), kind: 7 as EvaluationKind }])).rejects.toMatchObject({ code: 'TRUST_INVALID_INPUT' });
    await expect(ledger.recordInterface('d', `0x${'00'.repeat(32)}`, T)).rejects.toMatchObject({ code: 'TRUST_INVALID_INPUT' });
    // a revert from the chain itself (ledger validation bypassed by a raw call)
    await expect(conn.send('TrustStore', 'addEvaluations', [[]])).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { errorName: 'TrustStore__InvalidInput' } });
    await ledger.close();
    await expect(ledger.addEvaluations([ev('d', 's', 0)])).rejects.toMatchObject({ code: 'TRUST_LEDGER_UNAVAILABLE' });
  });

  it('records interface digests only when they change; history from events', async () => {
    const ledger = await ChainTrustLedger.open({ connection: await f.connect(), pollIntervalMs: 0 });
    const d1 = interfaceDigest({ objectLinks: [{ path: '/3/0' }, { path: '/3303/0' }], manufacturer: 'Acme', model: 'TH-2', firmwareVersion: '2.4.1' });
    const d2 = interfaceDigest({ objectLinks: [{ path: '/3/0' }, { path: '/3303/0' }, { path: '/3304/0' }], manufacturer: 'Acme', model: 'TH-2', firmwareVersion: '2.4.1' });
    const r1 = await ledger.recordInterface('dev-if', d1, T);
    expect(r1).toMatchObject({ subject: 'dev-if', index: 0, digest: d1, at: T });
    expect(await ledger.recordInterface('dev-if', d1, T + 60)).toBeUndefined();
    expect(await ledger.recordInterface('dev-if', d2, T + 120)).toMatchObject({ index: 1, digest: d2 });
    const history = await ledger.readInterfaceHistory('dev-if');
    expect(history.map((h) => [h.index, h.digest, h.at])).toEqual([
      [0, d1, T],
      [1, d2, T + 120],
    ]);
    expect(history[0]?.txHash).toBe(r1?.txHash);
    expect(ledger.cachedInterfaceHistory('dev-if')).toEqual(history);
    expect(await ledger.readInterfaceHistory('dev-none')).toEqual([]);
    // concurrent records share recordInterfaces transactions; unchanged ones resolve undefined
    const many = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => ledger.recordInterface(`dev-m${i}`, d1, T)),
      ledger.recordInterface('dev-if', d2, T + 180),
    ]);
    expect(many.slice(0, 30).map((r) => r?.index)).toEqual(Array.from({ length: 30 }, () => 0));
    expect(many[30]).toBeUndefined();
    expect(new Set(many.slice(0, 30).map((r) => r?.txHash)).size).toBeLessThanOrEqual(2);
    await ledger.close();
  });

  it('deploy() adds TrustStore to a deployment made before it existed, keeping the other contracts', async () => {
    const file = deploymentFilePath(f.dataDir);
    const before = readDeployment(f.dataDir);
    if (!before) throw new Error('no deployment');
    const old = JSON.parse(readFileSync(file, 'utf8')) as { addresses: Record<string, string> };
    delete old.addresses['TrustStore'];
    writeFileSync(file, JSON.stringify(old));
    const again = await deploy({ rpcUrl: f.chain.rpcUrl, privateKey: f.privateKey, dataDir: f.dataDir });
    expect(again.reused).toBe(false);
    expect(again.deployment.addresses.ClientStore).toBe(before.addresses.ClientStore);
    expect(again.deployment.addresses.AnomalyStore).toBe(before.addresses.AnomalyStore);
    expect(again.deployment.addresses.TrustStore).not.toBe(before.addresses.TrustStore);
    expect(again.deployment.block).toBe(before.block);
    const conn = await connectChain({ rpcUrl: f.chain.rpcUrl, deployment: again.deployment });
    expect(Number((await conn.call('TrustStore', 'evaluationCount', []))[0])).toBe(0);
    conn.close();
    expect((await deploy({ rpcUrl: f.chain.rpcUrl, privateKey: f.privateKey, dataDir: f.dataDir })).reused).toBe(true);
  });
});
