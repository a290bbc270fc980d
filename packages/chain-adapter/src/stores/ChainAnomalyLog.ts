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
 * next to `chainm2m up`) gets a log in direct mode: `append` sends straight to the chain; when the
 * chain is unreachable the records are spooled (`anomaly-spool/<uuid>.jsonl`, fsync'd, renamed
 * into place) and `append` answers `{ committed: false }`; the outbox owner takes spooled files
 * into its outbox at open and every `retryIntervalMs`.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
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

/** AnomalyStore's `BUCKET_SECONDS`, `MAX_BUCKETS_PER_CALL` and `MAX_PAGE`. */
const BUCKET_SECONDS = 3_600;
const MAX_BUCKETS_PER_CALL = 1_024;
const SCAN_PAGE = 1_000;
/** The largest time a query may name (collectedAt is a uint64 on chain; JS numbers stay exact below 2^53). */
const MAX_UINT64_SAFE = Number.MAX_SAFE_INTEGER;

export const ANOMALY_OUTBOX_FILE = 'anomaly-outbox.jsonl';
export const ANOMALY_OUTBOX_LOCK = 'anomaly-outbox.lock';
export const ANOMALY_SPOOL_DIR = 'anomaly-spool';

/** Writes records for the outbox owner to pick up: whole file or nothing (fsync + rename). */
function spool(dataDir: string, anomalies: readonly NewAnomaly[]): void {
  const dir = join(dataDir, ANOMALY_SPOOL_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `${Date.now()}-${randomUUID()}.jsonl`;
  const tmp = join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, anomalies.map((a) => `${JSON.stringify(a)}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
}

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
  private readonly dataDir: string;
  private spoolTimer: NodeJS.Timeout | undefined;

  private constructor(options: ChainAnomalyLogOptions, journal: OutboxJournal | undefined, entries: OutboxEntry[], lockPath: string | undefined) {
    this.conn = options.connection;
    this.journal = journal;
    this.lockPath = lockPath;
    this.queue = entries;
    this.retryIntervalMs = options.retryIntervalMs ?? 1_000;
    this.commitWaitMs = options.commitWaitMs ?? 5_000;
    this.maxBatchSize = options.maxBatchSize ?? 200;
    this.onError = options.onError;
    this.dataDir = options.dataDir;
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
      await log.takeSpool();
      if (log.queue.length > 0) log.kick();
      log.spoolTimer = setInterval(() => {
        void log.takeSpool().then(
          (n) => n > 0 && log.kick(),
          (e) => log.report(e),
        );
      }, log.retryIntervalMs);
      log.spoolTimer.unref();
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
      const from = Math.max(0, Math.floor(q.from ?? 0));
      const to = Math.min(Math.floor(q.to ?? MAX_UINT64_SAFE), MAX_UINT64_SAFE);
      if (from > to) return { items: [] };
      const total = await this.count();
      if (total === 0) return { items: [] };
      // The contract's time index walks hour buckets, at most 1,024 of them per call: an open or
      // wide range (e.g. `--since 1h`, to = infinity) would take millions of calls over empty
      // buckets. Then reading every record (1,000 a call) and filtering is cheaper.
      const buckets = Math.floor(to / BUCKET_SECONDS) - Math.floor(from / BUCKET_SECONDS) + 1;
      const bucketCalls = Math.ceil(buckets / MAX_BUCKETS_PER_CALL) + Math.ceil(total / SCAN_PAGE);
      const items: AnomalyRecord[] = [];
      let skipped = 0;
      const take = (rec: AnomalyRecord): void => {
        if (rec.collectedAt < from || rec.collectedAt > to) return;
        if (skipped < offset) skipped++;
        else if (items.length < limit) items.push(rec);
      };
      if (bucketCalls > 2 * Math.ceil(total / SCAN_PAGE) + 2) {
        for (let o = 0; o < total && items.length < limit; o += SCAN_PAGE) {
          const data = this.conn.encode('AnomalyStore', 'listAnomalies', [o, SCAN_PAGE]);
          for (const rec of decodeAnomalyListResult(await this.conn.callRaw('AnomalyStore', data, 'listAnomalies'), o)) take(rec);
        }
        return { items };
      }
      let cursor = 0n;
      for (let rounds = 0; rounds < bucketCalls + 10; rounds++) {
        const r = await page('listAnomaliesByTime', [from, to, cursor, SCAN_PAGE], true);
        for (const rec of r.items) take(rec);
        cursor = r.nextCursor;
        if (cursor === 0n || items.length >= limit) break;
      }
      return { items };
    }
    const total = await this.count();
    if (offset >= total) return { items: [], total };
    const data = this.conn.encode('AnomalyStore', 'listAnomalies', [offset, limit]);
    return { items: decodeAnomalyListResult(await this.conn.callRaw('AnomalyStore', data, 'listAnomalies'), offset), total };
  }

  /**
   * Follows the AnomalyStore's `AnomalyAdded` events (polled every `pollIntervalMs`): every record
   * any process commits (this one, a CLI, another server) reaches `listener` once, with its id,
   * from the block after the one current when following starts. A chain that comes back with a
   * shorter history (dev chain restarted) is followed from its new head. Returns a stop function.
   */
  follow(listener: (record: AnomalyRecord) => void, options: { pollIntervalMs?: number } = {}): () => void {
    const poll = options.pollIntervalMs ?? 500;
    let cursor: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const tick = async (): Promise<void> => {
      const head = await this.conn.blockNumber();
      if (cursor === undefined || head < cursor) {
        cursor = head;
        return;
      }
      if (head === cursor) return;
      const to = Math.min(head, cursor + 2_000);
      const ids = (await this.conn.getLogs(['AnomalyStore'], cursor + 1, to)).filter((l) => l.name === 'AnomalyAdded').map((l) => Number(l.args[0]));
      cursor = to;
      if (ids.length === 0) return;
      const first = Math.min(...ids);
      const wanted = new Set(ids);
      for (let o = first; o <= Math.max(...ids); o += SCAN_PAGE) {
        const data = this.conn.encode('AnomalyStore', 'listAnomalies', [o, SCAN_PAGE]);
        for (const rec of decodeAnomalyListResult(await this.conn.callRaw('AnomalyStore', data, 'listAnomalies'), o)) {
          if (!wanted.has(rec.id) || stopped) continue;
          try {
            listener(rec);
          } catch {
            // a listener's failure is its own
          }
        }
      }
    };
    const loop = (): void => {
      if (stopped || this.closed) return;
      void tick()
        .catch((e) => {
          if (!isChainAdapterError(e, 'CHAIN_UNREACHABLE') && !isChainAdapterError(e, 'CLOSED')) this.report(e);
        })
        .finally(() => {
          if (stopped || this.closed) return;
          timer = setTimeout(loop, poll);
          timer.unref();
        });
    };
    loop();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  /** Records spooled by other processes while the chain was down, moved into the outbox; returns how many. */
  private async takeSpool(): Promise<number> {
    if (!this.journal || this.closed) return 0;
    const dir = join(this.dataDir, ANOMALY_SPOOL_DIR);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).sort();
    } catch {
      return 0;
    }
    let taken = 0;
    for (const name of names) {
      const path = join(dir, name);
      let records: NewAnomaly[];
      try {
        records = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => normalize(JSON.parse(l) as NewAnomaly));
      } catch (e) {
        renameSync(path, `${path}.bad`);
        this.report(new ChainAdapterError('OUTBOX_IO', `a spooled anomaly file is unreadable, kept as ${path}.bad`, { cause: e }));
        continue;
      }
      const entries: OutboxEntry[] = records.map((a) => ({ key: randomUUID(), anomaly: a, sent: undefined }));
      await this.journal.append(entries.map((e) => ({ t: 'add' as const, k: e.key, a: e.anomaly })));
      this.queue.push(...entries);
      unlinkSync(path); // only once journaled: a crash in between sends it twice at worst, never loses it
      taken += entries.length;
    }
    return taken;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.spoolTimer) clearInterval(this.spoolTimer);
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

  /** Direct mode: one transaction per call, no queueing; spooled for the owner when the chain is down. */
  private async appendDirect(entries: readonly OutboxEntry[]): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    for (let i = 0; i < entries.length; i += this.maxBatchSize) {
      const batch = entries.slice(i, i + this.maxBatchSize);
      let receipt: TxReceipt;
      try {
        receipt = await this.conn.signer().send(this.tx(batch));
      } catch (e) {
        if (!isChainAdapterError(e, 'CHAIN_UNREACHABLE')) throw e;
        const rest = entries.slice(i);
        spool(this.dataDir, rest.map((r) => r.anomaly));
        for (const _ of rest) results.push({ committed: false });
        return results;
      }
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
