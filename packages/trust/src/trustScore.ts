/**
 * The trust formula (docs/trust.md). A subject's score at instant `at` is the weighted mean of
 * the scores of its evaluations made at or before `at`, each weighted by
 *
 *     weight × evaluatorTrust01 × 2^(-(at - evaluation.at) / halfLife)
 *
 * where `evaluatorTrust01` maps the evaluator's own score from [-1, 1] to [0, 1] (`(s + 1) / 2`).
 * Trusted evaluators (the server itself by default) count 1; an evaluator with no evaluations of
 * its own counts `unknownEvaluatorTrust`. Evaluator trust is computed to a fixed depth:
 * level 0 is 1 for trusted evaluators and `unknownEvaluatorTrust` for the others; level k weighs
 * evaluations of the evaluator by level k-1. A subject's score uses level `depth - 1`.
 * Self-evaluations do not count. No counting evaluation -> `null` ("unknown", not 0).
 *
 * All arithmetic is on integers, so the result does not depend on the order of evaluations or
 * on the machine.
 */
import type { Evaluation } from './Evaluation.js';
import { SCORE_SCALE, UNIT, decayFactor, roundDiv } from './fixedPoint.js';
import { invalidTrustInput } from './TrustError.js';

export interface TrustParams {
  /** Evidence loses half its weight every `halfLifeSeconds`; default 7 days. */
  readonly halfLifeSeconds: number;
  /** Evaluator ids trusted fully (1.0) whatever is said of them: the server's own id. */
  readonly trustedEvaluators: readonly string[];
  /** Trust in [0, SCORE_SCALE] (0..1) of an evaluator nobody evaluated; default 0.5. */
  readonly unknownEvaluatorTrust: number;
  /** Levels of evaluator trust; default 2 (evaluators' evaluators count). */
  readonly depth: number;
}

export const DEFAULT_HALF_LIFE_SECONDS = 7 * 24 * 3600;

export const DEFAULT_TRUST_PARAMS: TrustParams = Object.freeze({
  halfLifeSeconds: DEFAULT_HALF_LIFE_SECONDS,
  trustedEvaluators: Object.freeze([]) as readonly string[],
  unknownEvaluatorTrust: SCORE_SCALE / 2,
  depth: 2,
});

export interface TrustScore {
  readonly subject: string;
  /** The instant (Unix seconds) the score is computed for. */
  readonly at: number;
  /** Fixed point in [-SCORE_SCALE, SCORE_SCALE], or `null` when there is no evidence. */
  readonly score: number | null;
  /** Evaluations that counted (made at or before `at`, not self-evaluations, weighed > 0). */
  readonly evaluations: number;
}

export function resolveTrustParams(p: Partial<TrustParams> = {}): TrustParams {
  const params: TrustParams = { ...DEFAULT_TRUST_PARAMS, ...p };
  if (!Number.isSafeInteger(params.halfLifeSeconds) || params.halfLifeSeconds <= 0) throw invalidTrustInput('halfLifeSeconds');
  if (!Number.isInteger(params.unknownEvaluatorTrust) || params.unknownEvaluatorTrust < 0 || params.unknownEvaluatorTrust > SCORE_SCALE) {
    throw invalidTrustInput('unknownEvaluatorTrust');
  }
  if (!Number.isInteger(params.depth) || params.depth < 1 || params.depth > 4) throw invalidTrustInput('depth (1..4)');
  return params;
}

/** Maps a score in [-SCORE_SCALE, SCORE_SCALE] to a trust in [0, UNIT]. */
function toTrust01(score: number): bigint {
  return ((BigInt(score) + BigInt(SCORE_SCALE)) * UNIT) / BigInt(2 * SCORE_SCALE);
}

/**
 * Evaluations grouped by subject, scored on demand. Build one per set of evaluations (a chain
 * snapshot); {@link score} memoizes per (subject, instant).
 */
export class TrustModel {
  readonly params: TrustParams;
  private readonly bySubject = new Map<string, Evaluation[]>();
  private readonly trusted: ReadonlySet<string>;
  private readonly memo = new Map<string, { sum: bigint; den: bigint; n: number } | null>();
  private memoAt = -1;
  private readonly byEvaluator = new Map<string, Set<string>>();

