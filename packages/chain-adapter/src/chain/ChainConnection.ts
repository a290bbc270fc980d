/**
 * A connection to the deployed contracts: JSON-RPC (`JsonRpc`), an optional signer
 * with its own nonce management, ABI encoding/decoding and revert decoding.
 */
import { Interface, Wallet, type InterfaceAbi, type Result } from 'ethers';
import { loadArtifact, type ContractName } from '@chainm2m/contracts';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { JsonRpc, JsonRpcFailure } from './JsonRpc.js';
import { revertError } from './revert.js';
import { TxSender, type RpcLog, type TxReceipt } from './TxSender.js';
import { TxJournal } from './TxJournal.js';
import type { Deployment } from './Deployment.js';

export type { ContractName };

export interface ConnectChainOptions {
  readonly rpcUrl: string;
  /** Signer key (0x hex). Without it the connection is read-only. */
  readonly privateKey?: string;
  readonly deployment: Deployment;
  /** Per-request timeout; default 10 s. */
  readonly requestTimeoutMs?: number;
  /** How long a write waits for its receipt; default 60 s. */
  readonly receiptTimeoutMs?: number;
  /** Check that the node's chain id and the contracts' code match the deployment; default true. */
  readonly verify?: boolean;
  /**
   * Directory of the write-ahead journal of signed transactions (see `TxJournal`). With it a write
   * is acknowledged only once it is journaled and mined, and `connectChain` re-sends what the chain
   * lacks (after verifying). Without it a receipt is the acknowledgement.
   */
  readonly journalDir?: string;
  /** Blocks deep a receipt must be before a write resolves; default 1. */
  readonly confirmations?: number;
  /**
   * Re-send at connect what the journal (this process's and those of processes that are gone)
   * holds and the chain lacks; default true. A command beside a running stack leaves that to it.
   */
  readonly recover?: boolean;
}

export interface ParsedLog {
  readonly contract: ContractName;
  readonly name: string;
  readonly args: Result;
  readonly blockNumber: number;
  readonly logIndex: number;
  readonly transactionHash: string;
}

export const CONTRACT_NAMES: readonly ContractName[] = ['ClientStore', 'UserStore', 'AnomalyStore', 'TrustStore', 'AuditAnchor'];

let interfaceCache: Record<ContractName, Interface> | undefined;

/** ABIs of the contracts as ethers `Interface`s. */
export function contractInterfaces(): Readonly<Record<ContractName, Interface>> {
  if (!interfaceCache) {
    interfaceCache = Object.fromEntries(CONTRACT_NAMES.map((n) => [n, new Interface(loadArtifact(n).abi as InterfaceAbi)])) as Record<ContractName, Interface>;
  }
  return interfaceCache;
}

export class ChainConnection {
  readonly rpc: JsonRpc;
  readonly deployment: Deployment;
  readonly interfaces: Readonly<Record<ContractName, Interface>>;
  private readonly sender: TxSender | undefined;
  private readonly allInterfaces: readonly Interface[];
  private readonly byAddress: ReadonlyMap<string, ContractName>;
  private closed = false;

