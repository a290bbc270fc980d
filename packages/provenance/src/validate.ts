/**
 * M2MHub's message validation as a pure policy: `validate(message, state) -> verdict`.
 *
 * - A sender may reach a receiver of equal or lower clearance, or one that names the sender among
 *   its allowed senders (M2MHub's exception). The server itself (the hub) reaches and is reached
 *   by everyone: beginning a transaction is a message to the server.
 * - `begin` opens a new transaction whose provenance is the sender; the sender must reach the
 *   receiver.
 * - `continue` / `end` need an open transaction: an unknown id or a closed transaction is refused.
 *   A sender that cannot reach the receiver may still continue when the transaction's provenance
 *   can (a low-clearance device answering a transaction begun by a high-clearance user).
 */
import type { ProvenanceAction } from './ProvenanceRecord.js';

export interface Party {
  readonly id: string;
  /** 0 (lowest) to 255. */
  readonly clearance: number;
}

export interface TransactionState {
  readonly provenance: Party;
  readonly closed: boolean;
}

export interface PolicyState {
  transaction(id: string): TransactionState | undefined;
  /** Senders `receiver` accepts despite a lower clearance. */
  allowedSenders(receiver: string): ReadonlySet<string>;
}

export interface Message {
  readonly action: ProvenanceAction;
  readonly tx: string;
  readonly sender: Party;
  readonly receiver: Party;
}

export const VerdictReason = {
  TransactionClosed: 'TRANSACTION_CLOSED',
  UnknownTransaction: 'UNKNOWN_TRANSACTION',
  TransactionExists: 'TRANSACTION_EXISTS',
  SenderBelowReceiver: 'SENDER_BELOW_RECEIVER',
  ProvenanceBelowReceiver: 'PROVENANCE_BELOW_RECEIVER',
} as const;
export type VerdictReason = (typeof VerdictReason)[keyof typeof VerdictReason];

export type Verdict = { readonly valid: true } | { readonly valid: false; readonly reason: VerdictReason; readonly message: string };

const VALID: Verdict = { valid: true };

function invalid(reason: VerdictReason, message: string): Verdict {
  return { valid: false, reason, message };
}

/** The server itself (the hub every message passes): it reaches and is reached by every party. */
export const SERVER_ID = 'server';

function reaches(sender: Party, receiver: Party, state: PolicyState): boolean {
  return (
    sender.clearance >= receiver.clearance ||
    sender.id === SERVER_ID ||
    receiver.id === SERVER_ID ||
    state.allowedSenders(receiver.id).has(sender.id)
  );
}

export function validate(m: Message, state: PolicyState): Verdict {
  const t = state.transaction(m.tx);
  if (m.action === 'begin') {
    if (t) return invalid(VerdictReason.TransactionExists, `transaction ${m.tx} already exists`);
    if (!reaches(m.sender, m.receiver, state)) {
      return invalid(
        VerdictReason.SenderBelowReceiver,
        `${m.sender.id} (clearance ${m.sender.clearance}) may not begin a transaction with ${m.receiver.id} (clearance ${m.receiver.clearance})`,
      );
    }
    return VALID;
  }
  if (!t) return invalid(VerdictReason.UnknownTransaction, `no transaction ${m.tx}`);
  if (t.closed) return invalid(VerdictReason.TransactionClosed, `transaction ${m.tx} is closed`);
  if (reaches(m.sender, m.receiver, state) || reaches(t.provenance, m.receiver, state)) return VALID;
  return invalid(
    VerdictReason.ProvenanceBelowReceiver,
    `neither ${m.sender.id} (clearance ${m.sender.clearance}) nor the transaction's provenance ${t.provenance.id} (clearance ${t.provenance.clearance}) may reach ${m.receiver.id} (clearance ${m.receiver.clearance})`,
  );
}
