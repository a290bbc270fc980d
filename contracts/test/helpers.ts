import { Contract, ContractFactory, JsonRpcProvider, Network, Wallet, isCallException } from 'ethers';
import type { ContractTransactionResponse, Interface, LogDescription, Result, TransactionReceipt } from 'ethers';
import { expect } from 'vitest';
import { loadArtifact, startAnvil } from '../src/index.js';
import type { AnvilInstance, ContractName, StartAnvilOptions } from '../src/index.js';

/** One anvil, a provider tuned as in DESIGN.md, and the ten dev wallets. */
export interface Chain {
  anvil: AnvilInstance;
  provider: JsonRpcProvider;
  wallets: Wallet[];
  /** Take a snapshot; `revert()` returns to it. */
  snapshot(): Promise<string>;
  revert(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function startChain(opts: StartAnvilOptions = {}): Promise<Chain> {
  const anvil = await startAnvil(opts);
  const network = Network.from(anvil.chainId);
  const provider = new JsonRpcProvider(anvil.rpcUrl, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    batchMaxCount: 1,
    pollingInterval: 20,
  });
  const wallets = anvil.privateKeys.map((k) => new Wallet(k, provider));
  return {
    anvil,
    provider,
    wallets,
    snapshot: async () => (await provider.send('evm_snapshot', [])) as string,
    revert: async (id) => {
      const ok = (await provider.send('evm_revert', [id])) as boolean;
      if (!ok) throw new Error(`evm_revert ${id} failed`);
    },
    close: async () => {
      provider.destroy();
      await anvil.kill();
    },
  };
}

/** Poll for a receipt (ethers' wait() can hang on anvil); throws if the tx reverted. */
export async function receiptOf(provider: JsonRpcProvider, hash: string): Promise<TransactionReceipt> {
  for (let i = 0; i < 1_000; i++) {
    const r = await provider.getTransactionReceipt(hash);
    if (r) {
      if (r.status !== 1) {
        const trace = (await provider.send('debug_traceTransaction', [hash, { disableStorage: true, disableMemory: true }])) as {
          gas?: number;
          returnValue?: string;
          structLogs?: { op: string; gas: number; error?: string }[];
        };
        const last = trace.structLogs?.at(-1);
        throw new Error(`tx ${hash} reverted (gasUsed ${r.gasUsed}, last op ${last?.op ?? '?'} ${last?.error ?? ''}, return ${trace.returnValue ?? ''})`);
      }
      return r;
    }
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`no receipt for ${hash}`);
}

export async function deploy(name: ContractName, signer: Wallet): Promise<Contract> {
  const { abi, bytecode } = loadArtifact(name);
  const factory = new ContractFactory(abi, bytecode, signer);
  const tx = await factory.getDeployTransaction();
  const sent = await signer.sendTransaction(tx);
  const receipt = await receiptOf(signer.provider as JsonRpcProvider, sent.hash);
  if (!receipt.contractAddress) throw new Error('no contract address');
  return new Contract(receipt.contractAddress, abi, signer);
}

/** Send `method(...args)` from `contract`'s signer and wait for the receipt. */
export async function send(contract: Contract, method: string, ...args: unknown[]): Promise<TransactionReceipt> {
  const tx = (await contract.getFunction(method).send(...args)) as ContractTransactionResponse;
  return receiptOf(contract.runner?.provider as JsonRpcProvider, tx.hash);
}

/** Assert that `promise` reverts with custom error `name` and exactly `args`. */
export async function expectRevert(promise: Promise<unknown>, iface: Interface, name: string, args: unknown[]): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error, `expected revert ${name}`).toBeDefined();
  expect(isCallException(error), String(error)).toBe(true);
  const data = (error as { data?: string }).data;
  expect(data, 'revert data').toBeTypeOf('string');
  const parsed = iface.parseError(data as string);
  expect(parsed?.name).toBe(name);
  expect(toPlain(parsed?.args)).toEqual(args);
}

/** Events named `name` emitted by `contract` in `receipt`, in log order. */
export function eventsOf(receipt: TransactionReceipt, contract: Contract, name: string): LogDescription[] {
  const address = (contract.target as string).toLowerCase();
  const out: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed && parsed.name === name) out.push(parsed);
  }
  return out;
}

/** Deep-convert ethers Results into plain arrays (positional). */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value as unknown[], (v) => toPlain(v));
  return value;
}

/** Named object view of a Result (deep). */
export function toObject(value: Result): Record<string, unknown> {
  return value.toObject(true);
}

export async function blockTime(provider: JsonRpcProvider, blockNumber: number): Promise<bigint> {
  const block = await provider.getBlock(blockNumber);
  if (!block) throw new Error(`no block ${blockNumber}`);
  return BigInt(block.timestamp);
}
