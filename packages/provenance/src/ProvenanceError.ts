/**
 * Base class of every error thrown by `@chainm2m/provenance`, with a stable prefixed `code`.
 * Messages never hold keys or payloads.
 */
export type ProvenanceErrorCode =
  /** A record field, a receipt or an option is malformed. */
  | 'PROV_INVALID_INPUT'
  /** The request was refused by the M2MHub policy; `details.reason` holds the verdict reason. */
  | 'PROV_REFUSED'
  /** No record, transaction or batch with this id. */
  | 'PROV_NOT_FOUND'
  /** The record is not anchored yet; `details.expectedAt` (ms since epoch) when known. */
  | 'PROV_NOT_ANCHORED'
  /** The log could not be read or written. */
  | 'PROV_LOG_IO'
  /** A segment holds something that is not a record where a record must be (not a torn tail). */
  | 'PROV_LOG_CORRUPT'
  /** The signing key file cannot be read, parsed, or has unsafe permissions. */
  | 'PROV_KEY_FILE'
  /** The log or recorder was closed. */
  | 'PROV_CLOSED';

export class ProvenanceError extends Error {
  readonly code: ProvenanceErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ProvenanceErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

export function isProvenanceError(e: unknown, code?: ProvenanceErrorCode): e is ProvenanceError {
  return e instanceof ProvenanceError && (code === undefined || e.code === code);
}
