/**
 * The trust service the REST API and the CLI call: the score cache (fed by the ledger's events),
 * the server's own evidence (counted per device per window, written as one evaluation per device
 * per window, many per transaction), interface records, drop and re-evaluation events, and the
 * verification of a cached score against the chain.
 */
import type { Clock, TimerHandle } from '@chainm2m/lwm2m';
import {
  EvidenceAggregator,
  TrustError,
  TrustScoreCache,
  interfaceDigest,
  readRelevantEvaluations,
  objectIdsOf,
  validateEvaluation,
  verifyEntry,
  type CachedTrust,
  type Evaluation,
  type EvidenceCounts,
  type EvidenceKind,
  type InterfaceDescription,
  type InterfaceRecord,
  type RecordedEvaluation,
  type TrustLedger,
  type TrustParams,
  type TrustVerification,
  type WindowEvaluation,
} from '@chainm2m/trust';

/** Announced on `/api/events`. */
export interface TrustEvent {
  readonly type: 'trust-drop' | 'trust-reevaluate';
  readonly endpoint: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface TrustServiceOptions {
  readonly ledger: TrustLedger;
  /** The server's evaluator id (its chain address, lowercase); trusted fully by default. */
  readonly evaluator: string;
  readonly params?: Partial<TrustParams>;
  /** Evidence window in seconds; default 600. */
  readonly windowSeconds?: number;
  /** A score falling below this (fixed point) is a `trust-drop` event; default 200,000 (0.2). */
  readonly dropThreshold?: number;
  /** Unix seconds (integer). */
  readonly nowSec?: () => number;
  /** Timers of the window; `SystemClock`'s by default. */
  readonly clock?: Pick<Clock, 'setTimer'>;
  readonly onEvent?: (event: TrustEvent) => void;
  /** Window writes that failed (the evaluations are kept and retried with the next window). */
  readonly onError?: (error: unknown) => void;
}

export interface TrustView {
  readonly subject: string;
  /** Fixed point (1,000,000 = 1.0), `null` = unknown. */
  readonly score: number | null;
  readonly asOf: number;
  /** The cache's score covers the ledger's evaluations with ids up to this one. */
  readonly throughId: number;
  readonly evaluations: number;
  /** The server's evidence counts since it started (and in the open window). */
  readonly evidence: { readonly total: EvidenceCounts; readonly window: EvidenceCounts };
  readonly recent: readonly RecordedEvaluation[];
  readonly interfaces: readonly InterfaceRecord[];
  readonly reevaluationPending: boolean;
  readonly objects: readonly number[];
}

export class TrustService {
  readonly cache: TrustScoreCache;
  readonly evaluator: string;
  /** The built-in test agent's evaluator id (`probe:<server id>`), trusted like the server. */
  readonly probeEvaluator: string;
  readonly windowSeconds: number;
  private readonly ledger: TrustLedger;
  private readonly aggregator: EvidenceAggregator;
  private readonly nowSec: () => number;
  private readonly clock: Pick<Clock, 'setTimer'> | undefined;
  private readonly dropThreshold: number;
  private readonly onEvent: ((e: TrustEvent) => void) | undefined;
  private readonly onError: ((e: unknown) => void) | undefined;
  private readonly interfaces = new Map<string, InterfaceRecord[]>();
  private readonly objects = new Map<string, readonly number[]>();
  private readonly reevaluate = new Set<string>();
  /** Window evaluations not yet on the ledger (a failed write is retried with the next window). */
  private unsent: WindowEvaluation[] = [];
  private timer: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private historiesLoaded = false;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(options: TrustServiceOptions) {
    this.ledger = options.ledger;
    this.evaluator = options.evaluator;
    this.probeEvaluator = `probe:${options.evaluator}`;
    this.nowSec = options.nowSec ?? (() => Math.floor(Date.now() / 1000));
    const trusted = [...new Set([options.evaluator, `probe:${options.evaluator}`, ...(options.params?.trustedEvaluators ?? [])])];
    this.cache = new TrustScoreCache({ ...options.params, trustedEvaluators: trusted });
    this.windowSeconds = options.windowSeconds ?? 600;
    this.aggregator = new EvidenceAggregator({ windowSeconds: this.windowSeconds, evaluator: options.evaluator, start: this.nowSec() });
    this.clock = options.clock;
    this.dropThreshold = options.dropThreshold ?? 200_000;
    this.onEvent = options.onEvent;
    this.onError = options.onError;
  }

