import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContractsError } from './ContractsError.js';
import { CONTRACT_NAMES } from './artifacts.js';
import type { AbiItem, ContractArtifact, ContractName } from './artifacts.js';

/** Compiler settings recorded in every artifact (everything that influences the bytecode). */
export const COMPILER_SETTINGS = Object.freeze({
  optimizer: Object.freeze({ enabled: true, runs: 200 }),
  evmVersion: 'cancun',
  metadata: Object.freeze({ bytecodeHash: 'none' }),
});

const require = createRequire(import.meta.url);
const SOL_DIR = fileURLToPath(new URL('./sol/', import.meta.url));
const SOURCE_PREFIX = 'src/sol/';

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: AbiItem[]; evm: { bytecode: { object: string } } }>>;
}

interface Solc {
  version(): string;
  compile(input: string, callbacks?: { import: (path: string) => { contents: string } | { error: string } }): string;
}

/** Result of {@link compileContracts}. */
export interface CompileResult {
  artifacts: Record<ContractName, ContractArtifact>;
  warnings: string[];
}

function readImport(path: string): { contents: string } | { error: string } {
  try {
    if (path.startsWith('@openzeppelin/contracts/')) {
      const root = dirname(require.resolve('@openzeppelin/contracts/package.json'));
      return { contents: readFileSync(join(root, path.slice('@openzeppelin/contracts/'.length)), 'utf8') };
    }
    return { error: `import not allowed: ${path}` };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Compile `src/sol/*.sol` with solc-js (standard JSON, optimizer on, fixed EVM version, no
 * metadata hash) and return the artifacts in memory. Deterministic: the same sources and
 * compiler give byte-identical artifacts.
 */
export function compileContracts(): CompileResult {
  const solc = require('solc') as Solc;
  const sources: Record<string, { content: string }> = {};
  for (const file of readdirSync(SOL_DIR).filter((f) => f.endsWith('.sol')).sort()) {
    sources[SOURCE_PREFIX + file] = { content: readFileSync(join(SOL_DIR, file), 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...COMPILER_SETTINGS,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: readImport })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new ContractsError('CONTRACTS_COMPILE_FAILED', `solc failed: ${errors[0]?.formattedMessage ?? ''}`, {
      details: { errors: errors.map((e) => e.formattedMessage) },
    });
  }
  const warnings = (output.errors ?? []).filter((e) => e.severity !== 'error').map((e) => e.formattedMessage);
  const solcVersion = solc.version();
  const artifacts = {} as Record<ContractName, ContractArtifact>;
  for (const name of CONTRACT_NAMES) {
    const compiled = output.contracts?.[`${SOURCE_PREFIX}${name}.sol`]?.[name];
    if (!compiled) throw new ContractsError('CONTRACTS_COMPILE_FAILED', `solc produced no ${name}`);
    artifacts[name] = {
      contractName: name,
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      solcVersion,
      settings: COMPILER_SETTINGS,
    };
  }
  return { artifacts, warnings };
}

/** The exact text written to `artifacts/<name>.json`. */
export function serializeArtifact(artifact: ContractArtifact): string {
  return `${JSON.stringify(artifact, null, 2)}\n`;
}
