/**
 * `EditableSecurityStore` backed by the ClientStore contract.
 *
 * Reads are served from an in-memory cache (two Maps: endpoint -> SecurityInfo, identity ->
 * endpoint + account), loaded by paginated listing at open, then kept current from the
 * contract's events (polled every `pollIntervalMs`, default 200 ms) and from this process's own
 * writes as soon as their receipts arrive. A lookup is a Map hit; a miss falls back to one
 * `eth_call` (an endpoint added by another process and not seen yet). Removal or rotation by any
 * process reaches the cache within one poll and fires the listeners.
 *
 * When the chain is unreachable, reads keep serving from the cache and `isStale()` turns true;
 * writes fail with `CHAIN_UNREACHABLE`.
 */
import type {
  EditableSecurityStore,
  IdentityMatch,
  SecurityChange,
  SecurityInfo,
  SecurityListener,
  SecurityListPage,
  AccountKind,
} from '@chainm2m/lwm2m';
import { DuplicateEntryError } from '@chainm2m/lwm2m';
import { ChainAdapterError, isChainAdapterError } from '../ChainAdapterError.js';
import { storeCall, toStoreError } from './storeErrors.js';
import type { ChainConnection, ParsedLog } from '../chain/ChainConnection.js';
import { CLIENT_TYPE, encodeCall } from '../chain/fastAbi.js';
import { decodeClientByIdentityResult, decodeClientListResult, decodeClientResult } from '../chain/fastAbiDecode.js';
import type { TxReceipt, TxRequest } from '../chain/TxSender.js';
import type { SealingKeyPair } from '../sealing/seal.js';
import {
  clientCalldataSize,
  clientGasBound,
  clientTuple,
  sameSecurityInfo,
  sealSecurityInfo,
  sealSecurityInfos,
  sealedShape,
  unsealClientRecord,
  validateSecurityInfo,
  type SealedClientRecord,
} from './clientCodec.js';

export interface ChainSecurityStoreOptions {
  readonly connection: ChainConnection;
  readonly sealingKey: SealingKeyPair;
  /**
   * Load every record at open (default true). `false` suits short-lived tools (a CLI command): the
   * cache then fills from lookups and events only, and `count()` / `list()` ask the chain.
   */
  readonly preload?: boolean;
  /** Event poll period; default 200 ms. `0` disables the timer (call `syncNow()` yourself). */
  readonly pollIntervalMs?: number;
  /**
   * How long a cold lookup that found nothing is remembered, ms (default 1,000; 0 disables). A
   * flood of handshakes with made-up identities then costs the chain node one `eth_call` per
   * identity per period, not one per handshake; an event adding the record forgets the miss.
   */
  readonly negativeCacheMs?: number;
  /** Records per `listClients` call while loading; default 200. */
  readonly pageSize?: number;
  /** `isStale()` turns true when no sync succeeded for this long; default max(2 s, 5 polls). */
  readonly staleAfterMs?: number;
  /**
   * Largest calldata per `addClients` transaction. Default: 900,000 bytes on anvil (per-block costs
   * grow with the state there, so fewer, larger blocks register faster), else 120,000 (geth's
   * transaction pool takes at most 128 kB).
   */
  readonly maxBatchBytes?: number;
  /** Most records per `addClients` transaction; default 1,000 on anvil, else 500. */
  readonly maxBatchSize?: number;
  /**
   * Gas limit budget per record in `addClients` (default: `clientGasBound`, calibrated on the
   * ClientStore contract). A chunk that runs out of gas is re-sent with an `eth_estimateGas` limit.
   */
  readonly gasPerRecord?: (record: SealedClientRecord) => bigint;
  /** Widest block range per `eth_getLogs`; default 2,000. */
  readonly maxLogRange?: number;
  /** Background problems (sync failures, records that do not unseal, listener exceptions). */
  readonly onError?: (error: ChainAdapterError) => void;
}

