import { readFileSync } from 'node:fs';
import { ContractsError } from './ContractsError.js';

/** The deployable contracts. */
export const CONTRACT_NAMES = ['ClientStore', 'UserStore', 'AnomalyStore', 'TrustStore', 'AuditAnchor'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** One ABI parameter (structurally compatible with ethers' `JsonFragmentType`). */
export interface AbiParameter {
  readonly name?: string;
  readonly type?: string;
  readonly internalType?: string;
  readonly indexed?: boolean;
  readonly components?: readonly AbiParameter[];
}

/** One ABI entry (structurally compatible with ethers' `JsonFragment`). */
export interface AbiItem {
  readonly type?: string;
  readonly name?: string;
  readonly anonymous?: boolean;
  readonly stateMutability?: string;
  readonly inputs?: readonly AbiParameter[];
  readonly outputs?: readonly AbiParameter[];
}

/** Contents of `artifacts/<Name>.json`. */
export interface ContractArtifact {
  readonly contractName: ContractName;
  readonly abi: readonly AbiItem[];
  /** Creation bytecode, 0x-prefixed. The constructors take no arguments. */
  readonly bytecode: string;
  readonly solcVersion: string;
  readonly settings: Readonly<Record<string, unknown>>;
}

const cache = new Map<ContractName, ContractArtifact>();

/** Load the committed artifact of `name` (ABI + creation bytecode). Cached. */
export function loadArtifact(name: ContractName): ContractArtifact {
  const hit = cache.get(name);
  if (hit) return hit;
  if (!(CONTRACT_NAMES as readonly string[]).includes(name)) {
    throw new ContractsError('CONTRACTS_UNKNOWN_CONTRACT', `unknown contract ${String(name)}`);
  }
  let artifact: ContractArtifact;
  try {
    artifact = JSON.parse(readFileSync(new URL(`../artifacts/${name}.json`, import.meta.url), 'utf8')) as ContractArtifact;
  } catch (err) {
    throw new ContractsError('CONTRACTS_ARTIFACT_MISSING', `cannot read artifact ${name}; run pnpm --filter @chainm2m/contracts build`, {
      cause: err,
    });
  }
  cache.set(name, artifact);
  return artifact;
}
