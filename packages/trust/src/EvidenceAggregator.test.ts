import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EvidenceAggregator, canonicalEvidenceJson, emptyCounts, evidenceDigest, scoreEvidence } from './EvidenceAggregator.js';
import { isTrustError } from './TrustError.js';

const T = 1_796_385_600;
const SERVER = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';

describe('scoreEvidence', () => {
  it('is null without observations, +1 with only fulfilled ones, -1 with only broken ones', () => {
    expect(scoreEvidence(emptyCounts())).toBeNull();
    expect(scoreEvidence({ ...emptyCounts(), updateOnTime: 3, responseOnTime: 20 })).toEqual({ score: 1_000_000, weight: 1_000 });
    expect(scoreEvidence({ ...emptyCounts(), identityMismatch: 1 })).toEqual({ score: -1_000_000, weight: 100 });
  });

  it('weighs broken obligations by severity (hand-computed)', () => {
    // F = 4, B = 3 (lifetime expired) -> 1/7 = 0.142857
    expect(scoreEvidence({ ...emptyCounts(), updateOnTime: 2, responseOnTime: 2, lifetimeExpired: 1 })).toEqual({ score: 142_857, weight: 500 });
    // F = 1, B = 2 + 2 + 4 = 8 -> -7/9 = -0.777778
    expect(scoreEvidence({ ...emptyCounts(), authenticated: 1, handshakeFailed: 1, bootstrapFailed: 1, identityMismatch: 1 })).toEqual({
      score: -777_778,
      weight: 400,
    });
  });
});

describe('EvidenceAggregator', () => {
  it('gives one evaluation per device per window with evidence, sorted, and starts the next window', () => {
    const agg = new EvidenceAggregator({ windowSeconds: 600, evaluator: SERVER, start: T });
    agg.record('dev-b', 'updateOnTime', 4);
    agg.record('dev-a', 'handshakeFailed');
    agg.record('dev-a', 'updateLate');
    expect(agg.pendingSubjects()).toBe(2);
    const out = agg.closeWindow();
    expect(out.map((w) => w.evaluation.subject)).toEqual(['dev-a', 'dev-b']);
    const [a, b] = out;
    expect(a?.evaluation).toEqual({
      subject: 'dev-a',
      evaluator: SERVER,
      score: -1_000_000,
      weight: 200,
      kind: 0,
      evidence: evidenceDigest({ subject: 'dev-a', from: T, to: T + 600, counts: { ...emptyCounts(), handshakeFailed: 1, updateLate: 1 } }),
      at: T + 600,
    });
    expect(b?.evaluation.score).toBe(1_000_000);
    expect(agg.currentWindowStart).toBe(T + 600);
    expect(agg.pendingSubjects()).toBe(0);
    expect(agg.closeWindow()).toEqual([]); // nothing observed: nothing written
    expect(agg.totalCounts('dev-b').updateOnTime).toBe(4);
    expect(agg.windowCounts('dev-b').updateOnTime).toBe(0);
  });

  it('the evidence digest is the SHA-256 of the canonical report', () => {
    const report = { subject: 'dev-001', from: T, to: T + 600, counts: { ...emptyCounts(), anomaly: 2 } };
    const text = canonicalEvidenceJson(report);
    expect(text.startsWith('{"subject":"dev-001","from":1796385600,"to":1796386200,"counts":{"registered":0,')).toBe(true);
    expect(evidenceDigest(report)).toBe(`0x${createHash('sha256').update(text).digest('hex')}`);
    // key order of the input does not matter
    const shuffled = { ...report, counts: Object.fromEntries(Object.entries(report.counts).reverse()) as typeof report.counts };
    expect(evidenceDigest(shuffled)).toBe(evidenceDigest(report));
  });

  it('refuses bad input', () => {
    const agg = new EvidenceAggregator({ windowSeconds: 60, evaluator: SERVER, start: T });
    for (const f of [() => agg.record('', 'anomaly'), () => agg.record('d', 'nope' as 'anomaly'), () => agg.record('d', 'anomaly', 0), () => agg.closeWindow(T - 1)]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(isTrustError(err, 'TRUST_INVALID_INPUT')).toBe(true);
    }
    expect(() => new EvidenceAggregator({ windowSeconds: 0, evaluator: SERVER, start: T })).toThrow(/windowSeconds/);
  });
});
