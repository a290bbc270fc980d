/**
 * Signs and sends transactions with its own nonce management (one queue per signer), fee
 * estimation cached briefly, and receipts polled with `eth_getTransactionReceipt` (ethers'
 * `waitForTransaction` can hang on anvil). A write resolves only after its receipt; a revert
 * (at estimation or on chain) is decoded against the ABIs.
 */
import type { Interface, Wallet } from 'ethers';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { JsonRpcFailure, type JsonRpc } from './JsonRpc.js';
import { revertError } from './revert.js';
import { signRawTransaction } from './rlpTx.js';

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
}

interface Fees {
  readonly at: number;
  readonly legacy: boolean;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  readonly gasPrice: bigint;
}

export class TxSender {
  private nonce: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private fees: Fees | undefined;
  private readonly receiptTimeoutMs: number;
  private readonly receiptPollMaxMs: number;

  constructor(
    private readonly rpc: JsonRpc,
    readonly wallet: Wallet,
    readonly chainId: number,
    private readonly interfaces: readonly Interface[],
    options: TxSenderOptions = {},
  ) {
    this.receiptTimeoutMs = options.receiptTimeoutMs ?? 60_000;
    this.receiptPollMaxMs = options.receiptPollMaxMs ?? 100;
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
        if (onSigned) await onSigned(hash, raw);
        try {
          await this.rpc.request('eth_sendRawTransaction', [raw]);
          this.nonce = nonce + 1;
          return hash;
        } catch (e) {
          this.nonce = undefined; // resync from the node next time
          if (e instanceof JsonRpcFailure && attempt < 2 && /nonce|underpriced|fee|base fee|replacement/i.test(e.rpcMessage)) continue;
          if (e instanceof JsonRpcFailure && /already known|already imported/i.test(e.rpcMessage)) return hash;
          throw e instanceof JsonRpcFailure && e.revertData ? this.mapCallError(e, tx) : e;
        }
      }
    });
  }

  /** Broadcasts a pre-signed transaction again (outbox recovery). */
  async rebroadcast(raw: string, hash: string): Promise<string> {
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
    for (;;) {
      let r: TxReceipt | undefined;
      try {
        r = await this.receipt(hash, tx);
      } catch (e) {
        // The node may come back with an older state (dev chain restarted): resync the nonce then.
        if (e instanceof ChainAdapterError && e.code === 'CHAIN_UNREACHABLE') this.nonce = undefined;
        throw e;
      }
      if (r) return r;
      if (Date.now() > deadline) {
        this.nonce = undefined; // e.g. a nonce gap after the node lost transactions
        throw new ChainAdapterError('CHAIN_TIMEOUT', `no receipt for ${hash} after ${this.receiptTimeoutMs} ms`, { details: { hash } });
      }
      await new Promise((res) => setTimeout(res, pause));
      pause = Math.min(this.receiptPollMaxMs, pause * 2);
    }
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

  private async nextNonce(): Promise<number> {
    if (this.nonce === undefined) {
      this.nonce = Number(await this.rpc.request<string>('eth_getTransactionCount', [this.address, 'pending']));
    }
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
