/**
 * `AnomalyLog` backed by the AnomalyStore contract, with a durable outbox
 * (`<dataDir>/anomaly-outbox.jsonl`, see `AnomalyOutbox.ts`).
 *
 * `append` journals the record (fsync) first, then the flusher sends pending records in order,
 * batched with `addAnomalies`. `append` resolves `{ committed: true, id }` once the receipt is
 * in, or `{ committed: false }` when the chain is unreachable or slower than `commitWaitMs`: the
 * record then stays in the outbox and is sent when the chain is back (retried every
 * `retryIntervalMs`, and at the next `open`). Nothing acknowledged is lost; nothing is sent twice.
 *
 * One process owns the outbox (`anomaly-outbox.lock` holds its pid; a lock of a dead process is
 * taken over). Another process opening the same data directory meanwhile (e.g. a CLI command
 * next to `chainm2m up`) gets a log in direct mode: `append` sends straight to the chain and
 * fails with `CHAIN_UNREACHABLE` instead of queueing (`hasOutbox()` is false).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AnomalyLog, AnomalyQuery, AnomalyRecord, AppendResult, NewAnomaly } from '@chainm2m/lwm2m';
import { ChainAdapterError, isChainAdapterError } from '../ChainAdapterError.js';
import type { ChainConnection } from '../chain/ChainConnection.js';
import { JsonRpcFailure } from '../chain/JsonRpc.js';
import { NEW_ANOMALY_TYPE, encodeCall } from '../chain/fastAbi.js';
import { decodeAnomalyListResult, decodeAnomalyPageResult } from '../chain/fastAbiDecode.js';
import type { TxReceipt, TxRequest } from '../chain/TxSender.js';
import { OutboxJournal, compactOutbox, readOutbox, type OutboxEntry } from './AnomalyOutbox.js';

export interface ChainAnomalyLogOptions {
  readonly connection: ChainConnection;
  /** The outbox lives in `<dataDir>/anomaly-outbox.jsonl`. */
  readonly dataDir: string;
  /** Retry period while records are pending; default 1,000 ms. */
  readonly retryIntervalMs?: number;
  /** Longest an `append` waits for the chain before answering `{ committed: false }`; default 5,000 ms. */
  readonly commitWaitMs?: number;
  /** Records per `addAnomalies` transaction; default 200. */
  readonly maxBatchSize?: number;
  readonly onError?: (error: ChainAdapterError) => void;
}

export const ANOMALY_OUTBOX_FILE = 'anomaly-outbox.jsonl';
export const ANOMALY_OUTBOX_LOCK = 'anomaly-outbox.lock';

/** Takes the outbox lock; false when another live process (or another open log here) holds it. */
function acquireLock(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ChainAdapterError('OUTBOX_IO', `cannot lock the anomaly outbox (${path})`, { cause: e });
    }
    let pid = Number.NaN;
    try {
      pid = Number(readFileSync(path, 'utf8').trim());
    } catch {
      // vanished meanwhile: retry
    }
    if (Number.isInteger(pid) && pid > 0) {
      if (pid === process.pid) return false;
      try {
        process.kill(pid, 0);
        return false; // alive
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EPERM') return false; // alive, another user
      }
    }
    try {
      unlinkSync(path); // stale lock of a dead process
    } catch {
      // someone else took it over first
    }
  }
  return false;
}

interface Waiter {
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

export class ChainAnomalyLog implements AnomalyLog {
  private readonly conn: ChainConnection;
  /** `undefined` in direct mode (another process owns the outbox). */
  private readonly journal: OutboxJournal | undefined;
  private readonly lockPath: string | undefined;
  /** Unfinished entries in order. */
  private readonly queue: OutboxEntry[];
  private readonly waiters = new Map<string, Waiter>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private unreachable = false;
  private dropped = 0;
  /** appendMany calls whose lines are being journaled but not yet queued. */
  private appending = 0;
  private readonly retryIntervalMs: number;
  private readonly commitWaitMs: number;
  private readonly maxBatchSize: number;
  private readonly onError: ((e: ChainAdapterError) => void) | undefined;

  private constructor(options: ChainAnomalyLogOptions, journal: OutboxJournal | undefined, entries: OutboxEntry[], lockPath: string | undefined) {
    this.conn = options.connection;
    this.journal = journal;
    this.lockPath = lockPath;
    this.queue = entries;
    this.retryIntervalMs = options.retryIntervalMs ?? 1_000;
    this.commitWaitMs = options.commitWaitMs ?? 5_000;
    this.maxBatchSize = options.maxBatchSize ?? 200;
    this.onError = options.onError;
  }

