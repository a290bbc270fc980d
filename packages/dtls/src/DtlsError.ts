/** The one error class of `@chainm2m/dtls`, with a stable string `code`. Messages never carry key material. */
export type DtlsErrorCode =
  | 'DTLS_BAD_RECORD'
  | 'DTLS_DECODE'
  | 'DTLS_NO_SESSION'
  | 'DTLS_HANDSHAKE_FAILED'
  | 'DTLS_HANDSHAKE_TIMEOUT'
  | 'DTLS_ALERT'
  | 'DTLS_CLOSED'
  | 'DTLS_BAD_OPTIONS'
  | 'DTLS_TOO_LARGE';

export class DtlsError extends Error {
  override readonly name = 'DtlsError';
  readonly code: DtlsErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DtlsErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = details;
  }
}
