/**
 * Deployment of the contracts and the deployment file `<dataDir>/deployment.json`:
 * `{ chainId, addresses: { ClientStore, UserStore, AnomalyStore, TrustStore }, block, deployer }`.
 * A second `deploy()` reuses the file when the node is the same chain and the code is there;
 * otherwise it deploys again (a file of another chain is kept as `deployment.json.chain-<id>.bak`).
 * A file written before a contract existed (e.g. without `AuditAnchor`) is completed: only the
 * missing contracts are deployed, the stores keep their addresses and data.
 */
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet, getAddress } from 'ethers';
import { loadArtifact } from '@chainm2m/contracts';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { CONTRACT_NAMES, contractInterfaces, type ContractName } from './ChainConnection.js';
import { JsonRpc } from './JsonRpc.js';
import { TxSender } from './TxSender.js';

export interface Deployment {
  readonly chainId: number;
  readonly addresses: Readonly<Record<ContractName, string>>;
  /** Block of the first deployment transaction (event sync starts here). */
  readonly block: number;
  readonly deployer: string;
}

export const DEPLOYMENT_FILE = 'deployment.json';

/**
 * Contracts added after the first deployments: a deployment file without them is still valid
 * (their address reads as the zero address, which has no code), and `deploy()` adds just them.
 */
const ADDED_LATER: readonly ContractName[] = ['TrustStore', 'AuditAnchor'];
const NO_ADDRESS = '0x0000000000000000000000000000000000000000';

export function deploymentFilePath(dataDir: string): string {
  return join(dataDir, DEPLOYMENT_FILE);
}

/** A deployment file; contracts added since it was written read as the zero address (`deploy()` adds them). */
export function parseDeployment(text: string): Deployment {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', 'the deployment file is not JSON');
  }
  const d = o as Partial<Record<string, unknown>>;
  const addresses = d['addresses'] as Partial<Record<string, unknown>> | undefined;
  if (
    typeof d['chainId'] !== 'number' ||
    typeof d['block'] !== 'number' ||
    typeof d['deployer'] !== 'string' ||
    !addresses ||
    !CONTRACT_NAMES.every((n) => typeof addresses[n] === 'string' || (ADDED_LATER.includes(n) && addresses[n] === undefined))
  ) {
    throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', 'the deployment file lacks chainId, block, deployer or an address');
  }
  try {
    return {
      chainId: d['chainId'],
      block: d['block'],
      deployer: getAddress(d['deployer']),
      addresses: Object.fromEntries(CONTRACT_NAMES.map((n) => [n, getAddress((addresses[n] as string | undefined) ?? NO_ADDRESS)])) as Record<ContractName, string>,
    };
  } catch {
    throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', 'the deployment file holds a malformed address');
  }
}

function readDeploymentText(dataDir: string): string | undefined {
  try {
    return readFileSync(deploymentFilePath(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', 'cannot read the deployment file', { cause: e });
  }
}

/** Reads `<dataDir>/deployment.json`; `undefined` when there is none. */
export function readDeployment(dataDir: string): Deployment | undefined {
  const text = readDeploymentText(dataDir);
  return text === undefined ? undefined : parseDeployment(text);
}

/** Writes the deployment file atomically (temp file, fsync, rename). */
export function writeDeployment(dataDir: string, deployment: Deployment): void {
  mkdirSync(dataDir, { recursive: true });
  const path = deploymentFilePath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(deployment, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export interface DeployOptions {
  readonly rpcUrl: string;
  /** Deployer key; it gets DEFAULT_ADMIN_ROLE and every role. */
  readonly privateKey: string;
  /** Where `deployment.json` lives. */
  readonly dataDir: string;
  /** Deploy again even if a usable deployment file exists. */
  readonly force?: boolean;
  readonly requestTimeoutMs?: number;
}

export interface DeployResult {
  readonly deployment: Deployment;
  /** `true` when an existing deployment was reused (nothing sent). */
  readonly reused: boolean;
  readonly path: string;
}

async function hasCode(rpc: JsonRpc, address: string): Promise<boolean> {
  const code = await rpc.request<string>('eth_getCode', [address, 'latest']);
  return typeof code === 'string' && code !== '0x' && code.length > 2;
}

/**
 * Deploys the contracts once; reuses `<dataDir>/deployment.json` when valid. When only contracts
 * added later (TrustStore) are missing, deploys just those and keeps the others.
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const rpc = new JsonRpc(options.rpcUrl, options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs });
  const path = deploymentFilePath(options.dataDir);
  try {
    const chainId = await rpc.chainId();
    const existing = readDeployment(options.dataDir);
    let keep: Partial<Record<ContractName, string>> = {};
    if (existing && !options.force && existing.chainId === chainId) {
      const missing: ContractName[] = [];
      for (const n of CONTRACT_NAMES) if (!(await hasCode(rpc, existing.addresses[n]))) missing.push(n);
      if (missing.length === 0) return { deployment: existing, reused: true, path };
      if (missing.every((n) => ADDED_LATER.includes(n))) {
        keep = Object.fromEntries(CONTRACT_NAMES.filter((n) => !missing.includes(n)).map((n) => [n, existing.addresses[n]]));
      }
    }
    let wallet: Wallet;
    try {
      wallet = new Wallet(options.privateKey);
    } catch {
      throw new ChainAdapterError('INVALID_INPUT', 'the deployer private key is malformed');
    }
    const ifaces = contractInterfaces();
    const sender = new TxSender(rpc, wallet, chainId, CONTRACT_NAMES.map((n) => ifaces[n]));
    const addresses: Partial<Record<ContractName, string>> = { ...keep };
    let block = existing && Object.keys(keep).length > 0 ? existing.block : Number.MAX_SAFE_INTEGER;
    // Broadcast all (consecutive nonces), then wait for the receipts.
    const hashes: [ContractName, string][] = [];
    for (const n of CONTRACT_NAMES.filter((c) => keep[c] === undefined)) {
      hashes.push([n, await sender.broadcast({ data: loadArtifact(n).bytecode, contract: n, method: 'constructor' })]);
    }
    for (const [n, hash] of hashes) {
      const r = await sender.waitForReceipt(hash);
      if (!r.contractAddress) throw new ChainAdapterError('CHAIN_RPC_ERROR', `deploying ${n}: the receipt has no contract address`);
      addresses[n] = getAddress(r.contractAddress);
      block = Math.min(block, r.blockNumber);
    }
    const deployment: Deployment = {
      chainId,
      addresses: addresses as Record<ContractName, string>,
      block,
      deployer: Object.keys(keep).length > 0 && existing ? existing.deployer : wallet.address,
    };
    if (existing && existing.chainId !== chainId) {
      // Keep the deployment of the other chain instead of silently losing its addresses.
      copyFileSync(path, `${path}.chain-${existing.chainId}.bak`);
    }
    writeDeployment(options.dataDir, deployment);
    return { deployment, reused: false, path };
  } finally {
    rpc.destroy();
  }
}
