/**
 * Signs and sends transactions with its own nonce management (one queue per signer), fee
 * estimation cached briefly, and receipts polled with `eth_getTransactionReceipt` (ethers'
 * `waitForTransaction` can hang on anvil). A write resolves only after its receipt (and
 * `confirmations` blocks); a revert (at estimation or on chain) is decoded against the ABIs.
 *
 * Durability: with a `journal` (see `TxJournal.ts`) every signed transaction is on disk before it
 * is broadcast, so what a receipt acknowledged is re-sent (`recover()`) if the node loses it.
 * Nonce gaps heal by themselves: a transaction without a receipt after `gapCheckMs` above the
 * chain's nonce has the missing nonces filled, from the journal when it holds them, else with
 * zero-value transfers to itself. A receipt that disappears while waiting for confirmations
 * (reorg) makes the transaction be broadcast again.
 */
import type { Interface, Wallet } from 'ethers';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { JsonRpcFailure, type JsonRpc } from './JsonRpc.js';
import { revertError } from './revert.js';
import { nonceOfRawTransaction, signRawTransaction } from './rlpTx.js';
import type { JournalEntry, TxJournal } from './TxJournal.js';

export interface TxRequest {
  readonly to?: string;
  /** Calldata (or creation code): hex or bytes. */
  readonly data: string | Uint8Array;
  /** Skip estimation and use this gas limit. */
  readonly gasLimit?: bigint;
  /** For error messages: `ClientStore.addClients`. */
  readonly contract: string;
  readonly method: string;
}

export interface RpcLog {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
  readonly blockNumber: string;
  readonly transactionHash: string;
  readonly logIndex: string;
}

export interface TxReceipt {
  readonly hash: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly gasUsed: bigint;
  readonly contractAddress: string | undefined;
  readonly logs: readonly RpcLog[];
}

interface RawReceipt {
  status: string;
  blockNumber: string;
  blockHash: string;
  gasUsed: string;
  contractAddress?: string | null;
  logs: RpcLog[];
}

export interface TxSenderOptions {
  readonly receiptTimeoutMs?: number;
  /** Longest pause between receipt polls; default 100 ms (starts at 2 ms and doubles). */
  readonly receiptPollMaxMs?: number;
  /** Write-ahead journal of signed transactions (fsync before broadcast). */
  readonly journal?: TxJournal;
  /** Blocks a receipt must be deep before a write resolves; default 1 (included). */
  readonly confirmations?: number;
  /** How long a transaction may wait for its receipt before nonce gaps below it are filled; default 2,000 ms. */
  readonly gapCheckMs?: number;
}

export interface RecoverResult {
  /** Journaled transactions the chain lacked, broadcast again unchanged. */
  readonly replayed: number;
  /** Journaled transactions whose nonce another transaction took, sent again as new transactions. */
  readonly resent: number;
}

interface Fees {
  readonly at: number;
  readonly legacy: boolean;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  readonly gasPrice: bigint;
}

/** Codes of a transaction the chain executed and reverted (see `codeForRevert`). */
const REVERT_CODES: ReadonlySet<string> = new Set(['CHAIN_REVERTED', 'DUPLICATE', 'NOT_FOUND', 'INVALID_INPUT']);

export class TxSender {
  private nonce: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private fees: Fees | undefined;
  private readonly receiptTimeoutMs: number;
  private readonly receiptPollMaxMs: number;
  readonly journal: TxJournal | undefined;
  readonly confirmations: number;
  private readonly gapCheckMs: number;
  /** Signed and broadcast by this sender, no receipt seen yet. */
  private readonly inflight = new Map<string, { nonce: number; raw: string }>();
  /** Journal entries settled otherwise (re-sent under a new nonce): droppable from the journal. */
  private readonly settled = new Set<string>();

