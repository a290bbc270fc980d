/**
 * The transactions the records describe, in memory, rebuilt from the log: a valid `begin` opens
 * one (provenance = its sender), a valid `end` closes it. A begin whose operation is not one that
 * expects follow-ups (`transaction.begin`, `observe`, `bootstrap`) is a one-operation transaction, closed by
 * its only record: it is not kept (so the book does not grow with every request), and continuing
 * it is refused as an unknown transaction.
 */
import type { RecordBody } from './ProvenanceRecord.js';
import type { Party, PolicyState, TransactionState } from './validate.js';

/** Operations whose begin leaves the transaction open. */
export const OPENING_OPERATIONS: ReadonlySet<string> = new Set(['transaction.begin', 'observe', 'bootstrap']);

export class TransactionBook implements PolicyState {
  private readonly txs = new Map<string, TransactionState>();
  private readonly exceptions = new Map<string, ReadonlySet<string>>();
  private static readonly NONE: ReadonlySet<string> = new Set();

  transaction(id: string): TransactionState | undefined {
    return this.txs.get(id);
  }

  allowedSenders(receiver: string): ReadonlySet<string> {
    return this.exceptions.get(receiver) ?? TransactionBook.NONE;
  }

  /** Names the senders `receiver` accepts despite a lower clearance (replaces the previous list). */
  setAllowedSenders(receiver: string, senders: Iterable<string>): void {
    const set = new Set(senders);
    if (set.size === 0) this.exceptions.delete(receiver);
    else this.exceptions.set(receiver, set);
  }

  /** Applies a record's effect on the transactions (nothing for an invalid record). */
  apply(r: Pick<RecordBody, 'valid' | 'action' | 'tx' | 'operation' | 'sender' | 'senderClearance'>): void {
    if (!r.valid) return;
    if (r.action === 'begin') {
      if (!OPENING_OPERATIONS.has(r.operation)) return;
      const provenance: Party = { id: r.sender, clearance: r.senderClearance };
      this.txs.set(r.tx, { provenance, closed: false });
    } else if (r.action === 'end') {
      const t = this.txs.get(r.tx);
      if (t) this.txs.set(r.tx, { provenance: t.provenance, closed: true });
    }
  }

  get size(): number {
    return this.txs.size;
  }
}
