import { describe, expect, it } from 'vitest';
import { EvaluationKind, type Evaluation } from './Evaluation.js';
import { EvidenceAggregator, scoreEvidence, emptyCounts } from './EvidenceAggregator.js';
import { toFixedScore } from './fixedPoint.js';
import { TrustModel, registrarTrust } from './trustScore.js';

/** docs/trust.md, "Worked example" and the obligations example, number for number. */
const T = 1_796_385_600; // 2026-12-04T12:00:00Z
const DAY = 86_400;
const S = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const D = `0x${'00'.repeat(31)}01`;

const e = (evaluator: string, subject: string, score: number, weight: number, age: number): Evaluation => ({
  subject,
  evaluator,
  score: toFixedScore(score),
  weight,
  kind: EvaluationKind.External,
  evidence: D,
  at: T - age,
});

describe('docs/trust.md worked example', () => {
  const evaluations = [
    e(S, 'dev-042', 0.8, 1_000, 0),
    e(S, 'dev-042', -0.6, 1_000, DAY),
    e(S, 'user:alice', 0.6, 1_000, 0),
    e('user:alice', 'dev-042', -0.2, 1_000, 0),
    e('user:bob', 'dev-042', 1.0, 2_000, 2 * DAY),
    e(S, 'dev-043', 0.4, 1_000, 0),
  ];
  const model = new TrustModel(evaluations, { halfLifeSeconds: DAY, trustedEvaluators: [S] });

  it('dev-042 scores 0.59 / 2.55 -> 231,373', () => {
    expect(model.score('dev-042', T)).toEqual({ subject: 'dev-042', at: T, score: 231_373, evaluations: 4 });
    expect(model.score('user:alice', T).score).toBe(600_000);
  });

  it('the registrar of dev-042, dev-043, dev-044 has trust 315,687', () => {
    expect(registrarTrust(model, ['dev-042', 'dev-043', 'dev-044'], T)).toBe(315_687);
  });

  it('the obligations example: 1/11 -> 90,909 with weight 900', () => {
    const counts = { ...emptyCounts(), registered: 1, updateOnTime: 5, updateLate: 1, handshakeFailed: 2 };
    expect(scoreEvidence(counts)).toEqual({ score: 90_909, weight: 900 });
    const agg = new EvidenceAggregator({ windowSeconds: 600, evaluator: S, start: T - 600 });
    agg.record('dev-042', 'registered');
    agg.record('dev-042', 'updateOnTime', 5);
    agg.record('dev-042', 'updateLate');
    agg.record('dev-042', 'handshakeFailed', 2);
    const [w] = agg.closeWindow();
    expect(w?.evaluation).toMatchObject({ subject: 'dev-042', evaluator: S, score: 90_909, weight: 900, kind: 0, at: T });
  });
});
