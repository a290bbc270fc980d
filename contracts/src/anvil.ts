import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ContractsError } from './ContractsError.js';

/** Options of {@link startAnvil}. Every field is optional. */
export interface StartAnvilOptions {
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** TCP port; `0` (the default) lets the OS pick a free port. */
  port?: number;
  /** `--state <file>`: load the chain from this file if it exists, dump it there on exit. */
  stateFile?: string;
  /** `--state-interval <s>`: also dump the state every `s` seconds (survives SIGKILL). */
  stateIntervalSec?: number;
  /** `--chain-id`; anvil's default is 31337. */
  chainId?: number;
  /** `--gas-limit` (block gas limit); anvil's default is 30,000,000. */
  gasLimit?: bigint;
  /** Further command-line arguments passed to anvil verbatim. */
  extraArgs?: string[];
  /** How long to wait for the RPC to answer; default 30 s. */
  startTimeoutMs?: number;
}

/** A running anvil process. */
export interface AnvilInstance {
  /** `http://host:port`. */
  readonly rpcUrl: string;
  readonly port: number;
  readonly pid: number;
  /** The chain id the node reported (`eth_chainId`) when it became ready. */
  readonly chainId: number;
  /** Deterministic dev accounts' private keys (anvil's default mnemonic unless `extraArgs` change it). */
  readonly privateKeys: readonly string[];
  /** SIGTERM, then wait for exit (anvil dumps `--state` on the way out). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, then wait for exit (no final state dump; models a crash). Idempotent. */
  kill(): Promise<void>;
  /** Resolves when the process has exited, for whatever reason (supervision). */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

/** Private keys of anvil's default mnemonic ("test test ... junk"), accounts 0..9. Public test keys. */
export const ANVIL_DEFAULT_PRIVATE_KEYS: readonly string[] = Object.freeze([
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
]);

const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
};

let cachedBinary: string | undefined;

/**
 * Path of the anvil binary shipped in the platform package that `@foundry-rs/anvil` depends on.
 * Works without the wrapper's postinstall script. `CHAINM2M_ANVIL_BIN` overrides the lookup.
 */
export function anvilBinaryPath(): string {
  const override = process.env['CHAINM2M_ANVIL_BIN'];
  if (override) return override;
  if (cachedBinary !== undefined) return cachedBinary;
  const platformPackage = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (platformPackage === undefined) {
    throw new ContractsError('CONTRACTS_ANVIL_UNSUPPORTED_PLATFORM', `anvil has no binary for ${process.platform}-${process.arch}`);
  }
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  const fromContracts = createRequire(import.meta.url);
  const candidates: string[] = [];
  const errors: unknown[] = [];
  try {
    // The platform package is an optional dependency of the wrapper, so resolve it from there.
    const wrapperManifest = fromContracts.resolve('@foundry-rs/anvil/package.json');
    candidates.push(createRequire(wrapperManifest).resolve(`${platformPackage}/package.json`));
  } catch (err) {
    errors.push(err);
  }
  try {
    candidates.push(fromContracts.resolve(`${platformPackage}/package.json`));
  } catch (err) {
    errors.push(err);
  }
  for (const manifest of candidates) {
    const bin = join(dirname(manifest), 'bin', exe);
    if (existsSync(bin)) {
      cachedBinary = bin;
      return bin;
    }
  }
  throw new ContractsError('CONTRACTS_ANVIL_NOT_FOUND', `anvil binary not found (package ${platformPackage})`, {
    details: { candidates },
    cause: errors[0],
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: never leave an orphaned node behind when the host process exits.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

async function rpcChainId(rpcUrl: string): Promise<number> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(2_000),
  });
  const body = (await res.json()) as { result?: unknown };
  if (typeof body.result !== 'string') throw new Error('eth_chainId: no result');
  return Number.parseInt(body.result, 16);
}

const LISTENING = /Listening on ([^\s]+):(\d+)/;
const KEY_LINE = /^\s*\((\d+)\)\s+(0x[0-9a-fA-F]{64})\s*$/;