  constructor(
    private readonly rpc: JsonRpc,
    readonly wallet: Wallet,
    readonly chainId: number,
    private readonly interfaces: readonly Interface[],
    options: TxSenderOptions = {},
  ) {
    this.receiptTimeoutMs = options.receiptTimeoutMs ?? 60_000;
    this.receiptPollMaxMs = options.receiptPollMaxMs ?? 100;
    this.journal = options.journal;
    this.confirmations = Math.max(1, Math.floor(options.confirmations ?? 1));
    this.gapCheckMs = options.gapCheckMs ?? 2_000;
  }

  get address(): string {
    return this.wallet.address;
  }

  /** Estimates gas; a revert is thrown decoded. */
  async estimateGas(tx: TxRequest): Promise<bigint> {
    try {
      const hex = await this.rpc.request<string>('eth_estimateGas', [{ from: this.address, to: tx.to, data: hexOf(tx.data) }]);
      return BigInt(hex);
    } catch (e) {
      if (e instanceof ChainAdapterError && e.code === 'CHAIN_UNREACHABLE') this.nonce = undefined;
      throw this.mapCallError(e, tx);
    }
  }

  /** Signs and broadcasts; resolves with the hash once the node accepted it (not mined yet). */
  async broadcast(tx: TxRequest, onSigned?: (hash: string, raw: string) => void | Promise<void>): Promise<string> {
    const estimated = tx.gasLimit ?? (await this.estimateGas(tx));
    const gasLimit = tx.gasLimit ?? estimated + estimated / 5n + 10_000n;
    return this.serial(async () => {
      for (let attempt = 0; ; attempt++) {
        // Nonce, signature, journal and broadcast under the signer lock: another process signing with
        // this key (a CLI command beside `up`) waits its turn instead of taking the same nonce.
        const locked = <T>(fn: () => Promise<T>): Promise<T> => (this.journal ? this.journal.withSignerLock(fn) : fn());
        const out = await locked(async (): Promise<{ hash: string } | { retry: true }> => {
          const nonce = await this.nextNonce();
          const fees = await this.getFees(attempt > 0);
          const { raw, hash } = signRawTransaction(this.wallet.signingKey, {
            chainId: this.chainId,
            nonce,
            to: tx.to ?? null,
            data: bytesOf(tx.data),
            gasLimit,
            ...(fees.legacy
              ? { gasPrice: fees.gasPrice }
              : { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }),
          });
          await this.journal?.append({ nonce, hash, raw, to: tx.to ?? null, data: hexOf(tx.data), gasLimit: gasLimit.toString(), contract: tx.contract, method: tx.method });
          if (onSigned) await onSigned(hash, raw);
          try {
            await this.rpc.request('eth_sendRawTransaction', [raw]);
            this.nonce = nonce + 1;
            this.inflight.set(hash, { nonce, raw });
            return { hash };
          } catch (e) {
            this.nonce = undefined; // resync from the node next time
            if (e instanceof JsonRpcFailure && /already known|already imported/i.test(e.rpcMessage)) {
              this.inflight.set(hash, { nonce, raw });
              return { hash };
            }
            // Refused by the node: it can never be mined. (Unreachable: it may have arrived; keep it.)
            if (e instanceof JsonRpcFailure) await this.journal?.abandon(hash);
            if (e instanceof JsonRpcFailure && attempt < 8 && /nonce|underpriced|fee|base fee|replacement/i.test(e.rpcMessage)) return { retry: true };
            throw e instanceof JsonRpcFailure && e.revertData ? this.mapCallError(e, tx) : e;
          }
        });
        if ('hash' in out) return out.hash;
        // A signer without a journal (no lock) took the nonce: a short, jittered pause.
        if (attempt > 0) await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
      }
    });
  }

  /** Broadcasts a pre-signed transaction again (outbox recovery). */
  async rebroadcast(raw: string, hash: string): Promise<string> {
    // Waited for like our own: a gap below it (the node lost transactions) is filled.
    const nonce = nonceOfRawTransaction(raw);
    if (nonce !== undefined && !this.inflight.has(hash)) this.inflight.set(hash, { nonce, raw });
    return this.serial(async () => {
      try {
        await this.rpc.request('eth_sendRawTransaction', [raw]);
      } catch (e) {
        if (!(e instanceof JsonRpcFailure && /already known|already imported/i.test(e.rpcMessage))) throw e;
      } finally {
        this.nonce = undefined;
      }
      return hash;
    });
  }

