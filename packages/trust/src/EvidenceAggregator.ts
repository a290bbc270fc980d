/**
 * Evidence of a device's obligations (seed 003), counted in memory per device per window, turned
 * into one evaluation per device per window that had evidence.
 *
 * A device's obligations: update its registration before its lifetime ends, answer requests
 * within the timeout, authenticate with its own identity, send well-formed messages. Fulfilled
 * ones count for it, broken ones (and failed handshakes, identity mismatches, failed bootstraps,
 * anomalies) against it, each with a severity. Pure: time is given by the caller.
 */
import { createHash } from 'node:crypto';
import { EvaluationKind, type Evaluation } from './Evaluation.js';
import { SCORE_SCALE, WEIGHT_SCALE, roundDiv } from './fixedPoint.js';
import { invalidTrustInput } from './TrustError.js';

/** What was observed; each name is a counter of {@link EvidenceCounts}. */
export const EVIDENCE_KINDS = [
  // fulfilled obligations
  'registered',
  'updateOnTime',
  'responseOnTime',
  'authenticated',
  // broken obligations and incidents
  'updateLate',
  'lifetimeExpired',
  'responseTimeout',
  'malformedMessage',
  'handshakeFailed',
  'identityMismatch',
  'bootstrapFailed',
  'anomaly',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];
export type EvidenceCounts = Readonly<Record<EvidenceKind, number>>;

/**
 * How much one observation counts: positive for a fulfilled obligation, negative for a broken
 * one. Severities reflect how strongly the observation suggests a faulty or impersonated device.
 */
export const EVIDENCE_SEVERITY: Readonly<Record<EvidenceKind, number>> = Object.freeze({
  registered: 1,
  updateOnTime: 1,
  responseOnTime: 1,
  authenticated: 1,
  updateLate: -1,
  lifetimeExpired: -3,
  responseTimeout: -1,
  malformedMessage: -1,
  handshakeFailed: -2,
  identityMismatch: -4,
  bootstrapFailed: -2,
  anomaly: -2,
});

/** Observations at which a window's evaluation reaches full weight (1.0). */
export const FULL_WEIGHT_OBSERVATIONS = 10;

const ZERO_COUNTS: EvidenceCounts = Object.freeze(Object.fromEntries(EVIDENCE_KINDS.map((k) => [k, 0])) as Record<EvidenceKind, number>);

export function emptyCounts(): Record<EvidenceKind, number> {
  return { ...ZERO_COUNTS };
}

/**
 * A window's score from its counts: `(F - B) / (F + B)` where F sums the severities of fulfilled
 * observations and B the absolute severities of broken ones; weight `min(n, 10) / 10` for n
 * observations. `null` when nothing was observed.
 */
export function scoreEvidence(counts: EvidenceCounts): { score: number; weight: number } | null {
  let good = 0n;
  let bad = 0n;
  let n = 0;
  for (const k of EVIDENCE_KINDS) {
    const c = counts[k];
    if (!Number.isSafeInteger(c) || c < 0) throw invalidTrustInput(`count ${k}`);
    const s = BigInt(EVIDENCE_SEVERITY[k]) * BigInt(c);
    if (s >= 0n) good += s;
    else bad -= s;
    n += c;
  }
  if (n === 0) return null;
  const score = Number(roundDiv((good - bad) * BigInt(SCORE_SCALE), good + bad));
  const weight = Math.round((Math.min(n, FULL_WEIGHT_OBSERVATIONS) * WEIGHT_SCALE) / FULL_WEIGHT_OBSERVATIONS);
  return { score, weight };
}

/** The canonical evidence report of one window (what the evidence digest is the SHA-256 of). */
export interface EvidenceReport {
  readonly subject: string;
  readonly from: number;
  readonly to: number;
  readonly counts: EvidenceCounts;
}

/** Canonical JSON: fixed key order, counters in {@link EVIDENCE_KINDS} order. */
export function canonicalEvidenceJson(r: EvidenceReport): string {
  const counts = EVIDENCE_KINDS.map((k) => `${JSON.stringify(k)}:${r.counts[k]}`).join(',');
  return `{"subject":${JSON.stringify(r.subject)},"from":${r.from},"to":${r.to},"counts":{${counts}}}`;
}

