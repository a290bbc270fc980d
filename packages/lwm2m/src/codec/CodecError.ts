import { Lwm2mError } from '../Lwm2mError.js';

export const CodecErrorCode = {
  /** Bytes that do not follow the format (truncated TLV, bad JSON, bad CBOR, bad link format). */
  Malformed: 'LWM2M_CODEC_MALFORMED',
  /** A value that does not fit the resource type (text 'abc' for an integer, vs for a float). */
  TypeMismatch: 'LWM2M_CODEC_TYPE_MISMATCH',
  /** The content format cannot carry this node (text/plain for an object instance), or is unknown. */
  Unsupported: 'LWM2M_CODEC_UNSUPPORTED',
  /** Node ids or record names inconsistent with the target path. */
  PathMismatch: 'LWM2M_CODEC_PATH_MISMATCH',
} as const;
export type CodecErrorCode = (typeof CodecErrorCode)[keyof typeof CodecErrorCode];

/** Every failure of an encoder or decoder. Decoders never throw anything else. */
export class CodecError extends Lwm2mError {
  declare readonly code: CodecErrorCode;

  constructor(code: CodecErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { ...(details ? { details } : {}), ...(cause !== undefined ? { cause } : {}) });
  }
}

export function malformed(message: string, details?: Record<string, unknown>, cause?: unknown): CodecError {
  return new CodecError(CodecErrorCode.Malformed, message, details, cause);
}