  constructor(options: ConnectChainOptions, journal?: TxJournal) {
    this.deployment = options.deployment;
    this.rpc = new JsonRpc(options.rpcUrl, options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs });
    this.interfaces = contractInterfaces();
    this.allInterfaces = CONTRACT_NAMES.map((n) => this.interfaces[n]);
    this.byAddress = new Map(CONTRACT_NAMES.map((n) => [options.deployment.addresses[n].toLowerCase(), n]));
    if (options.privateKey !== undefined) {
      let wallet: Wallet;
      try {
        wallet = new Wallet(options.privateKey);
      } catch {
        throw new ChainAdapterError('INVALID_INPUT', 'the signer private key is malformed');
      }
      this.sender = new TxSender(this.rpc, wallet, options.deployment.chainId, this.allInterfaces, {
        ...(options.receiptTimeoutMs === undefined ? {} : { receiptTimeoutMs: options.receiptTimeoutMs }),
        ...(journal ? { journal } : {}),
        ...(options.confirmations === undefined ? {} : { confirmations: options.confirmations }),
      });
    }
  }

  /** The signer's address; `undefined` for a read-only connection. */
  get address(): string | undefined {
    return this.sender?.address;
  }

  contractAddress(name: ContractName): string {
    return this.deployment.addresses[name];
  }

  /** Checks chain id and contract code against the deployment. */
  async verify(): Promise<void> {
    const chainId = await this.rpc.chainId();
    if (chainId !== this.deployment.chainId) {
      throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', `the node is chain ${chainId}, the deployment is for chain ${this.deployment.chainId}`);
    }
    for (const name of CONTRACT_NAMES) {
      const code = await this.rpc.request<string>('eth_getCode', [this.deployment.addresses[name], 'latest']);
      if (!code || code === '0x') {
        throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', `no ${name} contract code at ${this.deployment.addresses[name]}`);
      }
    }
  }

  encode(contract: ContractName, method: string, args: readonly unknown[]): string {
    return this.interfaces[contract].encodeFunctionData(method, args);
  }

  /** `eth_call` of a view function; resolves with the decoded result, throws decoded reverts. */
  async call(contract: ContractName, method: string, args: readonly unknown[], blockTag: number | 'latest' = 'latest'): Promise<Result> {
    this.checkOpen();
    const data = this.encode(contract, method, args);
    const raw = await this.callRaw(contract, data, method, blockTag);
    return this.interfaces[contract].decodeFunctionResult(method, raw);
  }

  /** `eth_call` returning the raw hex result. */
  async callRaw(contract: ContractName, data: string, method: string, blockTag: number | 'latest' = 'latest'): Promise<string> {
    try {
      return await this.rpc.request<string>('eth_call', [
        { to: this.deployment.addresses[contract], data },
        typeof blockTag === 'number' ? `0x${blockTag.toString(16)}` : blockTag,
      ]);
    } catch (e) {
      if (e instanceof JsonRpcFailure && (e.revertData !== undefined || /revert/i.test(e.rpcMessage))) {
        throw revertError(this.allInterfaces, e.revertData, { contract, method }, e);
      }
      throw e;
    }
  }

  /** Sends a transaction to a contract and waits for its successful receipt. */
  async send(
    contract: ContractName,
    method: string,
    args: readonly unknown[],
    options: { gasLimit?: bigint; onSigned?: (hash: string, raw: string) => void | Promise<void> } = {},
  ): Promise<TxReceipt> {
    const sender = this.signer();
    const tx = {
      to: this.deployment.addresses[contract],
      data: this.encode(contract, method, args),
      contract,
      method,
      ...(options.gasLimit === undefined ? {} : { gasLimit: options.gasLimit }),
    };
    return sender.send(tx, options.onSigned);
  }

  /** Gas estimate of a contract call (reverts are thrown decoded). */
  async estimateGas(contract: ContractName, method: string, args: readonly unknown[]): Promise<bigint> {
    return this.signer().estimateGas({ to: this.deployment.addresses[contract], data: this.encode(contract, method, args), contract, method });
  }

  /** The transaction machinery (nonce, receipts); throws for a read-only connection. */
  signer(): TxSender {
    this.checkOpen();
    if (!this.sender) throw new ChainAdapterError('CHAIN_READ_ONLY', 'this chain connection has no signer key (read-only)');
    return this.sender;
  }

  async blockNumber(): Promise<number> {
    return this.rpc.blockNumber();
  }

  async blockTimestamp(blockNumber: number): Promise<number> {
    const b = await this.rpc.request<{ timestamp: string } | null>('eth_getBlockByNumber', [`0x${blockNumber.toString(16)}`, false]);
    if (!b) throw new ChainAdapterError('CHAIN_RPC_ERROR', `block ${blockNumber} not found`);
    return Number(b.timestamp);
  }

  /**
   * Logs of the given contracts in [fromBlock, toBlock], parsed; unknown logs are skipped, and so
   * are logs of transactions `skipTx` returns true for (checked before the costly ABI parse).
   */
  async getLogs(contracts: readonly ContractName[], fromBlock: number, toBlock: number, skipTx?: (hash: string) => boolean): Promise<ParsedLog[]> {
    const raw = await this.rpc.request<RpcLog[]>('eth_getLogs', [
      {
        address: contracts.map((c) => this.deployment.addresses[c]),
        fromBlock: `0x${fromBlock.toString(16)}`,
        toBlock: `0x${toBlock.toString(16)}`,
      },
    ]);
    return this.parseLogs(skipTx ? raw.filter((l) => !skipTx(l.transactionHash)) : raw);
  }

  parseLogs(raw: readonly RpcLog[]): ParsedLog[] {
    const out: ParsedLog[] = [];
    for (const l of raw) {
      const contract = this.byAddress.get(l.address.toLowerCase());
      if (!contract) continue;
      let parsed: ReturnType<Interface['parseLog']> = null;
      try {
        parsed = this.interfaces[contract].parseLog({ topics: [...l.topics], data: l.data });
      } catch {
        parsed = null;
      }
      if (!parsed) continue;
      out.push({
        contract,
        name: parsed.name,
        args: parsed.args,
        blockNumber: Number(l.blockNumber),
        logIndex: Number(l.logIndex),
        transactionHash: l.transactionHash,
      });
    }
    out.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    return out;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rpc.destroy();
    void this.sender?.journal?.close().catch(() => undefined);
  }

  private checkOpen(): void {
    if (this.closed) throw new ChainAdapterError('CLOSED', 'the chain connection is closed');
  }
}

/** Connects to a deployment; verifies chain id and contract code (and recovers the journal) unless `verify: false`. */
export async function connectChain(options: ConnectChainOptions): Promise<ChainConnection> {
  const journal = options.journalDir !== undefined && options.privateKey !== undefined ? await TxJournal.open(options.journalDir) : undefined;
  const c = new ChainConnection(options, journal);
  if (options.verify !== false) {
    try {
      await c.verify();
      if (journal && options.recover !== false) await c.signer().recover();
    } catch (e) {
      c.close();
      throw e;
    }
  }
  return c;
}