  /** Opens the outbox (recovering what a previous run left) and starts flushing it. */
  static async open(options: ChainAnomalyLogOptions): Promise<ChainAnomalyLog> {
    mkdirSync(options.dataDir, { recursive: true });
    const lockPath = join(options.dataDir, ANOMALY_OUTBOX_LOCK);
    if (!acquireLock(lockPath)) return new ChainAnomalyLog(options, undefined, [], undefined);
    try {
      const path = join(options.dataDir, ANOMALY_OUTBOX_FILE);
      const { entries } = readOutbox(path);
      compactOutbox(path, entries);
      const log = new ChainAnomalyLog(options, await OutboxJournal.open(path), entries, lockPath);
      if (entries.length > 0) log.kick();
      return log;
    } catch (e) {
      unlinkSync(lockPath);
      throw e;
    }
  }

  /** False in direct mode (another process owns this data directory's outbox). */
  hasOutbox(): boolean {
    return this.journal !== undefined;
  }

  /** Records waiting in the outbox. */
  pending(): number {
    return this.queue.length;
  }

  /** Records the contract rejected (kept in the journal as `drop` lines). */
  droppedCount(): number {
    return this.dropped;
  }

  /** True after the last flush attempt found the chain unreachable. */
  isStale(): boolean {
    return this.unreachable;
  }

  async append(anomaly: NewAnomaly): Promise<AppendResult> {
    const [r] = await this.appendMany([anomaly]);
    return r as AppendResult;
  }

  async appendMany(anomalies: readonly NewAnomaly[]): Promise<readonly AppendResult[]> {
    if (this.closed) throw new ChainAdapterError('CLOSED', 'the anomaly log is closed');
    const items = anomalies.map((a) => normalize(a));
    if (items.length === 0) return [];
    const entries: OutboxEntry[] = items.map((a) => ({ key: randomUUID(), anomaly: a, sent: undefined }));
    if (!this.journal) return this.appendDirect(entries);
    this.appending++;
    try {
      await this.journal.append(entries.map((e) => ({ t: 'add' as const, k: e.key, a: e.anomaly })));
    } catch (e) {
      this.appending--;
      throw e;
    }
    const results = entries.map(
      (e) =>
        new Promise<AppendResult>((resolve, reject) => {
          this.waiters.set(e.key, { resolve, reject });
        }),
    );
    this.queue.push(...entries);
    this.appending--;
    const timer = setTimeout(() => {
      for (const e of entries) this.settle(e.key, { committed: false });
    }, this.commitWaitMs);
    timer.unref();
    this.kick();
    try {
      return await Promise.all(results);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends everything pending now; resolves when the outbox is empty or the chain is unreachable. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const run = this.flushLoop();
    this.flushing = run;
    try {
      await run;
    } finally {
      this.flushing = undefined;
    }
  }

  async count(): Promise<number> {
    return Number((await this.conn.call('AnomalyStore', 'anomalyCount', []))[0]);
  }

  async query(q: AnomalyQuery): Promise<{ readonly items: readonly AnomalyRecord[]; readonly total?: number }> {
    const offset = Math.max(0, Math.floor(q.offset ?? 0));
    const limit = Math.max(0, Math.min(Math.floor(q.limit ?? 100), 1_000));
    const inRange = (r: AnomalyRecord): boolean => (q.from === undefined || r.collectedAt >= q.from) && (q.to === undefined || r.collectedAt <= q.to);
    const page = async (method: string, args: readonly unknown[], withCursor: boolean) =>
      decodeAnomalyPageResult(await this.conn.callRaw('AnomalyStore', this.conn.encode('AnomalyStore', method, args), method), withCursor);
    if (limit === 0) return { items: [] };
    if (q.endpoint !== undefined) {
      const total = Number((await this.conn.call('AnomalyStore', 'anomalyCountByEndpoint', [q.endpoint]))[0]);
      if (q.from === undefined && q.to === undefined) {
        return { items: (await page('listAnomaliesByEndpoint', [q.endpoint, offset, limit], false)).items, total };
      }
      // Endpoint and time: walk the endpoint's records (bounded) and filter.
      const items: AnomalyRecord[] = [];
      let skipped = 0;
      for (let o = 0; o < total && items.length < limit; o += 200) {
        for (const rec of (await page('listAnomaliesByEndpoint', [q.endpoint, o, 200], false)).items) {
          if (!inRange(rec)) continue;
          if (skipped < offset) skipped++;
          else if (items.length < limit) items.push(rec);
        }
      }
      return { items };
    }
    if (q.from !== undefined || q.to !== undefined) {
      const from = q.from ?? 0;
      const to = q.to ?? Number.MAX_SAFE_INTEGER;
      if (from > to) return { items: [] };
      const items: AnomalyRecord[] = [];
      let skipped = 0;
      let cursor = 0;
      for (let rounds = 0; rounds < 10_000; rounds++) {
        const r = await page('listAnomaliesByTime', [from, to, cursor, 200], true);
        for (const rec of r.items) {
          if (skipped < offset) skipped++;
          else if (items.length < limit) items.push(rec);
        }
        cursor = r.nextCursor;
        if (cursor === 0 || items.length >= limit) break;
      }
      return { items };
    }
    const total = await this.count();
    if (offset >= total) return { items: [], total };
    const data = this.conn.encode('AnomalyStore', 'listAnomalies', [offset, limit]);
    return { items: decodeAnomalyListResult(await this.conn.callRaw('AnomalyStore', data, 'listAnomalies'), offset), total };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing.catch(() => undefined);
    for (const k of [...this.waiters.keys()]) this.settle(k, { committed: false });
    await this.journal?.close();
    if (this.lockPath) {
      try {
        unlinkSync(this.lockPath);
      } catch {
        // already gone
      }
    }
  }

  /** Direct mode: one transaction per call, no queueing. */
  private async appendDirect(entries: readonly OutboxEntry[]): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    for (let i = 0; i < entries.length; i += this.maxBatchSize) {
      const batch = entries.slice(i, i + this.maxBatchSize);
      const receipt = await this.conn.signer().send(this.tx(batch));
      const firstId = this.firstId(receipt);
      batch.forEach((_, k) => results.push(firstId >= 0 ? { committed: true, id: firstId + k } : { committed: true }));
    }
    return results;
  }