  constructor(evaluations: Iterable<Evaluation>, params: Partial<TrustParams> = {}) {
    this.params = resolveTrustParams(params);
    this.trusted = new Set(this.params.trustedEvaluators);
    for (const e of evaluations) this.add(e);
  }

  /** Adds one evaluation (forgets memoized results). */
  add(e: Evaluation): void {
    const list = this.bySubject.get(e.subject);
    if (list) list.push(e);
    else this.bySubject.set(e.subject, [e]);
    let evaluated = this.byEvaluator.get(e.evaluator);
    if (!evaluated) this.byEvaluator.set(e.evaluator, (evaluated = new Set()));
    evaluated.add(e.subject);
    this.memo.clear();
  }

  subjects(): IterableIterator<string> {
    return this.bySubject.keys();
  }

  /** Subjects `evaluator` has evaluated. */
  subjectsEvaluatedBy(evaluator: string): ReadonlySet<string> {
    return this.byEvaluator.get(evaluator) ?? new Set();
  }

  evaluationsOf(subject: string): readonly Evaluation[] {
    return this.bySubject.get(subject) ?? [];
  }

  /** The subject's score at `at` (Unix seconds). */
  score(subject: string, at: number): TrustScore {
    if (!Number.isSafeInteger(at) || at < 0) throw invalidTrustInput('at');
    if (at !== this.memoAt) {
      this.memo.clear();
      this.memoAt = at;
    }
    const r = this.weighted(subject, this.params.depth - 1, at);
    return { subject, at, score: r ? Number(roundDiv(r.sum, r.den)) : null, evaluations: r?.n ?? 0 };
  }

  /** An evaluator's trust in [0, UNIT] at evaluator level `level`. */
  evaluatorTrust(evaluator: string, level: number, at: number): bigint {
    if (this.trusted.has(evaluator)) return UNIT;
    const unknown = (BigInt(this.params.unknownEvaluatorTrust) * UNIT) / BigInt(SCORE_SCALE);
    if (level <= 0) return unknown;
    const r = this.weighted(evaluator, level - 1, at);
    return r ? toTrust01(Number(roundDiv(r.sum, r.den))) : unknown;
  }

  private weighted(subject: string, evaluatorLevel: number, at: number): { sum: bigint; den: bigint; n: number } | null {
    const key = `${evaluatorLevel}\u0000${at}\u0000${subject}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    let sum = 0n;
    let den = 0n;
    let n = 0;
    const trustOf = new Map<string, bigint>();
    for (const e of this.bySubject.get(subject) ?? []) {
      if (e.at > at || e.evaluator === subject) continue;
      let t = trustOf.get(e.evaluator);
      if (t === undefined) {
        t = this.evaluatorTrust(e.evaluator, evaluatorLevel, at);
        trustOf.set(e.evaluator, t);
      }
      const c = BigInt(e.weight) * t * decayFactor(at - e.at, this.params.halfLifeSeconds);
      if (c === 0n) continue;
      sum += c * BigInt(e.score);
      den += c;
      n++;
    }
    const r = den === 0n ? null : { sum, den, n };
    this.memo.set(key, r);
    return r;
  }
}

/** One subject's score from a list of evaluations (any order; other subjects' are used for evaluator trust). */
export function computeTrust(evaluations: Iterable<Evaluation>, subject: string, at: number, params: Partial<TrustParams> = {}): TrustScore {
  return new TrustModel(evaluations, params).score(subject, at);
}

/**
 * A registrar's trust: the mean of the known scores of the endpoints it registered (rounded,
 * halves away from zero); `null` when none of them is known. Seed 000: an end-user's trust is
 * that of the services it provides.
 */
export function aggregateTrust(scores: Iterable<number | null>): number | null {
  let sum = 0n;
  let n = 0n;
  for (const s of scores) {
    if (s === null) continue;
    sum += BigInt(s);
    n++;
  }
  return n === 0n ? null : Number(roundDiv(sum, n));
}

export function registrarTrust(model: TrustModel, endpoints: Iterable<string>, at: number): number | null {
  return aggregateTrust([...endpoints].map((ep) => model.score(ep, at).score));
}