export interface SecurityStoreHealth {
  readonly stale: boolean;
  /** Last block whose events are in the cache. */
  readonly syncedBlock: number;
  /** `Date.now()` of the last successful sync. */
  readonly lastSyncAt: number;
  readonly lastError: string | undefined;
  readonly cached: number;
  /** Records that could not be unsealed with our key (skipped). */
  readonly unsealFailures: number;
  readonly coldLookups: number;
  /** `addClients` transactions re-sent with an estimated gas limit after running out of gas. */
  readonly outOfGasRetries: number;
}

interface IdentityEntry {
  readonly endpoint: string;
  readonly account: AccountKind;
}

const NEVER = Number.POSITIVE_INFINITY;

export class ChainSecurityStore implements EditableSecurityStore {
  private readonly conn: ChainConnection;
  private readonly key: SealingKeyPair;
  private readonly byEndpoint = new Map<string, SecurityInfo>();
  private readonly byIdentity = new Map<string, IdentityEntry>();
  private readonly listeners = new Set<SecurityListener>();
  /** Own transactions whose effects are applied from the receipt: hash -> block (NEVER while pending). */
  private readonly ownTx = new Map<string, number>();
  /** Per-endpoint change counter, to drop cold results that raced with an event. */
  private readonly changeSeq = new Map<string, number>();
  private seq = 0;
  private readonly pendingRefresh = new Set<string>();
  private cursor = -1;
  private cursorHash: string | undefined;
  private lastSyncAt = 0;
  private lastError: string | undefined;
  private lastSyncFailed = false;
  private unsealFailures = 0;
  private coldLookups = 0;
  /** `method:key` of cold lookups that found nothing, with when to forget them (Date.now() ms). */
  private readonly misses = new Map<string, number>();
  private static readonly MAX_MISSES = 10_000;
  private syncing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private blockGasLimit: bigint | undefined;
  private readonly timestamps = new Map<number, number>();
  private readonly opts: Required<Omit<ChainSecurityStoreOptions, 'connection' | 'sealingKey' | 'onError'>> & {
    onError: ((e: ChainAdapterError) => void) | undefined;
  };
  /** Transactions re-sent after running out of gas (see `gasPerRecord`). */
  private oogRetries = 0;

  private constructor(options: ChainSecurityStoreOptions) {
    this.conn = options.connection;
    this.key = options.sealingKey;
    const poll = options.pollIntervalMs ?? 200;
    this.opts = {
      pollIntervalMs: poll,
      negativeCacheMs: options.negativeCacheMs ?? 1_000,
      pageSize: options.pageSize ?? 200,
      staleAfterMs: options.staleAfterMs ?? Math.max(2_000, poll * 5),
      maxBatchBytes: options.maxBatchBytes ?? 120_000,
      maxBatchSize: options.maxBatchSize ?? 500,
      maxLogRange: options.maxLogRange ?? 2_000,
      gasPerRecord: options.gasPerRecord ?? clientGasBound,
      preload: options.preload ?? true,
      onError: options.onError,
    };
  }

  /** Loads the cache from the chain and starts following events. */
  static async open(options: ChainSecurityStoreOptions): Promise<ChainSecurityStore> {
    let anvil = false;
    if (options.maxBatchBytes === undefined || options.maxBatchSize === undefined) {
      try {
        anvil = /^anvil\//i.test(await options.connection.rpc.request<string>('web3_clientVersion'));
      } catch (e) {
        if (isChainAdapterError(e, 'CHAIN_UNREACHABLE')) throw e;
      }
    }
    const s = new ChainSecurityStore({
      ...options,
      maxBatchBytes: options.maxBatchBytes ?? (anvil ? 900_000 : 120_000),
      maxBatchSize: options.maxBatchSize ?? (anvil ? 1_000 : 500),
    });
    if (s.opts.preload) {
      await s.reload(false);
    } else {
      s.cursor = await s.conn.blockNumber();
      s.lastSyncAt = Date.now();
    }
    s.schedule();
    return s;
  }

