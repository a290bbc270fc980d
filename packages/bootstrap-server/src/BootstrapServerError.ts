import { Lwm2mError } from '@chainm2m/lwm2m';

/**
 * Stable error codes of `@chainm2m/bootstrap-server`. Messages are short and never carry a
 * secret (PSK or identity key bytes).
 */
export const BootstrapErrorCode = {
  /** The configuration cannot be written (e.g. an instance id out of range). */
  BadConfig: 'BS_BAD_CONFIG',
  /** A value cannot be encoded in the requested content format. */
  Encoding: 'BS_ENCODING',
  /** The server was asked to do something after `close()`. */
  Closed: 'BS_CLOSED',
} as const;

export type BootstrapErrorCode = (typeof BootstrapErrorCode)[keyof typeof BootstrapErrorCode];

/** Base class of every error thrown by the bootstrap server. */
export class BootstrapServerError extends Lwm2mError {
  constructor(code: BootstrapErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
