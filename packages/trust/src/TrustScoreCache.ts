/**
 * The quick look-up: every subject's score computed at a known instant (`asOf`), kept in a map.
 * Fed by ledger events; a new evaluation rescores its subject (and, when the subject is itself an
 * evaluator, what it evaluated) at the event's arrival time; {@link refreshAll} rescores
 * everything (scores decay, so callers refresh periodically). Anyone can check an entry by
 * recomputing from the chain's evaluations at `asOf` ({@link verifyEntry}).
 */
import type { RecordedEvaluation } from './Evaluation.js';
import { TrustModel, computeTrust, type TrustParams } from './trustScore.js';

export interface CachedTrust {
  readonly subject: string;
  /** Fixed point, `null` = unknown. */
  readonly score: number | null;
  /** The instant (Unix seconds) the score was computed for. */
  readonly asOf: number;
  readonly evaluations: number;
  /**
   * Highest ledger id of the evaluations the cache held when it scored (-1: none): a verifier
   * recomputes from the chain's evaluations with ids up to this one, at `asOf`.
   */
  readonly throughId: number;
}

export interface TrustVerification {
  readonly subject: string;
  readonly asOf: number;
  readonly cached: number | null;
  readonly recomputed: number | null;
  readonly matches: boolean;
  /** Evaluations read from the chain. */
  readonly chainEvaluations: number;
}

export class TrustScoreCache {
  readonly model: TrustModel;
  private readonly entries = new Map<string, CachedTrust>();
  private readonly recent = new Map<string, RecordedEvaluation[]>();
  private readonly keepRecent: number;
  private maxId = -1;

  constructor(params: Partial<TrustParams>, options: { keepRecent?: number } = {}) {
    this.model = new TrustModel([], params);
    this.keepRecent = options.keepRecent ?? 20;
  }

  get params(): TrustParams {
    return this.model.params;
  }

  /** Adds evaluations (from the ledger) and rescores the subjects they touch at `now`. */
  addEvaluations(evaluations: readonly RecordedEvaluation[], now: number): CachedTrust[] {
    const touched = new Set<string>();
    for (const e of evaluations) {
      this.model.add(e);
      if (e.id > this.maxId) this.maxId = e.id;
      touched.add(e.subject);
      const list = this.recent.get(e.subject) ?? [];
      list.push(e);
      if (list.length > this.keepRecent) list.shift();
      this.recent.set(e.subject, list);
    }
    // Scores of what a touched subject evaluated depend on it.
    for (const s of [...touched]) for (const t of this.model.subjectsEvaluatedBy(s)) touched.add(t);
    return [...touched].map((s) => this.rescore(s, now));
  }

  /** Rescores every subject at `now`. */
  refreshAll(now: number): void {
    for (const s of this.model.subjects()) this.rescore(s, now);
  }

  get(subject: string): CachedTrust | undefined {
    return this.entries.get(subject);
  }

  /** The subject's last evaluations (newest last). */
  recentEvaluations(subject: string): readonly RecordedEvaluation[] {
    return this.recent.get(subject) ?? [];
  }

  size(): number {
    return this.entries.size;
  }

  all(): IterableIterator<CachedTrust> {
    return this.entries.values();
  }

  private rescore(subject: string, now: number): CachedTrust {
    const s = this.model.score(subject, now);
    const entry: CachedTrust = { subject, score: s.score, asOf: now, evaluations: s.evaluations, throughId: this.maxId };
    this.entries.set(subject, entry);
    return entry;
  }
}

/**
 * Recomputes `entry` from evaluations read from the chain (all subjects' — evaluator trust needs
 * them — with ids up to `entry.throughId`), at `entry.asOf`.
 */
export function verifyEntry(entry: CachedTrust, chainEvaluations: Iterable<RecordedEvaluation>, params: Partial<TrustParams>): TrustVerification {
  const list = [...chainEvaluations].filter((e) => e.id <= entry.throughId);
  const r = computeTrust(list, entry.subject, entry.asOf, params);
  return {
    subject: entry.subject,
    asOf: entry.asOf,
    cached: entry.score,
    recomputed: r.score,
    matches: r.score === entry.score,
    chainEvaluations: list.length,
  };
}