  // ---------------------------------------------------------------- reads

  async getByEndpoint(endpoint: string): Promise<SecurityInfo | undefined> {
    const hit = this.byEndpoint.get(endpoint);
    if (hit !== undefined) return hit;
    return this.cold('getClient', endpoint);
  }

  async getByIdentity(identity: string): Promise<IdentityMatch | undefined> {
    const e = this.byIdentity.get(identity);
    if (e !== undefined) {
      const info = this.byEndpoint.get(e.endpoint);
      if (info !== undefined) return { info, account: e.account };
    }
    const info = await this.cold('getClientByIdentity', identity);
    if (!info) return undefined;
    const account: AccountKind | undefined =
      info.bootstrap.identity === identity ? 'bootstrap' : info.server.identity === identity ? 'server' : undefined;
    return account ? { info, account } : undefined;
  }

  /** Synchronous cache lookup (no chain access); `undefined` on a miss. */
  peekByEndpoint(endpoint: string): SecurityInfo | undefined {
    return this.byEndpoint.get(endpoint);
  }

  /** Synchronous cache lookup by identity (no chain access). */
  peekByIdentity(identity: string): IdentityMatch | undefined {
    const e = this.byIdentity.get(identity);
    const info = e && this.byEndpoint.get(e.endpoint);
    return e && info ? { info, account: e.account } : undefined;
  }

  /** One `eth_call` for an endpoint, bypassing (and not filling) the cache. Undefined when absent. */
  async fetchFromChain(endpoint: string): Promise<SecurityInfo | undefined> {
    const rec = await this.fetchRecord('getClient', endpoint);
    return rec ? unsealClientRecord(rec, this.key) : undefined;
  }

  async count(): Promise<number> {
    if (!this.opts.preload) return Number((await this.conn.call('ClientStore', 'clientCount', []))[0]);
    return this.byEndpoint.size;
  }

  async list(offset: number, limit: number): Promise<SecurityListPage> {
    const o = Math.max(0, Math.floor(offset));
    const l = Math.max(0, Math.floor(limit));
    if (!this.opts.preload) {
      const total = await this.count();
      const items: SecurityInfo[] = [];
      for (let at = o; at < Math.min(total, o + l); at += this.opts.pageSize) {
        const n = Math.min(this.opts.pageSize, o + l - at);
        const data = this.conn.encode('ClientStore', 'listClients', [at, n]);
        for (const rec of decodeClientListResult(await this.conn.callRaw('ClientStore', data, 'listClients'))) {
          const info = this.tryUnseal(rec);
          if (info) items.push(info);
        }
      }
      return { items, total };
    }
    const all = [...this.byEndpoint.values()];
    return { items: all.slice(o, o + l), total: all.length };
  }

