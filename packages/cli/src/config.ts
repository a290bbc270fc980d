import { resolve } from 'node:path';
import { usage } from './CliError.js';
import type { Values } from './Command.js';

/** Ports and addresses: flags beat environment beat defaults. */
export interface CliConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly bsPort: number;
  readonly coapPort: number;
  readonly apiPort: number;
  readonly chainPort: number;
  /** Set when an external chain is used (`CHAIN_RPC_URL`). */
  readonly chainRpcUrl: string | undefined;
  /** Hex private key of the signer for an external chain (`CHAINM2M_SIGNER_KEY`). */
  readonly signerKey: string | undefined;
  /** Blocks deep a write must be before it is acknowledged (`--confirmations`, `CHAINM2M_CONFIRMATIONS`; default 1). */
  readonly confirmations: number;
  /** Directory of OMA DDF XML object definitions (`--models`, `CHAINM2M_MODELS`). */
  readonly modelsDir?: string | undefined;
}

export const GLOBAL_OPTIONS = {
  'data-dir': { type: 'string', help: 'data directory (env CHAINM2M_DATA_DIR, default ./data)' },
  json: { type: 'boolean', help: 'machine-readable output' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
} as const;

export const NETWORK_OPTIONS = {
  host: { type: 'string', help: 'address to listen on (env CHAINM2M_HOST, default 127.0.0.1)' },
  'bs-port': { type: 'string', help: 'bootstrap server CoAPS port (env CHAINM2M_BS_PORT, default 5784)' },
  'coap-port': { type: 'string', help: 'LwM2M server CoAPS port (env CHAINM2M_COAP_PORT, default 5684)' },
  'api-port': { type: 'string', help: 'REST API port (env CHAINM2M_API_PORT, default 8080)' },
  'chain-port': { type: 'string', help: 'embedded dev chain RPC port (env CHAINM2M_CHAIN_PORT, default 8545)' },
  confirmations: { type: 'string', help: 'blocks deep a write must be before it is acknowledged (env CHAINM2M_CONFIRMATIONS, default 1)' },
} as const;

export const MODEL_OPTIONS = {
  models: { type: 'string', help: 'directory of OMA DDF XML object definitions to load (env CHAINM2M_MODELS)' },
} as const;

function port(flag: string | boolean | undefined, env: string | undefined, fallback: number, name: string): number {
  const raw = typeof flag === 'string' ? flag : env;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw usage(`--${name} must be a port number (0-65535), got '${raw}'`);
  return n;
}

function confirmations(flag: string | boolean | undefined, env: string | undefined): number {
  const raw = typeof flag === 'string' ? flag : env;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1_000) throw usage(`--confirmations must be a number of blocks (1-1000), got '${raw}'`);
  return n;
}

export function loadConfig(values: Values, env: Readonly<Record<string, string | undefined>>): CliConfig {
  const dataDir = resolve(typeof values['data-dir'] === 'string' ? values['data-dir'] : (env['CHAINM2M_DATA_DIR'] ?? './data'));
  return {
    dataDir,
    host: typeof values['host'] === 'string' ? values['host'] : (env['CHAINM2M_HOST'] ?? '127.0.0.1'),
    bsPort: port(values['bs-port'], env['CHAINM2M_BS_PORT'], 5784, 'bs-port'),
    coapPort: port(values['coap-port'], env['CHAINM2M_COAP_PORT'], 5684, 'coap-port'),
    apiPort: port(values['api-port'], env['CHAINM2M_API_PORT'], 8080, 'api-port'),
    chainPort: port(values['chain-port'], env['CHAINM2M_CHAIN_PORT'], 8545, 'chain-port'),
    chainRpcUrl: env['CHAIN_RPC_URL'] || undefined,
    signerKey: env['CHAINM2M_SIGNER_KEY'] || undefined,
    confirmations: confirmations(values['confirmations'], env['CHAINM2M_CONFIRMATIONS']),
    modelsDir: typeof values['models'] === 'string' ? resolve(values['models']) : env['CHAINM2M_MODELS'] ? resolve(env['CHAINM2M_MODELS']) : undefined,
  };
}