  /** Sends and waits for a successful receipt. */
  async send(tx: TxRequest, onSigned?: (hash: string, raw: string) => void | Promise<void>): Promise<TxReceipt> {
    const hash = await this.broadcast(tx, onSigned);
    return this.waitForReceipt(hash, tx);
  }

  /** `undefined` when the node does not know the transaction (yet). Throws decoded on a failed one. */
  async receipt(hash: string, tx?: TxRequest): Promise<TxReceipt | undefined> {
    const r = await this.rpc.request<RawReceipt | null>('eth_getTransactionReceipt', [hash]);
    if (!r) return undefined;
    if (r.status !== '0x1') throw await this.explainFailure(hash, r, tx);
    return {
      hash,
      blockNumber: Number(r.blockNumber),
      blockHash: r.blockHash,
      gasUsed: BigInt(r.gasUsed),
      contractAddress: r.contractAddress ?? undefined,
      logs: r.logs,
    };
  }

  async waitForReceipt(hash: string, tx?: TxRequest): Promise<TxReceipt> {
    const deadline = Date.now() + this.receiptTimeoutMs;
    let pause = 2;
    let gapCheckAt = Date.now() + this.gapCheckMs;
    for (;;) {
      let r: TxReceipt | undefined;
      try {
        r = await this.receipt(hash, tx);
        if (r && this.confirmations > 1) r = await this.confirmed(r, tx);
      } catch (e) {
        // The node may come back with an older state (dev chain restarted): resync the nonce then.
        if (e instanceof ChainAdapterError && e.code === 'CHAIN_UNREACHABLE') this.nonce = undefined;
        if (e instanceof ChainAdapterError && e.code === 'CHAIN_REVERTED') this.inflight.delete(hash);
        throw e;
      }
      if (r) {
        this.inflight.delete(hash);
        this.journal?.markMined(hash, r.blockNumber);
        return r;
      }
      if (Date.now() > deadline) {
        this.nonce = undefined; // e.g. a nonce gap after the node lost transactions
        throw new ChainAdapterError('CHAIN_TIMEOUT', `no receipt for ${hash} after ${this.receiptTimeoutMs} ms`, { details: { hash } });
      }
      if (Date.now() >= gapCheckAt) {
        gapCheckAt = Date.now() + this.gapCheckMs;
        await this.healGap(hash);
      }
      await new Promise((res) => setTimeout(res, pause));
      pause = Math.min(this.receiptPollMaxMs, pause * 2);
    }
  }

  /** Waits until the receipt is `confirmations` deep; `undefined` when a reorg dropped it (broadcast again). */
  private async confirmed(r: TxReceipt, tx: TxRequest | undefined): Promise<TxReceipt | undefined> {
    for (;;) {
      const head = await this.rpc.blockNumber();
      if (head - r.blockNumber + 1 >= this.confirmations) {
        const again = await this.receipt(r.hash, tx);
        if (again && again.blockHash === r.blockHash) return again;
        if (again) {
          r = again; // re-mined in another block: count from there
          continue;
        }
        const raw = this.inflight.get(r.hash)?.raw ?? this.journalEntry(r.hash)?.raw;
        if (raw) await this.rebroadcast(raw, r.hash).catch(() => undefined);
        return undefined;
      }
      await new Promise((res) => setTimeout(res, Math.min(1_000, this.receiptPollMaxMs * 5)));
    }
  }

  private journalEntry(hash: string): JournalEntry | undefined {
    return this.journal?.recoverable().find((e) => e.hash === hash);
  }