  addListener(listener: SecurityListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * True when the cache may lag the chain: the last sync failed, or (with the poll timer on) no
   * sync succeeded within `staleAfterMs`.
   */
  isStale(): boolean {
    if (this.lastSyncFailed) return true;
    return this.opts.pollIntervalMs > 0 && Date.now() - this.lastSyncAt > this.opts.staleAfterMs;
  }

  health(): SecurityStoreHealth {
    return {
      stale: this.isStale(),
      syncedBlock: this.cursor,
      lastSyncAt: this.lastSyncAt,
      lastError: this.lastError,
      cached: this.byEndpoint.size,
      unsealFailures: this.unsealFailures,
      coldLookups: this.coldLookups,
      outOfGasRetries: this.oogRetries,
    };
  }

  // ---------------------------------------------------------------- writes

  async add(info: SecurityInfo): Promise<void> {
    return storeCall(() => this.doAdd(info), 'endpoint', info?.endpoint);
  }

  private async doAdd(info: SecurityInfo): Promise<void> {
    this.checkOpen();
    validateSecurityInfo(info);
    this.checkNotDuplicate([info]);
    const rec = sealSecurityInfo(info, this.key.publicKey);
    const receipt = await this.sendOwn({
      to: this.conn.deployment.addresses.ClientStore,
      data: this.conn.encode('ClientStore', 'addClient', [clientTuple(rec)]),
      contract: 'ClientStore',
      method: 'addClient',
    });
    await this.applyOwn(receipt, [info], 'added');
  }

  async addMany(infos: readonly SecurityInfo[]): Promise<void> {
    return storeCall(() => this.doAddMany(infos));
  }

  private async doAddMany(infos: readonly SecurityInfo[]): Promise<void> {
    this.checkOpen();
    if (infos.length === 0) return;
    for (const i of infos) validateSecurityInfo(i);
    this.checkNotDuplicate(infos);
    const chunks = await this.chunk(infos);
    const selector = this.conn.interfaces.ClientStore.getFunction('addClients')?.selector ?? '';
    const committed: string[] = [];
    // Pipeline: seal, encode and broadcast chunk k+1 while chunk k executes.
    let inFlight: { hash: Promise<string>; tx: TxRequest; infos: readonly SecurityInfo[] } | undefined;
    const finish = async (f: NonNullable<typeof inFlight>): Promise<void> => {
      const receipt = await this.receiptWithOogRetry(await f.hash, f.tx);
      await this.applyOwn(receipt, f.infos, 'added');
      for (const i of f.infos) committed.push(i.endpoint);
    };
    try {
      for (const c of chunks) {
        const recs = sealSecurityInfos(c, this.key.publicKey);
        const tx: TxRequest = {
          to: this.conn.deployment.addresses.ClientStore,
          data: encodeCall(selector, [{ array: CLIENT_TYPE }], [recs.map(clientTuple)]),
          contract: 'ClientStore',
          method: 'addClients',
          gasLimit: recs.reduce((g, r) => g + this.opts.gasPerRecord(r), 150_000n),
        };
        const hash = this.conn.signer().broadcast(tx, (h) => {
          this.ownTx.set(h, NEVER);
        });
        hash.catch(() => undefined);
        const previous = inFlight;
        inFlight = { hash, tx, infos: c };
        if (previous) await finish(previous);
      }
      const last = inFlight;
      inFlight = undefined;
      if (last) await finish(last);
    } catch (e) {
      // Settle the other broadcast chunk so its effects (if any) reach the cache and the report.
      if (inFlight) await finish(inFlight).catch(() => undefined);
      throw this.partial(e, committed, infos.length);
    }
  }

  async update(info: SecurityInfo): Promise<void> {
    return storeCall(() => this.doUpdate(info), 'endpoint', info?.endpoint);
  }

  private async doUpdate(info: SecurityInfo): Promise<void> {
    this.checkOpen();
    validateSecurityInfo(info);
    for (const id of [info.bootstrap.identity, info.server.identity]) {
      const owner = this.byIdentity.get(id);
      if (owner && owner.endpoint !== info.endpoint) throw new DuplicateEntryError('identity', id);
    }
    const rec = sealSecurityInfo(info, this.key.publicKey);
    const receipt = await this.sendOwn({
      to: this.conn.deployment.addresses.ClientStore,
      data: this.conn.encode('ClientStore', 'updateClient', [clientTuple(rec)]),
      contract: 'ClientStore',
      method: 'updateClient',
    });
    await this.applyOwn(receipt, [info], 'updated');
  }

  async remove(endpoint: string, compromised: boolean): Promise<boolean> {
    this.checkOpen();
    try {
      await this.sendOwn(
        {
          to: this.conn.deployment.addresses.ClientStore,
          data: this.conn.encode('ClientStore', 'removeClient', [endpoint, compromised]),
          contract: 'ClientStore',
          method: 'removeClient',
        },
        (hash, block) => {
          this.ownTx.set(hash, block);
        },
      );
    } catch (e) {
      if (isChainAdapterError(e, 'NOT_FOUND')) {
        if (this.byEndpoint.has(endpoint)) this.applyRemoval(endpoint, compromised);
        return false;
      }
      throw e;
    }
    this.applyRemoval(endpoint, compromised);
    return true;
  }

  // ---------------------------------------------------------------- sync

  /** Applies new contract events now (also what the timer does). */
  async syncNow(): Promise<void> {
    if (this.syncing) {
      await this.syncing.catch(() => undefined);
    }
    const run = this.doSync();
    this.syncing = run;
    try {
      await run;
    } finally {
      if (this.syncing === run) this.syncing = undefined;
    }
  }

  /** Stops following events. The connection stays open (it is shared). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.closed || this.opts.pollIntervalMs <= 0) return;
    this.timer = setTimeout(() => {
      this.syncNow()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, this.opts.pollIntervalMs);
    this.timer.unref();
  }

  private async doSync(): Promise<void> {
    try {
      const head = await this.conn.blockNumber();
      if (head < this.cursor || (head > this.cursor && !(await this.cursorStillCanonical()))) {
        // The chain went back (dev chain restarted from an older dump) or reorganised: reload,
        // and resync our nonce (transactions we counted may be gone).
        if (this.conn.address !== undefined) this.conn.signer().resetNonce();
        await this.reload(true);
      } else {
        const start = this.cursor;
        while (this.cursor < head && !this.closed) {
          const to = Math.min(head, this.cursor + this.opts.maxLogRange);
          const logs = await this.conn.getLogs(['ClientStore'], this.cursor + 1, to, (h) => this.ownTx.has(h));
          await this.applyLogs(logs, to);
          this.cursor = to;
          for (const [h, b] of this.ownTx) if (b <= to) this.ownTx.delete(h);
        }
        // Remember which block we synced to, to notice a rewritten history next time.
        if (this.cursor !== start) this.cursorHash = await this.blockHash(this.cursor);
        if (this.pendingRefresh.size > 0) {
          const eps = [...this.pendingRefresh];
          this.pendingRefresh.clear();
          await this.refresh(eps, 'latest');
        }
      }
      this.lastSyncAt = Date.now();
      this.lastSyncFailed = false;
      this.lastError = undefined;
    } catch (e) {
      this.lastSyncFailed = true;
      this.lastError = isChainAdapterError(e) ? e.code : 'UNKNOWN';
      this.report(e);
      throw e;
    }
  }

  private async blockHash(n: number): Promise<string | undefined> {
    const b = await this.conn.rpc.request<{ hash: string } | null>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
    return b?.hash;
  }

  /** False when the block we synced to is no longer the chain's block at that height. */
  private async cursorStillCanonical(): Promise<boolean> {
    if (this.cursor < 0) return true;
    const hash = await this.blockHash(this.cursor);
    if (hash === undefined) return false;
    if (this.cursorHash === undefined) {
      this.cursorHash = hash;
      return true;
    }
    return this.cursorHash === hash;
  }

  /** Full load (at open, or after the chain went back): lists everything at one block and diffs. */
  private async reload(fireDiff: boolean): Promise<void> {
    const head = await this.conn.blockNumber();
    const total = Number((await this.conn.call('ClientStore', 'clientCount', [], head))[0]);
    const fresh = new Map<string, SecurityInfo>();
    for (let offset = 0; offset < total; offset += this.opts.pageSize) {
      const data = this.conn.encode('ClientStore', 'listClients', [offset, this.opts.pageSize]);
      const page = decodeClientListResult(await this.conn.callRaw('ClientStore', data, 'listClients', head));
      for (const rec of page) {
        const info = this.tryUnseal(rec);
        if (info) fresh.set(info.endpoint, info);
      }
    }
    const removed = [...this.byEndpoint.keys()].filter((ep) => !fresh.has(ep));
    for (const ep of removed) {
      if (fireDiff) this.applyRemoval(ep, false);
      else this.dropFromCache(ep);
    }
    for (const info of fresh.values()) this.upsert(info, fireDiff);
    this.cursor = head;
    this.cursorHash = undefined;
    this.lastSyncAt = Date.now();
    this.lastSyncFailed = false;
  }

  private async applyLogs(logs: readonly ParsedLog[], toBlock: number): Promise<void> {
    type Op = { kind: 'remove'; endpoint: string; compromised: boolean } | { kind: 'refresh'; endpoint: string };
    const ops: Op[] = [];
    for (const l of logs) {
      if (this.ownTx.has(l.transactionHash)) continue;
      const endpoint = String(l.args[1]);
      if (l.name === 'ClientRemoved') ops.push({ kind: 'remove', endpoint, compromised: Boolean(l.args[2]) });
      else if (l.name === 'ClientAdded' || l.name === 'ClientUpdated') ops.push({ kind: 'refresh', endpoint });
    }
    if (ops.length === 0) return;
    const lastOp = new Map<string, number>();
    ops.forEach((op, i) => lastOp.set(op.endpoint, i));
    const toFetch = [...new Set(ops.filter((op, i) => op.kind === 'refresh' && lastOp.get(op.endpoint) === i).map((op) => op.endpoint))];
    const fetched = new Map<string, SealedClientRecord | undefined>();
    await this.parallel(toFetch, async (ep) => {
      fetched.set(ep, await this.fetchRecord('getClient', ep, toBlock));
    });
    ops.forEach((op, i) => {
      if (op.kind === 'remove') {
        this.applyRemoval(op.endpoint, op.compromised);
      } else if (lastOp.get(op.endpoint) === i) {
        const rec = fetched.get(op.endpoint);
        const info = rec && this.tryUnseal(rec);
        if (info) this.upsert(info, true);
      }
    });
  }

  private async refresh(endpoints: readonly string[], blockTag: number | 'latest'): Promise<void> {
    await this.parallel(endpoints, async (ep) => {
      const rec = await this.fetchRecord('getClient', ep, blockTag);
      const info = rec && this.tryUnseal(rec);
      if (info) this.upsert(info, true);
      else if (!rec && this.byEndpoint.has(ep)) this.applyRemoval(ep, false);
    });
  }

  // ---------------------------------------------------------------- cache

  private upsert(info: SecurityInfo, fire: boolean): void {
    const prev = this.byEndpoint.get(info.endpoint);
    if (prev && sameSecurityInfo(prev, info)) return;
    if (prev) this.unindex(prev);
    this.byEndpoint.set(info.endpoint, info);
    this.byIdentity.set(info.bootstrap.identity, { endpoint: info.endpoint, account: 'bootstrap' });
    this.byIdentity.set(info.server.identity, { endpoint: info.endpoint, account: 'server' });
    if (this.misses.size > 0) {
      this.misses.delete(`getClient:${info.endpoint}`);
      this.misses.delete(`getClientByIdentity:${info.bootstrap.identity}`);
      this.misses.delete(`getClientByIdentity:${info.server.identity}`);
    }
    this.bump(info.endpoint);
    if (fire) this.emit(prev ? { kind: 'updated', info, previous: prev } : { kind: 'added', info });
  }

  private applyRemoval(endpoint: string, compromised: boolean): void {
    const previous = this.byEndpoint.get(endpoint);
    this.dropFromCache(endpoint);
    this.emit({ kind: 'removed', endpoint, compromised, previous });
  }

  private dropFromCache(endpoint: string): void {
    const prev = this.byEndpoint.get(endpoint);
    if (prev) this.unindex(prev);
    this.byEndpoint.delete(endpoint);
    this.bump(endpoint);
  }

  private unindex(info: SecurityInfo): void {
    for (const id of [info.bootstrap.identity, info.server.identity]) {
      if (this.byIdentity.get(id)?.endpoint === info.endpoint) this.byIdentity.delete(id);
    }
  }

  private bump(endpoint: string): void {
    this.changeSeq.set(endpoint, ++this.seq);
  }

  private emit(change: SecurityChange): void {
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch (e) {
        this.report(e);
      }
    }
  }

