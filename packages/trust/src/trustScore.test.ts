import { describe, expect, it } from 'vitest';
import { EvaluationKind, type Evaluation } from './Evaluation.js';
import { SCORE_SCALE, UNIT, decayFactor, roundDiv, toFixedScore } from './fixedPoint.js';
import { TrustModel, aggregateTrust, computeTrust, registrarTrust } from './trustScore.js';
import { isTrustError } from './TrustError.js';

const NOW = Date.UTC(2026, 11, 4, 12) / 1000; // 2026-12-04T12:00:00Z
const DAY = 86_400;
const SERVER = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const DIGEST = `0x${'ab'.repeat(32)}`;

function ev(subject: string, evaluator: string, score: number, at: number, weight = 1_000): Evaluation {
  return { subject, evaluator, score: toFixedScore(score), weight, kind: EvaluationKind.External, evidence: DIGEST, at };
}
const params = { halfLifeSeconds: DAY, trustedEvaluators: [SERVER] };

describe('decayFactor', () => {
  it('is 1 at age 0, exactly 1/2 per half-life, 2^-1/2 at half a half-life', () => {
    expect(decayFactor(0, DAY)).toBe(UNIT);
    expect(decayFactor(-5, DAY)).toBe(UNIT);
    expect(decayFactor(DAY, DAY)).toBe(UNIT / 2n);
    expect(decayFactor(3 * DAY, DAY)).toBe(UNIT / 8n);
    // 2^-0.5 = 0.707106781186547524400844...
    expect(decayFactor(DAY / 2, DAY)).toBe(707_106_781_186_547_524n);
    // 2^-1.5 = 0.353553390593273762200422...
    expect(decayFactor(DAY + DAY / 2, DAY)).toBe(353_553_390_593_273_762n);
    expect(decayFactor(200 * DAY, DAY)).toBe(0n);
  });

  it('decreases strictly with age and refuses non-integer input', () => {
    let prev = UNIT + 1n;
    for (let age = 0; age <= 2 * DAY; age += 3_607) {
      const d = decayFactor(age, DAY);
      expect(d < prev).toBe(true);
      prev = d;
    }
    expect(() => decayFactor(1.5, DAY)).toThrow(/age/);
    expect(() => decayFactor(10, 0)).toThrow(/half-life/);
  });

  it('roundDiv rounds halves away from zero', () => {
    expect(roundDiv(5n, 2n)).toBe(3n);
    expect(roundDiv(-5n, 2n)).toBe(-3n);
    expect(roundDiv(4n, 3n)).toBe(1n);
    expect(roundDiv(-4n, 3n)).toBe(-1n);
  });
});

