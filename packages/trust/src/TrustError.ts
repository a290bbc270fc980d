/** Base class of every error thrown by `@chainm2m/trust`, with a stable `TRUST_*` code. */
export type TrustErrorCode =
  /** A malformed evaluation, parameter or evidence record; `details.reason` names the field. */
  | 'TRUST_INVALID_INPUT'
  /** The subject has no trust record (no evaluation, no interface record). */
  | 'TRUST_NOT_FOUND'
  /** The ledger (chain) could not be read or written. */
  | 'TRUST_LEDGER_UNAVAILABLE';

export class TrustError extends Error {
  readonly code: TrustErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: TrustErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

export function isTrustError(e: unknown, code?: TrustErrorCode): e is TrustError {
  return e instanceof TrustError && (code === undefined || e.code === code);
}

export function invalidTrustInput(reason: string): TrustError {
  return new TrustError('TRUST_INVALID_INPUT', `invalid trust input: ${reason}`, { details: { reason } });
}