  private tryUnseal(rec: SealedClientRecord): SecurityInfo | undefined {
    try {
      return unsealClientRecord(rec, this.key);
    } catch (e) {
      this.unsealFailures++;
      this.report(e);
      return undefined;
    }
  }

  private async cold(method: 'getClient' | 'getClientByIdentity', key: string): Promise<SecurityInfo | undefined> {
    if (this.closed) return undefined;
    const missKey = `${method}:${key}`;
    const until = this.misses.get(missKey);
    if (until !== undefined) {
      if (Date.now() < until) return undefined;
      this.misses.delete(missKey);
    }
    this.coldLookups++;
    const before = this.seq;
    const rec = await this.fetchRecord(method, key);
    if (!rec) {
      if (this.opts.negativeCacheMs > 0) {
        if (this.misses.size >= ChainSecurityStore.MAX_MISSES) this.misses.delete(this.misses.keys().next().value as string);
        this.misses.set(missKey, Date.now() + this.opts.negativeCacheMs);
      }
      return undefined;
    }
    const info = this.tryUnseal(rec);
    if (!info) return undefined;
    // Only cache it if no event touched this endpoint while the call was in flight.
    if ((this.changeSeq.get(info.endpoint) ?? 0) <= before) this.upsert(info, true);
    return info;
  }

