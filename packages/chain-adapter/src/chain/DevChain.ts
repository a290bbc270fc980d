/**
 * The embedded dev chain: anvil from its npm package on loopback, its state persisted in
 * `<dataDir>/chain/anvil-state.json`.
 *
 * Persistence is done here, not by anvil's own `--state-interval` (which rewrites the file in
 * place, so a `kill -9` mid-dump left a torn file): every `stateIntervalSec` (default 1) while
 * blocks were added, `anvil_dumpState` is written to a temp file, fsync'ed and renamed over the
 * state file (`checkpoint()`); anvil starts with `--load-state` from it. A clean `stop()`
 * checkpoints first. After `kill -9` (or a power cut) the chain restarts from the last checkpoint,
 * so the last interval's transactions are missing until the transaction journal re-sends them
 * (`TxSender.recover`); checkpoint listeners (`onCheckpoint`) trim that journal.
 *
 * A state file that does not parse (left by an older version's in-place dump) is replaced by the
 * backup `anvil-state.json.bak` taken at the previous start.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startAnvil, type AnvilInstance } from '@chainm2m/contracts';
import { ChainAdapterError } from '../ChainAdapterError.js';

export interface StartDevChainOptions {
  readonly dataDir: string;
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Seconds between checkpoints (only when blocks were added); default 1; 0 = only `checkpoint()` and `stop()`. */
  readonly stateIntervalSec?: number;
  /** Block gas limit; default 1,000,000,000 so batched registrations fit in a block. */
  readonly gasLimit?: bigint;
  readonly chainId?: number;
  /** Further anvil arguments. */
  readonly extraArgs?: readonly string[];
}

export interface DevChainCheckpoint {
  /** Every block up to this one is in the state file. */
  readonly block: number;
  readonly bytes: number;
  readonly ms: number;
}

export interface DevChain {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly pid: number;
  readonly stateFile: string;
  /** Anvil's deterministic dev keys (public test keys: never use them on a real network). */
  readonly privateKeys: readonly string[];
  /** Writes the chain's state to the state file now (atomic, fsync'ed). */
  checkpoint(): Promise<DevChainCheckpoint>;
  /** The last checkpoint written by this process (`undefined` before the first). */
  lastCheckpoint(): DevChainCheckpoint | undefined;
  /** Called after each checkpoint (journal trimming). Returns an unsubscribe function. */
  onCheckpoint(listener: (c: DevChainCheckpoint) => void): () => void;
  /** Resolves when anvil has exited, whatever the reason. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Checkpoints, then SIGTERM. */
  stop(): Promise<void>;
  /** SIGKILL: a crash; the state is what the last checkpoint held. */
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

/** Writes `data` to `path` so that `path` is always either the old or the whole new content. */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(join(path, '..'), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // not every platform can fsync a directory
  }
}

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { result?: T; error?: { message?: string } };
  if (body.error || body.result === undefined) throw new Error(`${method}: ${body.error?.message ?? 'no result'}`);
  return body.result;
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
      gasLimit: options.gasLimit ?? DEV_CHAIN_GAS_LIMIT,
      ...(options.chainId === undefined ? {} : { chainId: options.chainId }),
      extraArgs: [...(existsSync(stateFile) ? ['--load-state', stateFile] : []), ...(options.extraArgs ?? [])],
    });
  } catch (cause) {
    throw new ChainAdapterError('CHAIN_DEV_START_FAILED', `the dev chain did not start (state ${stateFile})`, { cause });
  }
  const listeners = new Set<(c: DevChainCheckpoint) => void>();
  let last: DevChainCheckpoint | undefined;
  let running: Promise<DevChainCheckpoint> | undefined;
  let dead = false;
  void anvil.exited.then(() => {
    dead = true;
  });

  const dump = async (): Promise<DevChainCheckpoint> => {
    const started = performance.now();
    // Every block up to `block` is in the dump (taken after reading it).
    const block = Number(await rpc<string>(anvil.rpcUrl, 'eth_blockNumber'));
    const hex = await rpc<string>(anvil.rpcUrl, 'anvil_dumpState');
    let data: Buffer = Buffer.from(hex.replace(/^0x/, ''), 'hex');
    if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
    writeFileAtomic(stateFile, data);
    last = { block, bytes: data.length, ms: performance.now() - started };
    for (const l of listeners) {
      try {
        l(last);
      } catch {
        // a listener's failure is its own
      }
    }
    return last;
  };
  const checkpoint = async (): Promise<DevChainCheckpoint> => {
    while (running) await running.catch(() => undefined);
    running = dump();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const intervalMs = (options.stateIntervalSec ?? 1) * 1_000;
  if (intervalMs > 0) {
    const tick = async (): Promise<void> => {
      if (dead) return;
      try {
        const head = Number(await rpc<string>(anvil.rpcUrl, 'eth_blockNumber'));
        if (last === undefined || head > last.block || head < last.block) await checkpoint();
      } catch {
        // anvil busy or gone: the next tick tries again; supervision notices an exit
      }
      if (!dead) {
        timer = setTimeout(() => void tick(), intervalMs);
        timer.unref();
      }
    };
    timer = setTimeout(() => void tick(), intervalMs);
    timer.unref();
  }
  const stopTimer = (): void => {
    dead = true;
    if (timer) clearTimeout(timer);
  };

  return {
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    pid: anvil.pid,
    stateFile,
    privateKeys: anvil.privateKeys,
    checkpoint,
    lastCheckpoint: () => last,
    onCheckpoint(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    exited: anvil.exited,
    async stop() {
      const wasDead = dead;
      stopTimer();
      while (running) await running.catch(() => undefined);
      if (!wasDead) await dump().catch(() => undefined);
      await anvil.stop();
    },
    async kill() {
      stopTimer();
      await anvil.kill();
    },
  };
}