  /** Loads every evaluation from the ledger, follows its events, and (with a clock) closes a window every `windowSeconds`. */
  static async start(options: TrustServiceOptions): Promise<TrustService> {
    const s = new TrustService(options);
    const buffered: RecordedEvaluation[] = [];
    let loading = true;
    s.unsubscribe = s.ledger.subscribe((e) => {
      if (e.type === 'evaluation') {
        if (loading) buffered.push(e.evaluation);
        else s.ingest([e.evaluation]);
      } else s.addInterface(e.record);
    });
    const initial = await s.ledger.readEvaluations();
    const seen = new Set(initial.map((e) => e.id));
    s.cache.addEvaluations([...initial, ...buffered.filter((e) => !seen.has(e.id))], s.nowSec());
    // Every interface history once, so a registration never waits for a chain read.
    for (const r of await s.ledger.readInterfaceRecords()) s.storeInterface(r);
    s.historiesLoaded = true;
    loading = false;
    if (s.clock) s.schedule();
    return s;
  }

  /** The service's clock: Unix seconds. */
  now(): number {
    return this.nowSec();
  }

  get params(): TrustParams {
    return this.cache.params;
  }

  // ------------------------------------------------------------------ evidence

  /** Counts one observation about `subject` in the open window. */
  record(subject: string, kind: EvidenceKind, count = 1): void {
    if (this.closed) return;
    this.aggregator.record(subject, kind, count);
  }

