/** One evaluation as the TrustStore contract records it (scores and weights in fixed point). */
import { MAX_WEIGHT, SCORE_SCALE } from './fixedPoint.js';
import { invalidTrustInput } from './TrustError.js';

/** What an evaluation is based on (the contract's `kind`, a uint8; higher values are refused). */
export const EvaluationKind = {
  /** The LwM2M server's own evidence: fulfilled and broken obligations over one window. */
  Obligations: 0,
  /** A test agent's functional and performance checks (`chainm2m trust probe`). */
  Probe: 1,
  /** Any other identified evaluator, through `POST /api/trust/evaluations`. */
  External: 2,
} as const;
export type EvaluationKind = (typeof EvaluationKind)[keyof typeof EvaluationKind];
export const MAX_EVALUATION_KIND = 2;

export function evaluationKindName(kind: EvaluationKind): keyof typeof EvaluationKind {
  const name = (Object.keys(EvaluationKind) as (keyof typeof EvaluationKind)[]).find((k) => EvaluationKind[k] === kind);
  if (!name) throw invalidTrustInput(`unknown evaluation kind ${String(kind)}`);
  return name;
}

export interface Evaluation {
  /** An endpoint name, or an evaluator / registrar id (a lowercase 0x address or `user:<name>`). */
  readonly subject: string;
  /** Who evaluated: the server's address (lowercase 0x), `user:<name>`, `probe:<address>`. */
  readonly evaluator: string;
  /** Integer in [-SCORE_SCALE, SCORE_SCALE] (1,000,000 = 1.0). */
  readonly score: number;
  /** Integer thousandths, 1..2^32-1 (1,000 = 1.0). */
  readonly weight: number;
  readonly kind: EvaluationKind;
  /** 0x + 64 hex: SHA-256 of the canonical evidence report. */
  readonly evidence: string;
  /** Unix seconds: when the evidence ends (a window's end, a probe's time). */
  readonly at: number;
}

/** An evaluation read back from the chain. */
export interface RecordedEvaluation extends Evaluation {
  /** Position in the contract's sequence of evaluations (0, 1, ...). */
  readonly id: number;
  readonly txHash: string;
  readonly blockNumber: number;
}

const DIGEST = /^0x[0-9a-f]{64}$/;
const MAX_ID_BYTES = 256;

/** Throws `TRUST_INVALID_INPUT` naming the first bad field; returns the evaluation otherwise. */
export function validateEvaluation(e: Evaluation): Evaluation {
  const bad = (reason: string): never => {
    throw invalidTrustInput(reason);
  };
  if (typeof e !== 'object' || e === null) bad('evaluation');
  if (typeof e.subject !== 'string' || e.subject.length === 0 || Buffer.byteLength(e.subject) > MAX_ID_BYTES) bad('subject');
  if (typeof e.evaluator !== 'string' || e.evaluator.length === 0 || Buffer.byteLength(e.evaluator) > MAX_ID_BYTES) bad('evaluator');
  if (!Number.isInteger(e.score) || e.score < -SCORE_SCALE || e.score > SCORE_SCALE) bad('score out of range');
  if (!Number.isInteger(e.weight) || e.weight < 1 || e.weight > MAX_WEIGHT) bad('weight');
  if (!Number.isInteger(e.kind) || e.kind < 0 || e.kind > MAX_EVALUATION_KIND) bad('unknown kind');
  if (typeof e.evidence !== 'string' || !DIGEST.test(e.evidence)) bad('evidence digest');
  if (!Number.isSafeInteger(e.at) || e.at < 0) bad('at');
  return e;
}
