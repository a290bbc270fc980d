import type { AnomalyLog, AnomalyQuery, AnomalyRecord, AppendResult, NewAnomaly } from './AnomalyLog.js';

/** An append-only `AnomalyLog` in an array, for tests and single-process demos. */
export class InMemoryAnomalyLog implements AnomalyLog {
  private readonly records: AnomalyRecord[] = [];

  constructor(
    private readonly reporter = 'in-memory',
    private readonly nowSec: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async append(anomaly: NewAnomaly): Promise<AppendResult> {
    const id = this.records.length;
    this.records.push({ ...anomaly, id, reporter: this.reporter, recordedAt: this.nowSec() });
    return { committed: true, id };
  }

  async appendMany(anomalies: readonly NewAnomaly[]): Promise<readonly AppendResult[]> {
    const out: AppendResult[] = [];
    for (const a of anomalies) out.push(await this.append(a));
    return out;
  }

  async count(): Promise<number> {
    return this.records.length;
  }

  async query(q: AnomalyQuery): Promise<{ items: readonly AnomalyRecord[]; total: number }> {
    const matches = this.records.filter(
      (r) => (q.endpoint === undefined || r.endpoint === q.endpoint) && (q.from === undefined || r.collectedAt >= q.from) && (q.to === undefined || r.collectedAt <= q.to),
    );
    const offset = q.offset ?? 0;
    return { items: matches.slice(offset, offset + (q.limit ?? 100)), total: matches.length };
  }
}
