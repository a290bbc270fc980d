/**
 * Base class of every error thrown by `@chainm2m/lwm2m`. Each error has a stable `code`
 * (`LWM2M_*`); map codes to CoAP or HTTP statuses only at the edge.
 */
export class Lwm2mError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

/** A capability the caller asked for that this implementation does not offer. */
export class NotSupportedError extends Lwm2mError {
  constructor(what: string, details?: Record<string, unknown>) {
    super('LWM2M_NOT_SUPPORTED', `not supported: ${what}`, details ? { details } : {});
  }
}