  private firstId(receipt: TxReceipt): number {
    const ids = this.conn
      .parseLogs(receipt.logs)
      .filter((l) => l.contract === 'AnomalyStore' && l.name === 'AnomalyAdded')
      .map((l) => Number(l.args[0]));
    return ids.length > 0 ? Math.min(...ids) : -1;
  }

  // ------------------------------------------------------------------ flushing

  private kick(): void {
    if (this.closed || this.flushing) return;
    void this.flush().catch((e) => this.report(e));
  }

  private scheduleRetry(): void {
    if (this.closed || this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.retryIntervalMs);
    this.timer.unref();
  }

  private async flushLoop(): Promise<void> {
    try {
      for (let guard = 0; this.queue.length > 0 && !this.closed && guard < 100_000; guard++) {
        const head = this.queue[0] as OutboxEntry;
        if (head.sent) await this.recover(head.sent);
        else await this.sendBatch(this.queue.slice(0, this.maxBatchSize).filter((e) => !e.sent));
      }
      this.unreachable = false;
      // Only when nothing is queued nor being journaled (checked again in the journal's turn).
      if (this.queue.length === 0) await this.journal?.truncateIf(() => this.queue.length === 0 && this.appending === 0);
    } catch (e) {
      if (isChainAdapterError(e, 'CHAIN_UNREACHABLE') || isChainAdapterError(e, 'CHAIN_TIMEOUT')) {
        this.unreachable = true;
        for (const entry of this.queue) this.settle(entry.key, { committed: false });
      } else {
        this.report(e);
      }
      this.scheduleRetry();
    }
  }

  private tx(batch: readonly OutboxEntry[]): TxRequest {
    const selector = this.conn.interfaces.AnomalyStore.getFunction('addAnomalies')?.selector ?? '';
    return {
      to: this.conn.deployment.addresses.AnomalyStore,
      data: encodeCall(selector, [{ array: NEW_ANOMALY_TYPE }], [
        batch.map((e) => [e.anomaly.endpoint, e.anomaly.collectedAt, e.anomaly.severity, e.anomaly.kind, e.anomaly.value]),
      ]),
      contract: 'AnomalyStore',
      method: 'addAnomalies',
    };
  }

