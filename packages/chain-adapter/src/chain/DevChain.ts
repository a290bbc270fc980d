/**
 * The embedded dev chain: anvil from its npm package on loopback, its state persisted in
 * `<dataDir>/chain/anvil-state.json` (`--state`, `--state-interval 1`).
 *
 * Durability: a clean `stop()` (SIGTERM) dumps the whole state. After `kill -9` (or a power cut)
 * the chain restarts from the last periodic dump, so transactions of the last interval (up to
 * ~1 s) can be lost. Before each start the previous state file is checked and kept as
 * `anvil-state.json.bak`; a truncated state file (killed in the middle of a dump) is replaced by
 * that backup instead of failing the start.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { startAnvil, type AnvilInstance } from '@chainm2m/contracts';
import { ChainAdapterError } from '../ChainAdapterError.js';

export interface StartDevChainOptions {
  readonly dataDir: string;
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Seconds between state dumps; default 1. */
  readonly stateIntervalSec?: number;
  /** Block gas limit; default 1,000,000,000 so batched registrations fit in a block. */
  readonly gasLimit?: bigint;
  readonly chainId?: number;
  /** Further anvil arguments. */
  readonly extraArgs?: readonly string[];
}

export interface DevChain {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly pid: number;
  readonly stateFile: string;
  /** Anvil's deterministic dev keys (public test keys: never use them on a real network). */
  readonly privateKeys: readonly string[];
  /** SIGTERM: dumps the state and exits. */
  stop(): Promise<void>;
  /** SIGKILL: a crash; the state is what the last periodic dump held. */
  kill(): Promise<void>;
}

export const DEV_CHAIN_GAS_LIMIT = 1_000_000_000n;

export function devChainStateFile(dataDir: string): string {
  return join(dataDir, 'chain', 'anvil-state.json');
}

function parses(path: string): boolean {
  try {
    JSON.parse(readFileSync(path, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

function prepareStateFile(stateFile: string): void {
  const backup = `${stateFile}.bak`;
  if (!existsSync(stateFile)) return;
  if (parses(stateFile)) {
    copyFileSync(stateFile, `${backup}.tmp`);
    renameSync(`${backup}.tmp`, backup);
  } else if (existsSync(backup) && parses(backup)) {
    renameSync(stateFile, `${stateFile}.corrupt`);
    copyFileSync(backup, stateFile);
  }
}

export async function startDevChain(options: StartDevChainOptions): Promise<DevChain> {
  const stateFile = devChainStateFile(options.dataDir);
  mkdirSync(join(options.dataDir, 'chain'), { recursive: true, mode: 0o700 });
  prepareStateFile(stateFile);
  let anvil: AnvilInstance;
  try {
    anvil = await startAnvil({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      stateFile,
      stateIntervalSec: options.stateIntervalSec ?? 1,
      gasLimit: options.gasLimit ?? DEV_CHAIN_GAS_LIMIT,
      ...(options.chainId === undefined ? {} : { chainId: options.chainId }),
      extraArgs: [...(options.extraArgs ?? [])],
    });
  } catch (cause) {
    throw new ChainAdapterError('CHAIN_DEV_START_FAILED', `the dev chain did not start (state ${stateFile})`, { cause });
  }
  return {
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    pid: anvil.pid,
    stateFile,
    privateKeys: anvil.privateKeys,
    stop: () => anvil.stop(),
    kill: () => anvil.kill(),
  };
}
