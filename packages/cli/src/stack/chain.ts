import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ANVIL_DEFAULT_PRIVATE_KEYS } from '@chainm2m/contracts';
import {
  ChainAnomalyLog,
  ChainSecurityStore,
  ChainUserDirectory,
  connectChain,
  createPasswordVerifier,
  loadOrCreateSealingKeyFile,
  loadSealingKeyFile,
  readDeployment,
  verifyPassword,
  type ChainConnection,
  type SealingKeyPair,
} from '@chainm2m/chain-adapter';
import { SystemRandom } from '@chainm2m/lwm2m';
import { EndpointService, UserService, type EndpointDefaults, type PasswordHasher } from '@chainm2m/lwm2m-server';
import { CliError } from '../CliError.js';
import type { Management } from '../Command.js';
import type { CliConfig } from '../config.js';
import { stackLockHolder } from './stackLock.js';

export const SEALING_KEY_FILE = 'sealing-key.json';

/** The write-ahead journal of signed transactions, one file per process. */
export function txJournalDir(dataDir: string): string {
  return join(dataDir, 'chain', 'tx-journal');
}
export const RUNTIME_FILE = 'runtime.json';

/** Written by `up` while it runs, so other commands find the chain and the ports. */
export interface Runtime {
  readonly pid: number;
  readonly chainRpcUrl: string;
  readonly embeddedChain: boolean;
  /** The embedded dev chain's pid (changes when the supervisor restarts it). */
  readonly chainPid?: number;
  readonly host: string;
  readonly ports: { readonly bootstrap?: number; readonly coaps?: number; readonly api?: number; readonly chain?: number };
  readonly startedAt: string;
}

export function readRuntime(dataDir: string): Runtime | undefined {
  try {
    const r = JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as Runtime;
    // A file left by a process that is gone says nothing about what runs now.
    try {
      process.kill(r.pid, 0);
    } catch {
      return undefined;
    }
    return r;
  } catch {
    return undefined;
  }
}

export function writeRuntime(dataDir: string, runtime: Runtime): void {
  writeFileSync(join(dataDir, RUNTIME_FILE), `${JSON.stringify(runtime, null, 2)}\n`);
}

export function removeRuntime(dataDir: string): void {
  rmSync(join(dataDir, RUNTIME_FILE), { force: true });
}

/** The chain RPC URL commands use: `CHAIN_RPC_URL`, else the running `up`'s chain, else the default port. */
export function chainRpcUrlFor(config: CliConfig): { rpcUrl: string; embedded: boolean } {
  if (config.chainRpcUrl) return { rpcUrl: config.chainRpcUrl, embedded: false };
  const runtime = readRuntime(config.dataDir);
  return { rpcUrl: runtime?.chainRpcUrl ?? `http://127.0.0.1:${config.chainPort}`, embedded: true };
}

/** The signer: `CHAINM2M_SIGNER_KEY`, or anvil's first dev key for the embedded dev chain only. */
export function signerKeyFor(config: CliConfig, embedded: boolean): string {
  if (config.signerKey) return config.signerKey;
  if (embedded) return ANVIL_DEFAULT_PRIVATE_KEYS[0] as string;
  throw new CliError('CLI_BAD_INPUT', 'CHAIN_RPC_URL is set: set CHAINM2M_SIGNER_KEY to the private key of an account holding the contracts’ roles');
}

export const hasher: PasswordHasher = { hash: (p) => createPasswordVerifier(p), verify: verifyPassword };

/**
 * Where devices are sent: `CHAINM2M_BOOTSTRAP_URI` / `CHAINM2M_SERVER_URI`, else the servers of
 * the running `up` (its actual ports), else the configured ports.
 */
export function endpointDefaults(
  config: CliConfig,
  env: Readonly<Record<string, string | undefined>>,
  ports: { readonly bootstrap?: number | undefined; readonly coaps?: number | undefined } = readRuntime(config.dataDir)?.ports ?? {},
): EndpointDefaults {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    bootstrapServerUri: env['CHAINM2M_BOOTSTRAP_URI'] || `coaps://${host}:${ports.bootstrap ?? config.bsPort}`,
    serverUri: env['CHAINM2M_SERVER_URI'] || `coaps://${host}:${ports.coaps ?? config.coapPort}`,
    shortServerId: 1,
    lifetime: 300,
    binding: 'U',
    clearance: 0,
  };
}

