/**
 * `TrustLedger` backed by the TrustStore contract. Writes go through the connection's signer
 * (`TxSender`: one nonce queue, a write resolves after its receipt); concurrent `addEvaluations`
 * calls are coalesced into `addEvaluations` transactions of up to `maxBatchSize` evaluations.
 * Reads (`readEvaluations`, `readInterfaceHistory`) always come from the chain's events; the
 * event-synced cache (`cachedEvaluations`, `subscribe`) follows own writes at once and others'
 * at the next poll.
 */
import { id as keccakId } from 'ethers';
import {
  TrustError,
  isTrustError,
  validateEvaluation,
  type Evaluation,
  type InterfaceRecord,
  type RecordedEvaluation,
  type TrustLedger,
  type TrustLedgerEvent,
} from '@chainm2m/trust';
import { ChainAdapterError, isChainAdapterError } from '../ChainAdapterError.js';
import type { ChainConnection } from '../chain/ChainConnection.js';
import type { RpcLog, TxRequest } from '../chain/TxSender.js';
import { decodeTrustLogs, encodeAddEvaluations, encodeRecordInterfaces } from './trustAbi.js';

export interface ChainTrustLedgerOptions {
  readonly connection: ChainConnection;
  /** Evaluations per transaction; default 200. */
  readonly maxBatchSize?: number;
  /** Event poll period; default 1,000 ms. 0 = no polling (call {@link ChainTrustLedger.sync}). */
  readonly pollIntervalMs?: number;
  /** Blocks per `eth_getLogs` request; default 50,000. */
  readonly logBlockRange?: number;
  readonly onError?: (error: ChainAdapterError) => void;
}

interface PendingInterface {
  readonly subject: string;
  readonly digest: string;
  readonly at: number;
  resolve(r: InterfaceRecord | undefined): void;
  reject(e: unknown): void;
}

interface PendingWrite {
  readonly evaluations: readonly Evaluation[];
  resolve(r: readonly RecordedEvaluation[]): void;
  reject(e: unknown): void;
}

const DIGEST = /^0x[0-9a-f]{64}$/;

export class ChainTrustLedger implements TrustLedger {
  private readonly conn: ChainConnection;
  private readonly maxBatchSize: number;
  private readonly logBlockRange: number;
  private readonly onError: ((e: ChainAdapterError) => void) | undefined;
  private readonly evaluations = new Map<number, RecordedEvaluation>();
  private readonly interfaces = new Map<string, InterfaceRecord[]>();
  private readonly listeners = new Set<(e: TrustLedgerEvent) => void>();
  private readonly queue: PendingWrite[] = [];
  private readonly interfaceQueue: PendingInterface[] = [];
  private interfaceFlushing: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  private syncing: Promise<void> | undefined;
  private syncedTo: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly topics: { evaluation: string; interface: string };

  private constructor(options: ChainTrustLedgerOptions) {
    this.conn = options.connection;
    this.maxBatchSize = options.maxBatchSize ?? 200;
    this.logBlockRange = options.logBlockRange ?? 50_000;
    this.onError = options.onError;
    this.syncedTo = this.conn.deployment.block - 1;
    const iface = this.conn.interfaces.TrustStore;
    this.topics = {
      evaluation: iface.getEvent('EvaluationAdded')?.topicHash ?? '',
      interface: iface.getEvent('InterfaceRecorded')?.topicHash ?? '',
    };
  }

  /** Loads every evaluation and interface record from the chain's events, then follows new ones. */
  static async open(options: ChainTrustLedgerOptions): Promise<ChainTrustLedger> {
    const ledger = new ChainTrustLedger(options);
    await ledger.sync();
    const poll = options.pollIntervalMs ?? 1_000;
    if (poll > 0) ledger.schedule(poll);
    return ledger;
  }

  // ------------------------------------------------------------------ writes

  async addEvaluations(evaluations: readonly Evaluation[]): Promise<readonly RecordedEvaluation[]> {
    this.checkOpen();
    evaluations.forEach(validateEvaluation);
    if (evaluations.length === 0) return [];
    const done = new Promise<readonly RecordedEvaluation[]>((resolve, reject) => this.queue.push({ evaluations, resolve, reject }));
    this.kick();
    return done;
  }

  async recordInterface(subject: string, digest: string, at: number): Promise<InterfaceRecord | undefined> {
    this.checkOpen();
    if (typeof subject !== 'string' || subject.length === 0) throw new TrustError('TRUST_INVALID_INPUT', 'invalid trust input: subject', { details: { reason: 'subject' } });
    if (typeof digest !== 'string' || !DIGEST.test(digest) || /^0x0+$/.test(digest)) {
      throw new TrustError('TRUST_INVALID_INPUT', 'invalid trust input: interface digest', { details: { reason: 'digest' } });
    }
    if (!Number.isSafeInteger(at) || at < 0) throw new TrustError('TRUST_INVALID_INPUT', 'invalid trust input: at', { details: { reason: 'at' } });
    const done = new Promise<InterfaceRecord | undefined>((resolve, reject) => this.interfaceQueue.push({ subject, digest, at, resolve, reject }));
    this.kickInterfaces();
    return done;
  }

