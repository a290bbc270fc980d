/**
 * Deployment of the contracts and the deployment file `<dataDir>/deployment.json`:
 * `{ chainId, addresses: { ClientStore, UserStore, AnomalyStore }, block, deployer }`.
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

export function deploymentFilePath(dataDir: string): string {
  return join(dataDir, DEPLOYMENT_FILE);
}

export function parseDeployment(text: string): Deployment {
  const d = parsePartialDeployment(text);
  const missing = CONTRACT_NAMES.filter((n) => d.addresses[n] === undefined);
  if (missing.length > 0) {
    throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', `the deployment file lacks the address of ${missing.join(', ')} (run deploy to add it)`);
  }
  return d as Deployment;
}

type PartialDeployment = Omit<Deployment, 'addresses'> & { readonly addresses: Partial<Record<ContractName, string>> };

/** A deployment file that may lack contracts added since it was written. */
function parsePartialDeployment(text: string): PartialDeployment {
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
    !CONTRACT_NAMES.every((n) => addresses[n] === undefined || typeof addresses[n] === 'string') ||
    !CONTRACT_NAMES.some((n) => typeof addresses[n] === 'string')
  ) {
    throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', 'the deployment file lacks chainId, block, deployer or an address');
  }
  try {
    return {
      chainId: d['chainId'],
      block: d['block'],
      deployer: getAddress(d['deployer']),
      addresses: Object.fromEntries(
        CONTRACT_NAMES.filter((n) => typeof addresses[n] === 'string').map((n) => [n, getAddress(addresses[n] as string)]),
      ) as Partial<Record<ContractName, string>>,
    };
  } catch {
    throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', 'the deployment file holds a malformed address');
  }
}

function readPartialDeployment(dataDir: string): PartialDeployment | undefined {
  const text = readDeploymentText(dataDir);
  return text === undefined ? undefined : parsePartialDeployment(text);
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

/** Deploys ClientStore, UserStore and AnomalyStore once; reuses `<dataDir>/deployment.json` when valid. */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const rpc = new JsonRpc(options.rpcUrl, options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs });
  const path = deploymentFilePath(options.dataDir);
  try {
    const chainId = await rpc.chainId();
    const existing = readPartialDeployment(options.dataDir);
    // Contracts of the existing file still on this chain are kept; the others are deployed.
    const kept: Partial<Record<ContractName, string>> = {};
    if (existing && !options.force && existing.chainId === chainId) {
      let complete = true;
      for (const n of CONTRACT_NAMES) {
        const a = existing.addresses[n];
        if (a !== undefined && (await hasCode(rpc, a))) kept[n] = a;
        else complete = false;
      }
      if (complete) return { deployment: existing as Deployment, reused: true, path };
      // A store that lost its code means another chain state: deploy everything again.
      if (CONTRACT_NAMES.some((n) => existing.addresses[n] !== undefined && kept[n] === undefined)) {
        for (const n of CONTRACT_NAMES) delete kept[n];
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
    const addresses: Partial<Record<ContractName, string>> = { ...kept };
    const keptAny = Object.keys(kept).length > 0;
    let block = keptAny && existing ? existing.block : Number.MAX_SAFE_INTEGER;
    // Broadcast all missing ones (consecutive nonces), then wait for the receipts.
    const hashes: [ContractName, string][] = [];
    for (const n of CONTRACT_NAMES) {
      if (kept[n] !== undefined) continue;
      hashes.push([n, await sender.broadcast({ data: loadArtifact(n).bytecode, contract: n, method: 'constructor' })]);
    }
    for (const [n, hash] of hashes) {
      const r = await sender.waitForReceipt(hash);
      if (!r.contractAddress) throw new ChainAdapterError('CHAIN_RPC_ERROR', `deploying ${n}: the receipt has no contract address`);
      addresses[n] = getAddress(r.contractAddress);
      if (!keptAny) block = Math.min(block, r.blockNumber);
    }
    const deployment: Deployment = {
      chainId,
      addresses: addresses as Record<ContractName, string>,
      block,
      deployer: keptAny && existing ? existing.deployer : wallet.address,
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
