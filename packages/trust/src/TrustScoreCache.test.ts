import { describe, expect, it } from 'vitest';
import { EvaluationKind, type Evaluation } from './Evaluation.js';
import { InMemoryTrustLedger } from './InMemoryTrustLedger.js';
import { TrustScoreCache, verifyEntry } from './TrustScoreCache.js';
import { readRelevantEvaluations } from './TrustLedger.js';
import { computeTrust } from './trustScore.js';
import { interfaceDigest, objectIdsOf } from './interfaceDescription.js';

const T = 1_796_385_600;
const S = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const D = `0x${'cd'.repeat(32)}`;
const ev = (subject: string, evaluator: string, score: number, at = T): Evaluation => ({ subject, evaluator, score, weight: 1_000, kind: EvaluationKind.Probe, evidence: D, at });
const params = { halfLifeSeconds: 3_600, trustedEvaluators: [S] };

describe('TrustScoreCache', () => {
  it('caches scores at an instant; verification recomputes them from the ledger', async () => {
    const ledger = new InMemoryTrustLedger();
    const cache = new TrustScoreCache(params);
    ledger.subscribe((e) => {
      if (e.type === 'evaluation') cache.addEvaluations([e.evaluation], T + 10);
    });
    await ledger.addEvaluations([ev('dev-1', S, 800_000, T - 3_600), ev('dev-2', S, -200_000), ev('user:x', S, 0)]);
    expect(cache.get('dev-1')).toEqual({ subject: 'dev-1', score: 800_000, asOf: T + 10, evaluations: 1, throughId: 0 });
    // a new evaluation of an evaluator rescores what it evaluated
    await ledger.addEvaluations([ev('dev-2', 'user:x', 1_000_000)]);
    expect(cache.get('dev-2')?.score).toBe(200_000); // (-0.2 * 1 + 1 * 0.5) / 1.5
    await ledger.addEvaluations([ev('user:x', S, -1_000_000)]);
    // x is now rated (0 - 1) / 2 = -0.5 -> trust 0.25: (-0.2 + 1 * 0.25) / 1.25 = 0.04
    expect(cache.get('dev-2')?.score).toBe(40_000);
    const entry = cache.get('dev-2');
    if (!entry) throw new Error('no entry');
    const v = verifyEntry(entry, await ledger.readEvaluations(), params);
    expect(v).toMatchObject({ matches: true, cached: entry.score, recomputed: entry.score, chainEvaluations: 5 });
    // evaluations the cache had not seen when it scored are left out of the recomputation
    const later = await ledger.readEvaluations();
    const extra = { ...ev('dev-2', S, -1_000_000), id: 99, txHash: '0x', blockNumber: 99 };
    expect(verifyEntry(entry, [...later, extra], params).matches).toBe(true);
    // a tampered cache entry does not verify
    expect(verifyEntry({ ...entry, score: 0 }, await ledger.readEvaluations(), params).matches).toBe(false);
    expect(cache.recentEvaluations('dev-2').map((e) => e.score)).toEqual([-200_000, 1_000_000]);
    expect(cache.get('unknown')).toBeUndefined();
  });

  it('readRelevantEvaluations reads what a score depends on, and the score is the same as from everything', async () => {
    const ledger = new InMemoryTrustLedger();
    await ledger.addEvaluations([
      ev('dev-1', S, 500_000),
      ev('dev-1', 'user:a', -1_000_000),
      ev('user:a', 'user:b', 800_000),
      ev('user:b', 'user:c', 1_000_000), // beyond depth 2: not needed
      ev(S, 'user:z', -1_000_000), // the trusted server's own evaluations: not needed
      ev('dev-2', S, 0),
    ]);
    const p = { ...params, depth: 2 };
    const relevant = await readRelevantEvaluations(ledger, 'dev-1', p);
    expect(relevant.map((e) => `${e.evaluator}>${e.subject}`)).toEqual([`${S}>dev-1`, 'user:a>dev-1', 'user:b>user:a']);
    const all = await ledger.readEvaluations();
    expect(computeTrust(relevant, 'dev-1', T, p)).toEqual(computeTrust(all, 'dev-1', T, p));
    expect((await readRelevantEvaluations(ledger, 'dev-1', { ...p, depth: 3 })).length).toBe(4);
  });

  it('interface records are appended only when the digest changes', async () => {
    const ledger = new InMemoryTrustLedger();
    const d1 = interfaceDigest({ objectLinks: [{ path: '/3/0' }, { path: '/3303/0', version: '1.1' }], manufacturer: 'Acme', model: 'T-1', firmwareVersion: '1.0.3' });
    const same = interfaceDigest({ objectLinks: [{ path: '/3303/0', version: '1.1' }, { path: '/3/0' }, { path: '/3/0' }], manufacturer: 'Acme', model: 'T-1', firmwareVersion: '1.0.3' });
    const d2 = interfaceDigest({ objectLinks: [{ path: '/3/0' }, { path: '/3303/0', version: '1.1' }], manufacturer: 'Acme', model: 'T-1', firmwareVersion: '1.0.4' });
    expect(same).toBe(d1);
    expect(d2).not.toBe(d1);
    expect(await ledger.recordInterface('dev-1', d1, T)).toMatchObject({ index: 0, digest: d1 });
    expect(await ledger.recordInterface('dev-1', same, T + 1)).toBeUndefined();
    expect(await ledger.recordInterface('dev-1', d2, T + 2)).toMatchObject({ index: 1, digest: d2, at: T + 2 });
    expect((await ledger.readInterfaceHistory('dev-1')).map((r) => r.digest)).toEqual([d1, d2]);
    expect(objectIdsOf({ objectLinks: [{ path: '/3303/1' }, { path: '/3/0' }, { path: '/3303/0' }, { path: '/' }] })).toEqual([3, 3303]);
  });
});
