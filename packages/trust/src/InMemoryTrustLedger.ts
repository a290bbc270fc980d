/** A `TrustLedger` in memory, for unit tests of what uses a ledger. */
import { validateEvaluation, type Evaluation, type RecordedEvaluation } from './Evaluation.js';
import type { InterfaceRecord, TrustLedger, TrustLedgerEvent } from './TrustLedger.js';
import { invalidTrustInput } from './TrustError.js';

export class InMemoryTrustLedger implements TrustLedger {
  private readonly evaluations: RecordedEvaluation[] = [];
  private readonly interfaces = new Map<string, InterfaceRecord[]>();
  private readonly listeners = new Set<(e: TrustLedgerEvent) => void>();
  private block = 0;

  async addEvaluations(evaluations: readonly Evaluation[]): Promise<readonly RecordedEvaluation[]> {
    evaluations.forEach(validateEvaluation);
    const block = ++this.block;
    const txHash = `0x${block.toString(16).padStart(64, '0')}`;
    const first = this.evaluations.length;
    const out = evaluations.map((e, i) => ({ ...e, id: first + i, txHash, blockNumber: block }) as RecordedEvaluation);
    out.forEach((e) => this.evaluations.push(e));
    for (const e of out) this.emit({ type: 'evaluation', evaluation: e });
    return out;
  }

  async recordInterface(subject: string, digest: string, at: number): Promise<InterfaceRecord | undefined> {
    if (!/^0x[0-9a-f]{64}$/.test(digest)) throw invalidTrustInput('interface digest');
    const list = this.interfaces.get(subject) ?? [];
    if (list.at(-1)?.digest === digest) return undefined;
    const block = ++this.block;
    const record: InterfaceRecord = { subject, index: list.length, digest, at, txHash: `0x${block.toString(16).padStart(64, '0')}`, blockNumber: block };
    list.push(record);
    this.interfaces.set(subject, list);
    this.emit({ type: 'interface', record });
    return record;
  }

  async readEvaluations(subjects?: string | readonly string[]): Promise<readonly RecordedEvaluation[]> {
    if (subjects === undefined) return [...this.evaluations];
    const set = new Set(typeof subjects === 'string' ? [subjects] : subjects);
    return this.evaluations.filter((e) => set.has(e.subject));
  }

  async readInterfaceHistory(subject: string): Promise<readonly InterfaceRecord[]> {
    return [...(this.interfaces.get(subject) ?? [])];
  }

  async readInterfaceRecords(): Promise<readonly InterfaceRecord[]> {
    return [...this.interfaces.values()].flat().sort((a, b) => a.blockNumber - b.blockNumber);
  }

  subscribe(listener: (event: TrustLedgerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: TrustLedgerEvent): void {
    for (const l of this.listeners) l(e);
  }
}
