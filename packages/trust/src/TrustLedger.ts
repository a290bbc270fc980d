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
  /** Every evaluation read from the ledger's events (not a cache), in ledger order; optionally of one subject. */
  readEvaluations(subject?: string): Promise<readonly RecordedEvaluation[]>;
  /** The subject's interface history, oldest first. */
  readInterfaceHistory(subject: string): Promise<readonly InterfaceRecord[]>;
  /** Called for every event recorded from now on (own writes and others'); returns an unsubscribe. */
  subscribe(listener: (event: TrustLedgerEvent) => void): () => void;
}