  private async fetchRecord(
    method: 'getClient' | 'getClientByIdentity',
    key: string,
    blockTag: number | 'latest' = 'latest',
  ): Promise<SealedClientRecord | undefined> {
    try {
      const raw = await this.conn.callRaw('ClientStore', this.conn.encode('ClientStore', method, [key]), method, blockTag);
      return method === 'getClient' ? decodeClientResult(raw) : decodeClientByIdentityResult(raw).client;
    } catch (e) {
      if (isChainAdapterError(e, 'NOT_FOUND')) return undefined;
      throw e;
    }
  }

  // ---------------------------------------------------------------- own writes

  private async sendOwn(tx: TxRequest, onMined?: (hash: string, block: number) => void): Promise<TxReceipt> {
    const signer = this.conn.signer();
    let hash: string | undefined;
    try {
      const h = await signer.broadcast(tx, (signed) => {
        hash = signed;
        this.ownTx.set(signed, NEVER);
      });
      const receipt = await signer.waitForReceipt(h, tx);
      onMined?.(h, receipt.blockNumber);
      return receipt;
    } catch (e) {
      if (hash !== undefined) this.ownTx.delete(hash);
      throw e;
    }
  }

  private async applyOwn(receipt: TxReceipt, infos: readonly SecurityInfo[], kind: 'added' | 'updated'): Promise<void> {
    try {
      const ts = await this.timestampOf(receipt.blockNumber);
      const registrar = this.conn.address ?? '';
      for (const info of infos) {
        const prev = this.byEndpoint.get(info.endpoint);
        if (kind === 'updated' && !prev) {
          this.pendingRefresh.add(info.endpoint);
          continue;
        }
        this.upsert(
          {
            ...info,
            registrar: kind === 'updated' && prev ? prev.registrar : registrar,
            createdAt: kind === 'updated' && prev ? prev.createdAt : ts,
            updatedAt: ts,
          },
          true,
        );
      }
    } catch (e) {
      for (const info of infos) this.pendingRefresh.add(info.endpoint);
      this.report(e);
    } finally {
      this.ownTx.set(receipt.hash, receipt.blockNumber);
    }
  }

