/**
 * What the trust service needs from a ledger (the TrustStore contract; `ChainTrustLedger` in
 * chain-adapter). Writes are batched by the implementation; reads come from the chain's events.
 */
import type { Evaluation, RecordedEvaluation } from './Evaluation.js';

export interface InterfaceRecord {
  readonly subject: string;
  /** 0, 1, ... per subject. */
  readonly index: number;
  /** 0x + 64 hex. */
  readonly digest: string;
  /** Unix seconds. */
  readonly at: number;
  readonly txHash: string;
  readonly blockNumber: number;
}

/** Something recorded on the ledger (as seen in its events, in chain order). */
export type TrustLedgerEvent =
  | { readonly type: 'evaluation'; readonly evaluation: RecordedEvaluation }
  | { readonly type: 'interface'; readonly record: InterfaceRecord };

export interface TrustLedger {
  /** Writes evaluations, many per transaction; resolves once they are on the ledger. */
  addEvaluations(evaluations: readonly Evaluation[]): Promise<readonly RecordedEvaluation[]>;
  /**
   * Appends an interface record when `digest` differs from the subject's latest; resolves with the
   * new record, or `undefined` when the digest is unchanged.
   */
  recordInterface(subject: string, digest: string, at: number): Promise<InterfaceRecord | undefined>;
  /** Evaluations read from the ledger's events (not a cache), in ledger order: all, or of the given subject(s). */
  readEvaluations(subjects?: string | readonly string[]): Promise<readonly RecordedEvaluation[]>;
  /** The subject's interface history, oldest first. */
  readInterfaceHistory(subject: string): Promise<readonly InterfaceRecord[]>;
  /** Every subject's interface records, in ledger order. */
  readInterfaceRecords(): Promise<readonly InterfaceRecord[]>;
  /** Called for every event recorded from now on (own writes and others'); returns an unsubscribe. */
  subscribe(listener: (event: TrustLedgerEvent) => void): () => void;
}

/**
 * The evaluations a subject's score depends on, read from the ledger: the subject's own and,
 * level by level (`params.depth - 1` levels), those of its evaluators that are not trusted
 * (trusted evaluators count 1 whatever is said of them). What `computeTrust` needs, no more.
 */
export async function readRelevantEvaluations(
  ledger: Pick<TrustLedger, 'readEvaluations'>,
  subject: string,
  params: { readonly depth: number; readonly trustedEvaluators: readonly string[] },
): Promise<RecordedEvaluation[]> {
  const trusted = new Set(params.trustedEvaluators);
  const seen = new Set<string>([subject]);
  const out = new Map<number, RecordedEvaluation>();
  let frontier = [subject];
  for (let level = 0; level < params.depth && frontier.length > 0; level++) {
    const found = await ledger.readEvaluations(frontier);
    const next: string[] = [];
    for (const e of found) {
      out.set(e.id, e);
      if (!trusted.has(e.evaluator) && !seen.has(e.evaluator)) {
        seen.add(e.evaluator);
        next.push(e.evaluator);
      }
    }
    frontier = next;
  }
  return [...out.values()].sort((a, b) => a.id - b.id);
}
