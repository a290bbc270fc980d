/** Append-only anomaly records (the AnomalyStore contract in production). */
export interface NewAnomaly {
  readonly endpoint: string;
  /** When the data behind the anomaly was collected, Unix seconds. */
  readonly collectedAt: number;
  /** 0 (info) .. 255 (critical) */
  readonly severity: number;
  /** e.g. `unauthorized-bootstrap`, `temperature-out-of-range` */
  readonly kind: string;
  /** Value or description. */
  readonly value: string;
}

export interface AnomalyRecord extends NewAnomaly {
  /** Position in the log, 0-based. */
  readonly id: number;
  /** Who appended it (an address for the chain). */
  readonly reporter: string;
  /** When it was appended, Unix seconds. */
  readonly recordedAt: number;
}

export interface AnomalyQuery {
  readonly endpoint?: string;
  /** Inclusive bounds on `collectedAt`, Unix seconds. */
  readonly from?: number;
  readonly to?: number;
  readonly offset?: number;
  readonly limit?: number;
}

export interface AppendResult {
  /** `true` when the record is on the log; `false` when it is kept durably and will be sent later. */
  readonly committed: boolean;
  readonly id?: number;
}

export interface AnomalyLog {
  /** Resolves once the record is durable (on chain, or in a durable outbox). Never drops an acknowledged record. */
  append(anomaly: NewAnomaly): Promise<AppendResult>;
  appendMany(anomalies: readonly NewAnomaly[]): Promise<readonly AppendResult[]>;
  count(): Promise<number>;
  query(query: AnomalyQuery): Promise<{ readonly items: readonly AnomalyRecord[]; readonly total?: number }>;
}
