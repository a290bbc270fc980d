/**
 * Base class of every error thrown by `@chainm2m/chain-adapter`, with a stable string `code`.
 * Messages never contain secrets (keys, passwords, plaintexts).
 */
export type ChainAdapterErrorCode =
  /** The JSON-RPC endpoint did not answer (refused, timed out, bad gateway). */
  | 'CHAIN_UNREACHABLE'
  /** A call or transaction reverted; `details.errorName` / `details.errorArgs` hold the decoded custom error. */
  | 'CHAIN_REVERTED'
  /** The node rejected a request (bad nonce, underpriced, malformed) or answered something unexpected. */
  | 'CHAIN_RPC_ERROR'
  /** A transaction receipt did not arrive in time. */
  | 'CHAIN_TIMEOUT'
  /** No contract code at a deployment address, or a deployment file that does not fit the chain. */
  | 'CHAIN_BAD_DEPLOYMENT'
  /** The embedded dev chain could not start. */
  | 'CHAIN_DEV_START_FAILED'
  | 'NOT_FOUND'
  | 'DUPLICATE'
  | 'INVALID_INPUT'
  /** A write on a connection opened without a signer key. */
  | 'CHAIN_READ_ONLY'
  /** The adapter was closed. */
  | 'CLOSED'
  /** A sealed blob that is not in a format this version understands. */
  | 'SEAL_BAD_FORMAT'
  /** Sealed to another sealing key. */
  | 'SEAL_WRONG_KEY'
  /** Authentication failed: tampered, or moved to another record or field. */
  | 'SEAL_AUTH_FAILED'
  /** A sealing key file that cannot be read, parsed, or has unsafe permissions. */
  | 'SEAL_KEY_FILE'
  /** A malformed password verifier string. */
  | 'PASSWORD_BAD_VERIFIER'
  /** The anomaly outbox file could not be written or read. */
  | 'OUTBOX_IO';

export class ChainAdapterError extends Error {
  readonly code: ChainAdapterErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ChainAdapterErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

export function isChainAdapterError(e: unknown, code?: ChainAdapterErrorCode): e is ChainAdapterError {
  return e instanceof ChainAdapterError && (code === undefined || e.code === code);
}