/** Parse the private keys from anvil's start-up banner (the "Private Keys" section). */
export function parsePrivateKeys(banner: string): string[] {
  const start = banner.indexOf('Private Keys');
  if (start < 0) return [];
  const keys: string[] = [];
  for (const line of banner.slice(start).split('\n').slice(2)) {
    const m = KEY_LINE.exec(line);
    if (!m) {
      if (keys.length > 0) break;
      continue;
    }
    keys.push(m[2] as string);
  }
  return keys;
}

/**
 * Start anvil on loopback and resolve once its JSON-RPC answers `eth_chainId`.
 * With `port: 0` (the default) anvil binds an ephemeral port itself and reports it, so there is
 * no pick-then-bind race.
 */
export async function startAnvil(opts: StartAnvilOptions = {}): Promise<AnvilInstance> {
  const host = opts.host ?? '127.0.0.1';
  const args = ['--host', host, '--port', String(opts.port ?? 0)];
  if (opts.stateFile !== undefined) args.push('--state', opts.stateFile);
  if (opts.stateIntervalSec !== undefined) args.push('--state-interval', String(opts.stateIntervalSec));
  if (opts.chainId !== undefined) args.push('--chain-id', String(opts.chainId));
  if (opts.gasLimit !== undefined) args.push('--gas-limit', opts.gasLimit.toString());
  if (opts.extraArgs) args.push(...opts.extraArgs);
  const timeoutMs = opts.startTimeoutMs ?? 30_000;

  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  installExitHook();
  live.add(child);

  let exited = false;
  let exitStatus: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitStatus = { code, signal };
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      exited = true;
      live.delete(child);
      resolve();
    });
  });

  let banner = '';
  let stderrTail = '';
  let listening: { host: string; port: number } | undefined;
  let notifyListening: (() => void) | undefined;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  // Keep draining both pipes for the whole life of the process: anvil logs every RPC call and
  // would block once a pipe buffer fills up.
  child.stdout.on('data', (chunk: string) => {
    if (listening) return;
    banner += chunk;
    const m = LISTENING.exec(banner);
    if (m) {
      listening = { host: m[1] as string, port: Number(m[2]) };
      notifyListening?.();
    }
  });
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4_000);
  });

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    if (exited) return;
    child.kill(signal);
    if (signal === 'SIGTERM') {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exitPromise;
      clearTimeout(timer);
    } else {
      await exitPromise;
    }
  };

  const fail = async (message: string, cause?: unknown): Promise<never> => {
    await terminate('SIGKILL');
    throw new ContractsError('CONTRACTS_ANVIL_START_FAILED', message, {
      details: { args, stderr: stderrTail.trim(), stdout: banner.slice(-2_000) },
      cause,
    });
  };

  const deadline = Date.now() + timeoutMs;
  const bound = await new Promise<boolean>((resolve) => {
    if (listening) return resolve(true);
    notifyListening = () => resolve(true);
    void exitPromise.then(() => resolve(false));
    setTimeout(() => resolve(false), timeoutMs).unref();
  });
  if (!bound || !listening) {
    return fail(exited ? `anvil exited during start-up (code ${String(child.exitCode)})` : 'anvil did not start in time');
  }
  const { port } = listening;
  const rpcHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const rpcUrl = `http://${rpcHost}:${port}`;

  let chainId: number | undefined;
  let lastError: unknown;
  for (let attempt = 0; chainId === undefined && !exited && Date.now() < deadline && attempt < 1_000; attempt++) {
    try {
      chainId = await rpcChainId(rpcUrl);
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  if (chainId === undefined) return fail('anvil RPC did not answer eth_chainId', lastError);

  const parsed = parsePrivateKeys(banner);
  const privateKeys = Object.freeze(parsed.length > 0 ? parsed : [...ANVIL_DEFAULT_PRIVATE_KEYS]);
  banner = '';
  const pid = child.pid;
  if (pid === undefined) return fail('anvil has no pid');

  return {
    rpcUrl,
    port,
    pid,
    chainId,
    privateKeys,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    exited: exitPromise.then(() => exitStatus),
  };
}