  /**
   * A transaction stuck above the chain's nonce (the node lost those below it): fill the gap, with
   * the journaled transactions of those nonces when there are any, else with no-op self-transfers.
   */
  private async healGap(hash: string): Promise<void> {
    const mine = this.inflight.get(hash);
    if (!mine) return;
    let latest: number;
    try {
      latest = Number(await this.rpc.request<string>('eth_getTransactionCount', [this.address, 'latest']));
    } catch {
      return;
    }
    if (latest >= mine.nonce) {
      // Its nonce is taken or it is next: if the node forgot it, send it again.
      if (latest === mine.nonce) await this.rebroadcast(mine.raw, hash).catch(() => undefined);
      return;
    }
    await this.serial(async () => {
      const fees = await this.getFees(true);
      for (let n = latest; n < mine.nonce; n++) {
        const journaled = this.journal?.byNonce(n) ?? [...this.inflight.values()].find((f) => f.nonce === n);
        const raw =
          journaled?.raw ??
          signRawTransaction(this.wallet.signingKey, {
            chainId: this.chainId,
            nonce: n,
            to: this.address,
            data: new Uint8Array(0),
            gasLimit: 21_000n,
            ...(fees.legacy ? { gasPrice: fees.gasPrice } : { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }),
          }).raw;
        try {
          await this.rpc.request('eth_sendRawTransaction', [raw]);
        } catch (e) {
          if (!(e instanceof JsonRpcFailure)) throw e;
          // already known / nonce taken meanwhile: the gap is closing anyway
        }
      }
      await this.rpc.request('eth_sendRawTransaction', [mine.raw]).catch(() => undefined);
      this.nonce = undefined;
    });
  }

  /**
   * Re-sends what the journal holds and the chain lacks (after a start or a node restart): in
   * nonce order, unchanged (same nonce, signature, hash) while its nonce is free; a transaction
   * whose nonce another one took is sent again as a new transaction. Resolves once all are mined.
   */
  async recover(): Promise<RecoverResult> {
    if (!this.journal) return { replayed: 0, resent: 0 };
    const entries = this.journal.recoverable().filter((e) => !this.settled.has(e.hash));
    if (entries.length === 0) return { replayed: 0, resent: 0 };
    const waits: Promise<unknown>[] = [];
    let replayed = 0;
    let resent = 0;
    await this.serial(async () => {
      const latest = Number(await this.rpc.request<string>('eth_getTransactionCount', [this.address, 'latest']));
      for (const e of entries) {
        const have = await this.rpc.request<RawReceipt | null>('eth_getTransactionReceipt', [e.hash]);
        if (have) {
          this.journal?.markMined(e.hash, Number(have.blockNumber));
          continue;
        }
        if (e.nonce >= latest) {
          try {
            await this.rpc.request('eth_sendRawTransaction', [e.raw]);
          } catch (err) {
            if (!(err instanceof JsonRpcFailure)) throw err;
            if (!/already known|already imported/i.test(err.rpcMessage)) {
              this.settled.add(e.hash); // fee no longer acceptable etc.: send anew below
              waits.push(this.resend(e));
              resent++;
              continue;
            }
          }
          this.inflight.set(e.hash, { nonce: e.nonce, raw: e.raw });
          waits.push(this.waitForReceipt(e.hash));
          replayed++;
        } else {
          this.settled.add(e.hash);
          waits.push(this.resend(e));
          resent++;
        }
      }
      this.nonce = undefined;
    });
    const results = await Promise.allSettled(waits);
    // Mined but reverted (e.g. a record that is there already, by another path): that is the chain's
    // outcome for it, as it was the first time. Only a chain that cannot be reached fails recovery.
    const failed = results.find((r) => r.status === 'rejected' && !(r.reason instanceof ChainAdapterError && REVERT_CODES.has(r.reason.code)));
    if (failed && failed.status === 'rejected') throw failed.reason;
    return { replayed, resent };
  }

