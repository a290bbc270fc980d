/**
 * Fixed-point arithmetic of the trust formula. Everything that decides a score is integer
 * arithmetic (BigInt), so the same evaluations and the same instant give the same score on every
 * machine and in every summation order; floats appear only when a score is shown.
 */
import { invalidTrustInput } from './TrustError.js';

/** A score of 1.0 on chain and in {@link Evaluation.score}: scores are integers in [-SCORE_SCALE, SCORE_SCALE]. */
export const SCORE_SCALE = 1_000_000;
/** A weight of 1.0: weights are integers in [1, MAX_WEIGHT] thousandths. */
export const WEIGHT_SCALE = 1_000;
export const MAX_WEIGHT = 0xffff_ffff;
/** Precision of decay factors and evaluator trusts: 1.0 = 10^18. */
export const UNIT = 10n ** 18n;

const WORK = 10n ** 27n; // internal precision of the exponential
/** ln 2 to 27 decimals. */
const LN2_WORK = 693_147_180_559_945_309_417_232_121n;

/** `round(n / d)` with halves away from zero; `d > 0`. */
export function roundDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (2n * (r < 0n ? -r : r) >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** `exp(-x)` for `0 <= x <= ln 2`, `x` in WORK units, by its Taylor series (alternating, exact integers). */
function expNeg(x: bigint): bigint {
  let term = WORK;
  let sum = WORK;
  for (let k = 1n; k <= 40n && term !== 0n; k++) {
    term = (term * x) / (WORK * k);
    sum += k % 2n === 1n ? -term : term;
  }
  return sum;
}

/**
 * `2^(-age / halfLife)` in {@link UNIT}s, rounded: 1.0 at age 0, 0.5 at one half-life. Ages and
 * half-lives are whole seconds; a negative age (evidence from the future) counts as 0.
 */
export function decayFactor(ageSeconds: number, halfLifeSeconds: number): bigint {
  if (!Number.isSafeInteger(ageSeconds)) throw invalidTrustInput('age is not an integer number of seconds');
  if (!Number.isSafeInteger(halfLifeSeconds) || halfLifeSeconds <= 0) throw invalidTrustInput('half-life must be a positive integer of seconds');
  if (ageSeconds <= 0) return UNIT;
  const h = BigInt(halfLifeSeconds);
  const age = BigInt(ageSeconds);
  const halvings = age / h;
  if (halvings >= 128n) return 0n;
  const frac = expNeg((LN2_WORK * (age % h)) / h); // 2^(-r/h) in WORK units
  return roundDiv(frac, (WORK / UNIT) << halvings);
}

/** A score in [-1, 1] as a number -> the integer fixed point (rounded, halves away from zero). */
export function toFixedScore(value: number): number {
  if (!Number.isFinite(value) || value < -1 || value > 1) throw invalidTrustInput('score must be a number in [-1, 1]');
  const v = Math.round(Math.abs(value) * SCORE_SCALE);
  return value < 0 ? -v : v;
}

/** The integer fixed point -> a number in [-1, 1] for display. */
export function fromFixedScore(score: number): number {
  return score / SCORE_SCALE;
}