  private async timestampOf(block: number): Promise<number> {
    const hit = this.timestamps.get(block);
    if (hit !== undefined) return hit;
    const ts = await this.conn.blockTimestamp(block);
    if (this.timestamps.size > 256) this.timestamps.clear();
    this.timestamps.set(block, ts);
    return ts;
  }

  /** A chunk that ran out of our gas bound (no revert on replay) is re-sent with an estimate. */
  private async receiptWithOogRetry(hash: string, tx: TxRequest): Promise<TxReceipt> {
    const signer = this.conn.signer();
    try {
      return await signer.waitForReceipt(hash, tx);
    } catch (e) {
      this.ownTx.delete(hash);
      if (!(isChainAdapterError(e, 'CHAIN_REVERTED') && e.details?.['errorName'] === undefined)) throw e;
      this.oogRetries++;
      const gasLimit = await signer.estimateGas({ ...tx, gasLimit: undefined } as TxRequest);
      const retry = { ...tx, gasLimit: gasLimit + gasLimit / 5n };
      const h2 = await signer.broadcast(retry, (h) => {
        this.ownTx.set(h, NEVER);
      });
      return signer.waitForReceipt(h2, retry);
    }
  }

  private async chunk(recs: readonly SecurityInfo[]): Promise<SecurityInfo[][]> {
    if (this.blockGasLimit === undefined) {
      const b = await this.conn.rpc.request<{ gasLimit: string } | null>('eth_getBlockByNumber', ['latest', false]);
      this.blockGasLimit = b ? BigInt(b.gasLimit) : 30_000_000n;
    }
    const gasCap = (this.blockGasLimit * 8n) / 10n;
    const out: SecurityInfo[][] = [];
    let cur: SecurityInfo[] = [];
    let bytes = 0;
    let gas = 150_000n;
    for (const r of recs) {
      const b = clientCalldataSize(sealedShape(r));
      const g = this.opts.gasPerRecord(sealedShape(r));
      if (cur.length > 0 && (cur.length >= this.opts.maxBatchSize || bytes + b > this.opts.maxBatchBytes || gas + g > gasCap)) {
        out.push(cur);
        cur = [];
        bytes = 0;
        gas = 150_000n;
      }
      cur.push(r);
      bytes += b;
      gas += g;
    }
    if (cur.length > 0) out.push(cur);
    return out;
  }