export interface ChainStores {
  readonly connection: ChainConnection;
  readonly sealingKey: SealingKeyPair;
  readonly security: ChainSecurityStore;
  readonly users: ChainUserDirectory;
  readonly anomalies: ChainAnomalyLog;
  close(): Promise<void>;
}

/** Connects to the deployed contracts and opens the chain-backed stores. */
export async function openChainStores(
  config: CliConfig,
  opts: { rpcUrl: string; privateKey: string; createSealingKey: boolean; pollIntervalMs?: number; preload?: boolean; recoverJournal?: boolean },
): Promise<ChainStores> {
  const deployment = readDeployment(config.dataDir);
  if (!deployment) {
    throw new CliError('CLI_NOT_DEPLOYED', `no deployment in ${config.dataDir}: run 'chainm2m up' (embedded dev chain) or 'chainm2m deploy' first`);
  }
  const keyPath = join(config.dataDir, SEALING_KEY_FILE);
  if (!opts.createSealingKey && !existsSync(keyPath)) {
    throw new CliError('CLI_NOT_DEPLOYED', `no sealing key at ${keyPath}: run 'chainm2m up' once to create it`);
  }
  mkdirSync(config.dataDir, { recursive: true });
  const sealingKey = opts.createSealingKey ? loadOrCreateSealingKeyFile(keyPath).keyPair : loadSealingKeyFile(keyPath);
  let connection: ChainConnection;
  try {
    connection = await connectChain({
      rpcUrl: opts.rpcUrl,
      privateKey: opts.privateKey,
      deployment,
      requestTimeoutMs: 5_000,
      // Every signed transaction is journaled (fsync) before it is sent: an acknowledged write
      // survives a chain that loses its last seconds (see TxJournal).
      journalDir: txJournalDir(config.dataDir),
      confirmations: config.confirmations,
      recover: opts.recoverJournal ?? true,
    });
  } catch (err) {
    throw new CliError('CLI_CHAIN_UNREACHABLE', `cannot reach the chain at ${opts.rpcUrl} (${(err as Error).message}); is 'chainm2m up' running?`, { cause: err });
  }
  const security = await ChainSecurityStore.open({ connection, sealingKey, pollIntervalMs: opts.pollIntervalMs ?? 0, preload: opts.preload ?? true });
  const users = new ChainUserDirectory({ connection, sealingKey });
  const anomalies = await ChainAnomalyLog.open({ connection, dataDir: config.dataDir });
  return {
    connection,
    sealingKey,
    security,
    users,
    anomalies,
    async close() {
      security.close();
      await anomalies.close();
      connection.close();
    },
  };
}

/**
 * The anomaly log when the chain cannot be reached: records go to this data directory's outbox
 * (or, while `up` owns the outbox, to its spool) and are sent once the chain is back.
 */
export async function openOfflineAnomalyLog(config: CliConfig): Promise<{ log: ChainAnomalyLog; close(): Promise<void> }> {
  const deployment = readDeployment(config.dataDir);
  if (!deployment) {
    throw new CliError('CLI_NOT_DEPLOYED', `no deployment in ${config.dataDir}: run 'chainm2m up' (embedded dev chain) or 'chainm2m deploy' first`);
  }
  const { rpcUrl, embedded } = chainRpcUrlFor(config);
  const connection = await connectChain({ rpcUrl, privateKey: signerKeyFor(config, embedded), deployment, requestTimeoutMs: 2_000, verify: false });
  const log = await ChainAnomalyLog.open({ connection, dataDir: config.dataDir, commitWaitMs: 2_000 });
  return {
    log,
    async close() {
      await log.close();
      connection.close();
    },
  };
}

/** The management services on the chain the CLI finds (used by endpoints/users/anomalies commands). */
export async function openManagement(config: CliConfig, io: { env: Readonly<Record<string, string | undefined>> }): Promise<Management> {
  const { rpcUrl, embedded } = chainRpcUrlFor(config);
  // A command is short-lived: no full cache load, lookups and listings ask the chain.
  // While `up` runs it re-sends what dead processes journaled; a command does it only on its own.
  const stores = await openChainStores(config, {
    rpcUrl,
    privateKey: signerKeyFor(config, embedded),
    createSealingKey: false,
    preload: false,
    recoverJournal: stackLockHolder(config.dataDir) === undefined,
  });
  return {
    endpoints: new EndpointService(stores.security, endpointDefaults(config, io.env), SystemRandom, stores.connection.address ?? 'cli'),
    users: new UserService(stores.users, hasher),
    anomalies: stores.anomalies,
    close: () => stores.close(),
  };
}