  /** Concurrent interface records go out together in `recordInterfaces` transactions. */
  private kickInterfaces(): void {
    if (this.interfaceFlushing || this.closed) return;
    this.interfaceFlushing = (async () => {
      while (this.interfaceQueue.length > 0 && !this.closed) {
        const batch = this.interfaceQueue.splice(0, this.maxBatchSize);
        try {
          const receipt = await this.conn.signer().send(this.tx('recordInterfaces', encodeRecordInterfaces(this.selector('recordInterfaces'), batch)));
          const records = this.ingest(receipt.logs).flatMap((e) => (e.type === 'interface' ? [e.record] : []));
          // The contract appends in input order and skips unchanged digests.
          let k = 0;
          for (const b of batch) {
            const r = records[k];
            if (r && r.subject === b.subject && r.digest === b.digest) {
              k++;
              b.resolve(r);
            } else b.resolve(undefined);
          }
        } catch (e) {
          const err = toTrustError(e);
          for (const b of batch) b.reject(err);
        }
      }
    })().finally(() => {
      this.interfaceFlushing = undefined;
      if (this.interfaceQueue.length > 0) this.kickInterfaces();
    });
  }

  /** Sends what is queued now; resolves when the queue is empty. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length > 0) {
      this.kick();
      await this.flushing;
    }
  }

  // ------------------------------------------------------------------ reads (chain)

  async readEvaluations(subjects?: string | readonly string[]): Promise<readonly RecordedEvaluation[]> {
    // EvaluationAdded(id indexed, subjectHash indexed, evaluatorHash indexed, ...); a topic array is an OR
    const list = subjects === undefined ? undefined : typeof subjects === 'string' ? [subjects] : subjects;
    if (list && list.length === 0) return [];
    if (list && list.length > 100) {
      const out: RecordedEvaluation[] = [];
      for (let i = 0; i < list.length; i += 100) out.push(...(await this.readEvaluations(list.slice(i, i + 100))));
      return out.sort((a, b) => a.id - b.id);
    }
    const logs = await this.logs(list === undefined ? [this.topics.evaluation] : [this.topics.evaluation, null, list.map((s) => keccakId(s))]);
    return logs.flatMap((l) => (l.type === 'evaluation' ? [l.evaluation] : []));
  }

  async readInterfaceHistory(subject: string): Promise<readonly InterfaceRecord[]> {
    // InterfaceRecorded(subjectHash indexed, index indexed, ...)
    const logs = await this.logs([this.topics.interface, keccakId(subject)]);
    return logs.flatMap((l) => (l.type === 'interface' ? [l.record] : []));
  }

  /** Every interface record of every subject, from the chain's events. */
  async readInterfaceRecords(): Promise<readonly InterfaceRecord[]> {
    const logs = await this.logs([this.topics.interface]);
    return logs.flatMap((l) => (l.type === 'interface' ? [l.record] : []));
  }

  // ------------------------------------------------------------------ cache

  /** Every evaluation seen so far, in id order. */
  cachedEvaluations(): RecordedEvaluation[] {
    return [...this.evaluations.values()].sort((a, b) => a.id - b.id);
  }

  cachedInterfaceHistory(subject: string): readonly InterfaceRecord[] {
    return this.interfaces.get(subject) ?? [];
  }

  /** The last block whose events are in the cache. */
  get syncedBlock(): number {
    return this.syncedTo;
  }

  subscribe(listener: (event: TrustLedgerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads events up to the latest block into the cache (and to the listeners). */
  async sync(): Promise<void> {
    while (this.syncing) await this.syncing;
    const run = (async () => {
      const latest = await this.conn.blockNumber();
      if (latest <= this.syncedTo) return;
      const raw = await this.rawLogs(undefined, this.syncedTo + 1, latest);
      this.ingest(raw);
      this.syncedTo = latest;
    })();
    this.syncing = run;
    try {
      await run;
    } finally {
      this.syncing = undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing.catch(() => undefined);
    while (this.interfaceFlushing) await this.interfaceFlushing.catch(() => undefined);
    for (const w of [...this.queue.splice(0), ...this.interfaceQueue.splice(0)]) w.reject(new ChainAdapterError('CLOSED', 'the trust ledger is closed'));
  }

  // ------------------------------------------------------------------ internals

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sync()
        .catch((e) => this.report(e))
        .finally(() => this.schedule(ms));
    }, ms);
    this.timer.unref();
  }