/** `0x` + SHA-256 hex of a report's canonical text (or of any canonical text). */
export function evidenceDigest(report: EvidenceReport | string): string {
  const text = typeof report === 'string' ? report : canonicalEvidenceJson(report);
  return `0x${createHash('sha256').update(text).digest('hex')}`;
}

export interface WindowEvaluation {
  readonly evaluation: Evaluation;
  readonly report: EvidenceReport;
}

export interface EvidenceAggregatorOptions {
  /** Window length in seconds (whole seconds, > 0). */
  readonly windowSeconds: number;
  /** The evaluator id the evaluations are written under (the server's). */
  readonly evaluator: string;
  /** Start of the first window (Unix seconds). */
  readonly start: number;
}

/**
 * Counts per device for the current window; {@link closeWindow} returns one evaluation per device
 * that had evidence and starts the next window. Totals since start are kept for display.
 */
export class EvidenceAggregator {
  readonly windowSeconds: number;
  readonly evaluator: string;
  private windowStart: number;
  private current = new Map<string, Record<EvidenceKind, number>>();
  private readonly totals = new Map<string, Record<EvidenceKind, number>>();

  constructor(options: EvidenceAggregatorOptions) {
    if (!Number.isSafeInteger(options.windowSeconds) || options.windowSeconds <= 0) throw invalidTrustInput('windowSeconds');
    if (!Number.isSafeInteger(options.start) || options.start < 0) throw invalidTrustInput('start');
    this.windowSeconds = options.windowSeconds;
    this.evaluator = options.evaluator;
    this.windowStart = options.start;
  }

  /** Start of the window being counted (Unix seconds). */
  get currentWindowStart(): number {
    return this.windowStart;
  }

  /** End of the window being counted: when {@link closeWindow} is due. */
  get currentWindowEnd(): number {
    return this.windowStart + this.windowSeconds;
  }

  record(subject: string, kind: EvidenceKind, count = 1): void {
    if (typeof subject !== 'string' || subject.length === 0) throw invalidTrustInput('subject');
    if (!Object.hasOwn(EVIDENCE_SEVERITY, kind)) throw invalidTrustInput(`evidence kind ${String(kind)}`);
    if (!Number.isSafeInteger(count) || count < 1) throw invalidTrustInput('count');
    for (const map of [this.current, this.totals]) {
      let c = map.get(subject);
      if (!c) {
        c = emptyCounts();
        map.set(subject, c);
      }
      c[kind] += count;
    }
  }

  /** Counts of the open window (zeros when nothing was seen). */
  windowCounts(subject: string): EvidenceCounts {
    return { ...(this.current.get(subject) ?? emptyCounts()) };
  }

  /** Counts since the aggregator started. */
  totalCounts(subject: string): EvidenceCounts {
    return { ...(this.totals.get(subject) ?? emptyCounts()) };
  }

  /** Devices with evidence in the open window. */
  pendingSubjects(): number {
    return this.current.size;
  }

  /**
   * Ends the open window at `end` (default: its scheduled end) and returns its evaluations, in
   * subject order; the next window starts at `end`.
   */
  closeWindow(end: number = this.currentWindowEnd): WindowEvaluation[] {
    if (!Number.isSafeInteger(end) || end < this.windowStart) throw invalidTrustInput('window end');
    const out: WindowEvaluation[] = [];
    for (const subject of [...this.current.keys()].sort()) {
      const counts = this.current.get(subject) as EvidenceCounts;
      const scored = scoreEvidence(counts);
      if (!scored) continue;
      const report: EvidenceReport = { subject, from: this.windowStart, to: end, counts: { ...counts } };
      out.push({
        report,
        evaluation: {
          subject,
          evaluator: this.evaluator,
          score: scored.score,
          weight: scored.weight,
          kind: EvaluationKind.Obligations,
          evidence: evidenceDigest(report),
          at: end,
        },
      });
    }
    this.current = new Map();
    this.windowStart = end;
    return out;
  }
}