  private checkNotDuplicate(infos: readonly SecurityInfo[]): void {
    const eps = new Set<string>();
    const ids = new Set<string>();
    for (const i of infos) {
      const dupEp = eps.has(i.endpoint) || this.byEndpoint.has(i.endpoint);
      const dupId = [i.bootstrap?.identity, i.server?.identity].find((id) => id !== undefined && (ids.has(id) || this.byIdentity.has(id)));
      if (dupEp || dupId !== undefined) {
        throw new DuplicateEntryError(dupEp ? 'endpoint' : 'identity', dupEp ? i.endpoint : String(dupId));
      }
      eps.add(i.endpoint);
      if (i.bootstrap?.identity !== undefined) ids.add(i.bootstrap.identity);
      if (i.server?.identity !== undefined) ids.add(i.server.identity);
    }
  }

  private partial(e: unknown, committed: readonly string[], total: number): unknown {
    if (committed.length === 0) return e;
    const mapped = toStoreError(e);
    const base = isChainAdapterError(e) ? e : new ChainAdapterError('CHAIN_RPC_ERROR', mapped instanceof Error ? mapped.message : String(e), { cause: e });
    return new ChainAdapterError(base.code, `${base.message} (after ${committed.length} of ${total} endpoints were committed)`, {
      details: { ...base.details, committed: [...committed] },
      cause: base,
    });
  }

  private async parallel<T>(items: readonly T[], fn: (item: T) => Promise<void>, width = 8): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  }

  private report(e: unknown): void {
    if (!this.opts.onError) return;
    try {
      this.opts.onError(isChainAdapterError(e) ? e : new ChainAdapterError('CHAIN_RPC_ERROR', e instanceof Error ? e.message : String(e), { cause: e }));
    } catch {
      // a failing error handler must not break the sync loop
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ChainAdapterError('CLOSED', 'the security store is closed');
  }
}