  private async sendBatch(batch: readonly OutboxEntry[]): Promise<void> {
    const signer = this.conn.signer();
    const tx = this.tx(batch);
    try {
      await signer.estimateGas(tx);
    } catch (e) {
      if (!isChainAdapterError(e) || !['CHAIN_REVERTED', 'INVALID_INPUT'].includes(e.code)) throw e;
      if (batch.length > 1) {
        // Isolate the record(s) the contract rejects; send the others.
        await this.sendBatch(batch.slice(0, 1));
        return;
      }
      await this.drop(batch, e);
      return;
    }
    const keys = batch.map((b) => b.key);
    const hash = await signer.broadcast(tx, async (h, raw) => {
      await this.journal?.append([{ t: 'sent', k: keys, h, raw }]);
      for (const b of batch) b.sent = { hash: h, raw, keys };
    });
    const receipt = await signer.waitForReceipt(hash, tx);
    await this.finish(batch, receipt);
  }

  /** Settles a transaction journaled before a crash or an outage. */
  private async recover(sent: NonNullable<OutboxEntry['sent']>): Promise<void> {
    const signer = this.conn.signer();
    const batch = this.queue.filter((e) => e.sent?.hash === sent.hash);
    let receipt: TxReceipt | undefined;
    try {
      receipt = await signer.receipt(sent.hash);
    } catch (e) {
      if (!isChainAdapterError(e, 'CHAIN_REVERTED') && !isChainAdapterError(e, 'INVALID_INPUT')) throw e;
      // Mined but failed: send again as a fresh transaction.
      for (const b of batch) b.sent = undefined;
      return;
    }
    if (!receipt) {
      try {
        await signer.rebroadcast(sent.raw, sent.hash);
        receipt = await signer.waitForReceipt(sent.hash);
      } catch (e) {
        if (e instanceof JsonRpcFailure) {
          // Its nonce was used by another transaction (so it was never mined) or its fee went stale.
          for (const b of batch) b.sent = undefined;
          return;
        }
        throw e;
      }
    }
    await this.finish(batch, receipt);
  }

  private async finish(batch: readonly OutboxEntry[], receipt: TxReceipt): Promise<void> {
    const firstId = this.firstId(receipt);
    await this.journal?.append([{ t: 'done', k: batch.map((b) => b.key), h: receipt.hash, id: firstId }]);
    this.removeFromQueue(batch);
    batch.forEach((b, i) => this.settle(b.key, firstId >= 0 ? { committed: true, id: firstId + i } : { committed: true }));
  }

  private async drop(batch: readonly OutboxEntry[], e: ChainAdapterError): Promise<void> {
    await this.journal?.append([{ t: 'drop', k: batch.map((b) => b.key), reason: e.message.slice(0, 300) }]);
    this.removeFromQueue(batch);
    this.dropped += batch.length;
    for (const b of batch) {
      const w = this.waiters.get(b.key);
      this.waiters.delete(b.key);
      w?.reject(e);
    }
    this.report(e);
  }

  private removeFromQueue(batch: readonly OutboxEntry[]): void {
    const keys = new Set(batch.map((b) => b.key));
    for (let i = this.queue.length - 1; i >= 0; i--) if (keys.has((this.queue[i] as OutboxEntry).key)) this.queue.splice(i, 1);
  }

  private settle(key: string, r: AppendResult): void {
    const w = this.waiters.get(key);
    if (!w) return;
    this.waiters.delete(key);
    w.resolve(r);
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

function normalize(a: NewAnomaly): NewAnomaly {
  const bad = (reason: string): never => {
    throw new ChainAdapterError('INVALID_INPUT', `invalid anomaly: ${reason}`, { details: { reason } });
  };
  if (!a || typeof a.endpoint !== 'string' || a.endpoint.length === 0) bad('empty endpoint');
  if (typeof a.kind !== 'string' || a.kind.length === 0) bad('empty kind');
  if (typeof a.value !== 'string') bad('value');
  if (!Number.isInteger(a.severity) || a.severity < 0 || a.severity > 255) bad('severity not 0..255');
  if (!Number.isSafeInteger(a.collectedAt) || a.collectedAt < 0) bad('collectedAt not a Unix time');
  return { endpoint: a.endpoint, collectedAt: a.collectedAt, severity: a.severity, kind: a.kind, value: a.value };
}
