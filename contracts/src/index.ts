export { ContractsError } from './ContractsError.js';
export { startAnvil, anvilBinaryPath, parsePrivateKeys, ANVIL_DEFAULT_PRIVATE_KEYS } from './anvil.js';
export type { StartAnvilOptions, AnvilInstance } from './anvil.js';