  private async resend(e: JournalEntry): Promise<void> {
    const tx: TxRequest = { ...(e.to ? { to: e.to } : {}), data: e.data, gasLimit: BigInt(e.gasLimit), contract: e.contract, method: e.method };
    // Queued behind the recovery's serial section; abandon the old one once the new one is journaled.
    const hash = await this.broadcast(tx, async () => {
      await this.journal?.abandon(e.hash);
    });
    await this.waitForReceipt(hash, tx);
  }

  /**
   * Drops from the journal what the chain's persisted state holds: transactions mined at or below
   * `persistedBlock` (a dev-chain checkpoint's block, or head minus a safe depth on a real
   * network), and those re-sent under a new nonce. Returns how many were dropped.
   */
  async trimJournal(persistedBlock: number): Promise<number> {
    const journal = this.journal;
    if (!journal) return 0;
    return journal.trim(async (e) => {
      if (this.settled.has(e.hash)) return true;
      let block = journal.minedBlock(e.hash);
      if (block === undefined) {
        const r = await this.rpc.request<RawReceipt | null>('eth_getTransactionReceipt', [e.hash]);
        if (!r) return false;
        block = Number(r.blockNumber);
      }
      return block <= persistedBlock;
    });
  }

  /** Forget the cached nonce (after an external send with the same key). */
  resetNonce(): void {
    this.nonce = undefined;
  }

  private async explainFailure(hash: string, r: RawReceipt, tx: TxRequest | undefined): Promise<ChainAdapterError> {
    const ctx = { contract: tx?.contract ?? 'unknown', method: tx?.method ?? 'unknown', txHash: hash };
    if (tx) {
      // Replay at the block it failed in to recover the reason.
      try {
        await this.rpc.request('eth_call', [{ from: this.address, to: tx.to, data: hexOf(tx.data) }, r.blockNumber]);
      } catch (e) {
        if (e instanceof JsonRpcFailure && e.revertData !== undefined) return revertError(this.interfaces, e.revertData, ctx);
      }
    }
    return revertError(this.interfaces, undefined, ctx);
  }

  private mapCallError(e: unknown, tx: TxRequest): unknown {
    if (e instanceof JsonRpcFailure && (e.revertData !== undefined || /revert/i.test(e.rpcMessage))) {
      return revertError(this.interfaces, e.revertData, { contract: tx.contract, method: tx.method }, e);
    }
    return e;
  }

  /**
   * The node's pending nonce, asked before every transaction: another process may sign with the
   * same key (a CLI command beside `up`), so a cached nonce would collide. (~0.3 ms on loopback.)
   */
  private async nextNonce(): Promise<number> {
    this.nonce = Number(await this.rpc.request<string>('eth_getTransactionCount', [this.address, 'pending']));
    return this.nonce;
  }

  private async getFees(refresh: boolean): Promise<Fees> {
    const now = Date.now();
    if (!refresh && this.fees && now - this.fees.at < 5_000) return this.fees;
    const block = await this.rpc.request<{ baseFeePerGas?: string } | null>('eth_getBlockByNumber', ['latest', false]);
    if (block?.baseFeePerGas === undefined) {
      const gasPrice = BigInt(await this.rpc.request<string>('eth_gasPrice'));
      this.fees = { at: now, legacy: true, gasPrice: (gasPrice * 12n) / 10n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n };
    } else {
      let tip = 1_000_000_000n;
      try {
        tip = BigInt(await this.rpc.request<string>('eth_maxPriorityFeePerGas'));
      } catch (e) {
        if (!(e instanceof JsonRpcFailure)) throw e;
      }
      const base = BigInt(block.baseFeePerGas);
      this.fees = { at: now, legacy: false, gasPrice: 0n, maxFeePerGas: base * 3n + tip, maxPriorityFeePerGas: tip };
    }
    return this.fees;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

export function hexOf(data: string | Uint8Array): string {
  return typeof data === 'string' ? data : `0x${Buffer.from(data.buffer, data.byteOffset, data.length).toString('hex')}`;
}

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data.replace(/^0x/, ''), 'hex') : data;
}
