export { ContractsError } from './ContractsError.js';
export { startAnvil, anvilBinaryPath, parsePrivateKeys, ANVIL_DEFAULT_PRIVATE_KEYS } from './anvil.js';
export type { StartAnvilOptions, AnvilInstance } from './anvil.js';
export { loadArtifact, CONTRACT_NAMES } from './artifacts.js';
export type { ContractName, ContractArtifact, AbiItem, AbiParameter } from './artifacts.js';
export { Roles, DEFAULT_ADMIN_ROLE, ADMIN_ROLE, REGISTRAR_ROLE, REPORTER_ROLE, SERVER_ROLE, EVALUATOR_ROLE } from './roles.js';
export type { RoleName } from './roles.js';