describe('the trust formula', () => {
  it('no evidence is unknown (null), not 0', () => {
    expect(computeTrust([], 'dev-001', NOW, params)).toEqual({ subject: 'dev-001', at: NOW, score: null, evaluations: 0 });
    // evidence from the future and self-evaluations do not count either
    const r = computeTrust([ev('dev-001', SERVER, 0.9, NOW + 1), ev('dev-001', 'dev-001', 1, NOW)], 'dev-001', NOW, params);
    expect(r.score).toBeNull();
  });

  it('decay: an evaluation one half-life old weighs half as much (hand-computed)', () => {
    // (+1 * 1 + -1 * 0.5) / (1 + 0.5) = 1/3
    const r = computeTrust([ev('dev-001', SERVER, 1, NOW), ev('dev-001', SERVER, -1, NOW - DAY)], 'dev-001', NOW, params);
    expect(r.score).toBe(333_333);
    expect(r.evaluations).toBe(2);
    // two half-lives later both are old: (1 * 0.25 - 1 * 0.125) / 0.375 = 1/3 still (ratio kept)
    expect(computeTrust([ev('dev-001', SERVER, 1, NOW), ev('dev-001', SERVER, -1, NOW - DAY)], 'dev-001', NOW + 2 * DAY, params).score).toBe(333_333);
  });

  it('weights: an evaluation of weight 3 counts three times (hand-computed)', () => {
    // (0.5 * 3 + -0.5 * 1) / 4 = 0.25
    const r = computeTrust([ev('dev-001', SERVER, 0.5, NOW, 3_000), ev('dev-001', SERVER, -0.5, NOW, 1_000)], 'dev-001', NOW, params);
    expect(r.score).toBe(250_000);
  });

  it('evaluator weighting: the evaluator trust maps [-1, 1] to [0, 1] (hand-computed)', () => {
    // carol is rated 0.6 by the server -> trust 0.8; unknown dave counts 0.5
    const evals = [ev('user:carol', SERVER, 0.6, NOW), ev('dev-001', 'user:carol', 1, NOW), ev('dev-001', 'user:dave', -1, NOW)];
    // (1 * 0.8 - 1 * 0.5) / 1.3 = 0.230769...
    expect(computeTrust(evals, 'dev-001', NOW, params).score).toBe(230_769);
    // an evaluator rated -1 has trust 0: its evaluations do not count at all
    const zero = [ev('user:mallory', SERVER, -1, NOW), ev('dev-001', 'user:mallory', 1, NOW)];
    expect(computeTrust(zero, 'dev-001', NOW, params)).toMatchObject({ score: null, evaluations: 0 });
  });

  it('a low-trust evaluator moves a score less than a trusted one', () => {
    const base = [ev('dev-001', SERVER, 0.5, NOW), ev('user:low', SERVER, -0.8, NOW)]; // low: trust 0.1
    const before = computeTrust(base, 'dev-001', NOW, params).score as number;
    const byLow = computeTrust([...base, ev('dev-001', 'user:low', -1, NOW)], 'dev-001', NOW, params).score as number;
    const byServer = computeTrust([...base, ev('dev-001', SERVER, -1, NOW)], 'dev-001', NOW, params).score as number;
    expect(before).toBe(500_000);
    // (0.5 - 0.1) / 1.1 = 0.363636..., (0.5 - 1) / 2 = -0.25
    expect(byLow).toBe(363_636);
    expect(byServer).toBe(-250_000);
    expect(before - byLow).toBeLessThan(before - byServer);
  });

  it('the server is fully trusted whatever is said of it; depth bounds evaluator chains (cycles end)', () => {
    const evals = [
      ev(SERVER, 'user:a', -1, NOW), // nobody can lower the server's weight
      ev('dev-001', SERVER, 0.4, NOW),
      ev('user:a', 'user:b', 1, NOW),
      ev('user:b', 'user:a', 1, NOW), // a cycle
      ev('dev-001', 'user:a', -0.4, NOW),
    ];
    const m = new TrustModel(evals, params);
    expect(m.evaluatorTrust(SERVER, 5, NOW)).toBe(UNIT);
    // depth 2: a's trust from b's evaluation weighted at level 0 (b unknown: 0.5) -> a's score 1 -> trust 1
    // (0.4 * 1 - 0.4 * 1) / 2 = 0
    expect(m.score('dev-001', NOW).score).toBe(0);
    // depth 1: a is unknown (0.5): (0.4 - 0.2) / 1.5 = 0.1333...
    expect(computeTrust(evals, 'dev-001', NOW, { ...params, depth: 1 }).score).toBe(133_333);
  });

  it('does not depend on the order of evaluations', () => {
    const evals: Evaluation[] = [];
    for (let i = 0; i < 300; i++) {
      const evaluator = i % 3 === 0 ? SERVER : `user:u${i % 7}`;
      evals.push(ev(i % 5 === 0 ? `user:u${i % 7}` : 'dev-001', evaluator, ((i * 37) % 201) / 100 - 1, NOW - i * 611, 1 + ((i * 13) % 4_000)));
    }
    const a = computeTrust(evals, 'dev-001', NOW, params);
    const b = computeTrust([...evals].reverse(), 'dev-001', NOW, params);
    const c = computeTrust([...evals].sort((x, y) => x.score - y.score), 'dev-001', NOW, params);
    expect(a.score).not.toBeNull();
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('registrar aggregation: the mean of the known scores of its endpoints', () => {
    expect(aggregateTrust([200_000, 400_000, null])).toBe(300_000);
    expect(aggregateTrust([null, null])).toBeNull();
    expect(aggregateTrust([1, 2])).toBe(2); // 1.5 rounds away from zero
    const m = new TrustModel([ev('dev-001', SERVER, 0.2, NOW), ev('dev-002', SERVER, -0.8, NOW)], params);
    expect(registrarTrust(m, ['dev-001', 'dev-002', 'dev-003'], NOW)).toBe(-300_000);
  });

  it('refuses bad parameters with TRUST_INVALID_INPUT', () => {
    let err: unknown;
    try {
      computeTrust([], 'x', NOW, { halfLifeSeconds: 0 });
    } catch (e) {
      err = e;
    }
    expect(isTrustError(err, 'TRUST_INVALID_INPUT')).toBe(true);
    expect(() => toFixedScore(1.01)).toThrow(/\[-1, 1\]/);
    expect(toFixedScore(-0.5)).toBe(-SCORE_SCALE / 2);
  });
});