  private kick(): void {
    if (this.flushing || this.closed) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const group: PendingWrite[] = [this.queue.shift() as PendingWrite];
      let n = group[0]?.evaluations.length ?? 0;
      while (this.queue.length > 0 && n + (this.queue[0]?.evaluations.length ?? 0) <= this.maxBatchSize) {
        const next = this.queue.shift() as PendingWrite;
        n += next.evaluations.length;
        group.push(next);
      }
      const all = group.flatMap((g) => g.evaluations);
      try {
        const recorded: RecordedEvaluation[] = [];
        for (let i = 0; i < all.length; i += this.maxBatchSize) recorded.push(...(await this.sendBatch(all.slice(i, i + this.maxBatchSize))));
        let offset = 0;
        for (const g of group) {
          g.resolve(recorded.slice(offset, offset + g.evaluations.length));
          offset += g.evaluations.length;
        }
      } catch (e) {
        const err = toTrustError(e);
        for (const g of group) g.reject(err);
      }
    }
  }

  private async sendBatch(batch: readonly Evaluation[]): Promise<RecordedEvaluation[]> {
    // Validated already: a fixed gas budget (the contract needs < 40k per evaluation) spares an estimate.
    const gasLimit = 100_000n + 60_000n * BigInt(batch.length);
    const receipt = await this.conn.signer().send({ ...this.tx('addEvaluations', encodeAddEvaluations(this.selector('addEvaluations'), batch)), gasLimit });
    const events = this.ingest(receipt.logs);
    const recorded = events.flatMap((ev) => (ev.type === 'evaluation' ? [ev.evaluation] : []));
    if (recorded.length !== batch.length) {
      throw new ChainAdapterError('CHAIN_RPC_ERROR', `TrustStore.addEvaluations: ${recorded.length} events for ${batch.length} evaluations`);
    }
    return recorded;
  }

  /** Adds logs to the cache; returns (and announces) those not seen before. */
  private ingest(raw: readonly RpcLog[]): TrustLedgerEvent[] {
    const fresh: TrustLedgerEvent[] = [];
    for (const l of decodeTrustLogs(raw, this.conn.deployment.addresses.TrustStore, this.topics)) {
      if (l.type === 'evaluation') {
        const e = l.evaluation;
        if (this.evaluations.has(e.id)) continue;
        this.evaluations.set(e.id, e);
        fresh.push(l);
      } else {
        const r = l.record;
        const list = this.interfaces.get(r.subject) ?? [];
        if (list.some((x) => x.index === r.index)) continue;
        list.push(r);
        list.sort((a, b) => a.index - b.index);
        this.interfaces.set(r.subject, list);
        fresh.push({ type: 'interface', record: r });
      }
    }
    for (const ev of fresh) {
      for (const listener of this.listeners) {
        try {
          listener(ev);
        } catch (e) {
          this.report(e);
        }
      }
    }
    return fresh;
  }

  private async logs(topics: readonly (string | null | readonly string[])[]): Promise<ReturnType<typeof decodeTrustLogs>> {
    const latest = await this.conn.blockNumber();
    return decodeTrustLogs(await this.rawLogs(topics, this.conn.deployment.block, latest), this.conn.deployment.addresses.TrustStore, this.topics);
  }

  private selector(method: string): string {
    return this.conn.interfaces.TrustStore.getFunction(method)?.selector ?? '';
  }

  private tx(method: string, data: Buffer): TxRequest {
    return { to: this.conn.deployment.addresses.TrustStore, data, contract: 'TrustStore', method };
  }

  private async rawLogs(topics: readonly (string | null | readonly string[])[] | undefined, fromBlock: number, toBlock: number): Promise<RpcLog[]> {
    const out: RpcLog[] = [];
    for (let from = Math.max(0, fromBlock); from <= toBlock; from += this.logBlockRange) {
      const to = Math.min(toBlock, from + this.logBlockRange - 1);
      const filter = {
        address: this.conn.deployment.addresses.TrustStore,
        fromBlock: `0x${from.toString(16)}`,
        toBlock: `0x${to.toString(16)}`,
        ...(topics ? { topics } : {}),
      };
      try {
        out.push(...(await this.conn.rpc.request<RpcLog[]>('eth_getLogs', [filter])));
      } catch (e) {
        throw toTrustError(e);
      }
    }
    return out;
  }

  private checkOpen(): void {
    if (this.closed) throw new TrustError('TRUST_LEDGER_UNAVAILABLE', 'the trust ledger is closed');
  }

  private report(e: unknown): void {
    if (!this.onError) return;
    try {
      this.onError(isChainAdapterError(e) ? e : new ChainAdapterError('CHAIN_RPC_ERROR', e instanceof Error ? e.message : String(e), { cause: e }));
    } catch {
      // ignore
    }
  }
}

/** Chain failures as trust errors (the trust service's vocabulary); reverts keep their decoded name. */
function toTrustError(e: unknown): unknown {
  if (isTrustError(e)) return e;
  if (isChainAdapterError(e)) {
    if (e.code === 'CHAIN_REVERTED' || e.code === 'INVALID_INPUT') {
      return new TrustError('TRUST_INVALID_INPUT', `the TrustStore refused the write: ${e.message}`, { details: { ...(e.details ?? {}), reason: 'refused' }, cause: e });
    }
    return new TrustError('TRUST_LEDGER_UNAVAILABLE', `the trust ledger is unavailable: ${e.message}`, { details: { chainCode: e.code }, cause: e });
  }
  return e;
}