  /** Ends the open window now and writes its evaluations (with any a failed write left). */
  async closeWindow(end: number = this.nowSec()): Promise<readonly RecordedEvaluation[]> {
    const batch = [...this.unsent, ...this.aggregator.closeWindow(Math.max(end, this.aggregator.currentWindowStart))];
    this.unsent = [];
    if (batch.length === 0) return [];
    const run = this.writing.then(async () => {
      try {
        return await this.ledger.addEvaluations(batch.map((w) => w.evaluation));
      } catch (e) {
        this.unsent = [...batch, ...this.unsent];
        throw e;
      }
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Evaluations of windows whose write failed, waiting for the next window. */
  pendingEvaluations(): number {
    return this.unsent.length;
  }

  // ------------------------------------------------------------------ interfaces

  /**
   * Records the device's interface description when its digest differs from its latest record;
   * a change (not the first record) flags it for re-evaluation and is announced.
   */
  async observeInterface(subject: string, description: InterfaceDescription): Promise<InterfaceRecord | undefined> {
    this.objects.set(subject, objectIdsOf(description));
    const digest = interfaceDigest(description);
    const history = await this.interfaceHistory(subject);
    if (history.at(-1)?.digest === digest) return undefined;
    const record = await this.ledger.recordInterface(subject, digest, this.nowSec());
    if (record) this.addInterface(record);
    return record;
  }

  async interfaceHistory(subject: string): Promise<readonly InterfaceRecord[]> {
    let list = this.interfaces.get(subject);
    if (!list && this.historiesLoaded) return [];
    if (!list) {
      const fromLedger = await this.ledger.readInterfaceHistory(subject);
      list = this.interfaces.get(subject) ?? [];
      for (const r of fromLedger) if (!list.some((x) => x.index === r.index)) list.push(r);
      list.sort((a, b) => a.index - b.index);
      this.interfaces.set(subject, list);
    }
    return list;
  }

  /** Devices flagged for re-evaluation (their interface changed since their last probe). */
  pendingReevaluation(): string[] {
    return [...this.reevaluate].sort();
  }

  // ------------------------------------------------------------------ evaluations from others

  /** Submits an evaluation (a test agent's or an API user's); resolves once it is on the ledger. */
  async submit(evaluation: Evaluation): Promise<RecordedEvaluation> {
    validateEvaluation(evaluation);
    if (this.cache.params.trustedEvaluators.includes(evaluation.evaluator) && evaluation.evaluator !== this.evaluator && evaluation.evaluator !== this.probeEvaluator) {
      throw new TrustError('TRUST_INVALID_INPUT', 'invalid trust input: evaluator', { details: { reason: 'evaluator' } });
    }
    const [r] = await this.ledger.addEvaluations([evaluation]);
    if (!r) throw new TrustError('TRUST_LEDGER_UNAVAILABLE', 'the ledger recorded nothing');
    if (evaluation.kind === 1) this.reevaluate.delete(evaluation.subject);
    return r;
  }

  // ------------------------------------------------------------------ reading

  get(subject: string): CachedTrust | undefined {
    return this.cache.get(subject);
  }

  async view(subject: string): Promise<TrustView> {
    const c = this.cache.get(subject);
    return {
      subject,
      score: c?.score ?? null,
      asOf: c?.asOf ?? this.nowSec(),
      throughId: c?.throughId ?? -1,
      evaluations: c?.evaluations ?? 0,
      evidence: { total: this.aggregator.totalCounts(subject), window: this.aggregator.windowCounts(subject) },
      recent: this.cache.recentEvaluations(subject),
      interfaces: await this.interfaceHistory(subject),
      reevaluationPending: this.reevaluate.has(subject),
      objects: this.objects.get(subject) ?? [],
    };
  }

  /** Recomputes the cached score from the ledger's events alone (every evaluation: evaluator trust needs them). */
  async verify(subject: string): Promise<TrustVerification> {
    const entry = this.cache.get(subject) ?? { subject, score: null, asOf: this.nowSec(), evaluations: 0, throughId: Number.MAX_SAFE_INTEGER };
    return verifyEntry(entry, await readRelevantEvaluations(this.ledger, subject, this.cache.params), this.cache.params);
  }

  /** Cached entries with a known score below `threshold` (fixed point), lowest first. */
  below(threshold: number): CachedTrust[] {
    return [...this.cache.all()].filter((c) => c.score !== null && c.score < threshold).sort((a, b) => (a.score as number) - (b.score as number) || a.subject.localeCompare(b.subject));
  }

  /** Devices that provide every one of `objects`, with a known score >= `min`, most trusted first. */
  providing(objects: readonly number[], min: number): (CachedTrust & { objects: readonly number[] })[] {
    const out: (CachedTrust & { objects: readonly number[] })[] = [];
    for (const [subject, ids] of this.objects) {
      if (!objects.every((o) => ids.includes(o))) continue;
      const c = this.cache.get(subject);
      if (!c || c.score === null || c.score < min) continue;
      out.push({ ...c, objects: ids });
    }
    return out.sort((a, b) => (b.score as number) - (a.score as number) || a.subject.localeCompare(b.subject));
  }

  /** Remembers which objects a device provides (from its registration) without writing anything. */
  noteObjects(subject: string, description: InterfaceDescription): void {
    this.objects.set(subject, objectIdsOf(description));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.unsubscribe?.();
    await this.writing;
  }

  // ------------------------------------------------------------------ internals

  private schedule(): void {
    if (this.closed || !this.clock) return;
    this.timer = this.clock.setTimer(this.windowSeconds * 1000, () => {
      this.closeWindow()
        .catch((e) => this.onError?.(e))
        .finally(() => {
          this.cache.refreshAll(this.nowSec());
          this.schedule();
        });
    });
  }

  private ingest(evaluations: readonly RecordedEvaluation[]): void {
    const before = new Map(evaluations.map((e) => [e.subject, this.cache.get(e.subject)?.score ?? null]));
    for (const entry of this.cache.addEvaluations(evaluations, this.nowSec())) {
      const previous = before.has(entry.subject) ? before.get(entry.subject) ?? null : undefined;
      if (previous === undefined || entry.score === null) continue;
      if ((previous === null || previous >= this.dropThreshold) && entry.score < this.dropThreshold) {
        this.emit({ type: 'trust-drop', endpoint: entry.subject, data: { previous, score: entry.score, threshold: this.dropThreshold, asOf: entry.asOf } });
      }
    }
  }

  /** Adds a record to the subject's known history; false when it was known already. */
  private storeInterface(r: InterfaceRecord): boolean {
    let list = this.interfaces.get(r.subject);
    if (!list) {
      if (!this.historiesLoaded && r.index > 0) return true; // partial: loaded from the ledger on first use
      this.interfaces.set(r.subject, (list = []));
    }
    if (list.some((x) => x.index === r.index)) return false;
    list.push(r);
    list.sort((a, b) => a.index - b.index);
    return true;
  }

  private addInterface(r: InterfaceRecord): void {
    if (!this.storeInterface(r)) return;
    if (r.index > 0) {
      this.reevaluate.add(r.subject);
      this.emit({ type: 'trust-reevaluate', endpoint: r.subject, data: { index: r.index, digest: r.digest, txHash: r.txHash, at: r.at } });
    }
  }

  private emit(e: TrustEvent): void {
    try {
      this.onEvent?.(e);
    } catch (err) {
      this.onError?.(err);
    }
  }
}
