/**
 * Base class of every error thrown by `@chainm2m/contracts`. Each error has a stable `code`
 * (`CONTRACTS_*`), a short message, optional details and a `cause`.
 */
export class ContractsError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}
