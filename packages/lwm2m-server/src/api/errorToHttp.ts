import { ApiErrorCode, Lwm2mServerErrorCode } from '../Lwm2mServerError.js';
import { validationProblem } from './strictInput.js';

export interface HttpError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterSec?: number;
  readonly field?: string;
}

/** Seconds a 503 asks the caller to wait. */
const RETRY_AFTER_SEC = 5;

/**
 * The one code -> HTTP status table of the REST edge, by exact code: this package's codes (every
 * one of them, a test checks), and those of the packages whose errors reach a route
 * (`@chainm2m/lwm2m` stores, paths and codecs, `@chainm2m/chain-adapter`, `@chainm2m/dtls`). An
 * error whose code is not here is a 500 `API_INTERNAL`, logged, its message withheld.
 * `SRV_DEVICE_ERROR` is mapped by the device's CoAP code (`DEVICE_COAP_STATUS`).
 */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  [ApiErrorCode.BadRequest]: 400,
  [ApiErrorCode.Unauthorized]: 401,
  [ApiErrorCode.Forbidden]: 403,
  [ApiErrorCode.NotFound]: 404,
  [ApiErrorCode.RateLimited]: 429,
  [Lwm2mServerErrorCode.InvalidField]: 400,
  [Lwm2mServerErrorCode.BadRequest]: 400,
  [Lwm2mServerErrorCode.UnknownEndpoint]: 404,
  [Lwm2mServerErrorCode.EndpointExists]: 409,
  [Lwm2mServerErrorCode.UnknownUser]: 404,
  [Lwm2mServerErrorCode.UserExists]: 409,
  [Lwm2mServerErrorCode.NotReadableYet]: 503,
  [Lwm2mServerErrorCode.DeviceNotRegistered]: 404,
  [Lwm2mServerErrorCode.DeviceTimeout]: 504,
  [Lwm2mServerErrorCode.DeviceError]: 502,
  [Lwm2mServerErrorCode.DeviceUnreachable]: 502,
  [Lwm2mServerErrorCode.QueueFull]: 503,
  [Lwm2mServerErrorCode.UnsupportedContentFormat]: 415,
  [Lwm2mServerErrorCode.BadResponse]: 502,
  [Lwm2mServerErrorCode.ObservationNotFound]: 404,
  [Lwm2mServerErrorCode.NotSupported]: 501,
  [Lwm2mServerErrorCode.ServerClosed]: 503,
  [Lwm2mServerErrorCode.StoreFailure]: 500,
  // @chainm2m/lwm2m
  LWM2M_INVALID_PATH: 400,
  LWM2M_INVALID_VALUE: 400,
  LWM2M_INVALID_REQUEST: 400,
  LWM2M_INVALID_MODEL: 400,
  LWM2M_CODEC_MALFORMED: 400,
  LWM2M_CODEC_PATH_MISMATCH: 400,
  LWM2M_CODEC_TYPE_MISMATCH: 400,
  LWM2M_CODEC_UNSUPPORTED: 415,
  LWM2M_NOT_SUPPORTED: 501,
  LWM2M_STORE_DUPLICATE: 409,
  LWM2M_STORE_NOT_FOUND: 404,
  LWM2M_STORE_INVALID: 400,
  COAP_TIMEOUT: 504,
  COAP_RESET: 502,
  COAP_SEND_FAILED: 502,
  COAP_BLOCK_FAILED: 502,
  COAP_BAD_MESSAGE: 502,
  COAP_PEER_FORGOTTEN: 502,
  COAP_CLOSED: 503,
  DTLS_HANDSHAKE_FAILED: 502,
  // provenance: a request the transaction rules refuse (recorded as invalid with the reason)
  PROV_REFUSED: 403,
  PROV_INVALID_INPUT: 400,
  PROV_NOT_FOUND: 404,
  PROV_NOT_ANCHORED: 404,
  PROV_CLOSED: 503,
  PROV_LOG_IO: 503,
  PROV_LOG_CORRUPT: 500,
  PROV_KEY_FILE: 500,
  // @chainm2m/trust
  TRUST_INVALID_INPUT: 400,
  TRUST_NOT_FOUND: 404,
  TRUST_LEDGER_UNAVAILABLE: 503,
  // @chainm2m/chain-adapter
  CHAIN_UNREACHABLE: 503,
  CHAIN_TIMEOUT: 503,
  CHAIN_RPC_ERROR: 503,
  CHAIN_READ_ONLY: 503,
  CHAIN_DEV_START_FAILED: 503,
  CLOSED: 503,
  OUTBOX_IO: 503,
  NOT_FOUND: 404,
  DUPLICATE: 409,
  INVALID_INPUT: 400,
};

/** Chain codes whose messages may carry RPC internals (URLs, socket errors): a fixed sentence instead. */
const CHAIN_DOWN = new Set(['CHAIN_UNREACHABLE', 'CHAIN_TIMEOUT', 'CHAIN_RPC_ERROR', 'CHAIN_DEV_START_FAILED', 'CLOSED']);

/** A device's CoAP error answer (`SRV_DEVICE_ERROR`), as an HTTP status; anything else is 502. */
export const DEVICE_COAP_STATUS: Readonly<Record<string, number>> = {
  '4.00': 400,
  '4.01': 403,
  '4.02': 400,
  '4.03': 403,
  '4.04': 404,
  '4.05': 405,
  '4.06': 406,
  '4.08': 400,
  '4.09': 409,
  '4.12': 412,
  '4.13': 413,
  '4.15': 415,
};

interface CodedError {
  code?: unknown;
  message?: unknown;
  details?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

/**
 * Maps any error to an HTTP answer by the exact tables above. Messages of unknown errors are not
 * passed on (they may carry internals); coded errors' messages are ours and never contain secrets.
 */
export function errorToHttp(err: unknown): HttpError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as CodedError;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : 'error';
  const details = (typeof e.details === 'object' && e.details !== null ? e.details : {}) as Record<string, unknown>;
  const field = typeof details['field'] === 'string' ? details['field'] : undefined;
  if (e.validation !== undefined) {
    // fastify schema validation: the field and a message naming it, e.g. "body/clearance must be integer".
    const problem = validationProblem(e);
    return { status: 400, code: ApiErrorCode.BadRequest, message: problem.message, field: problem.field };
  }
  if (code === Lwm2mServerErrorCode.DeviceError) {
    const coap = typeof details['coapCode'] === 'string' ? details['coapCode'] : '';
    return { status: DEVICE_COAP_STATUS[coap] ?? 502, code, message };
  }
  const status = HTTP_STATUS[code];
  if (status !== undefined) {
    const retry = typeof details['retryAfterSec'] === 'number' ? details['retryAfterSec'] : status === 503 ? RETRY_AFTER_SEC : undefined;
    return {
      status,
      code,
      message: CHAIN_DOWN.has(code) ? 'the chain is unreachable; retry later' : message,
      ...(field ? { field } : {}),
      ...(retry !== undefined ? { retryAfterSec: retry } : {}),
    };
  }
  // fastify's own refusals (FST_ERR_CTP_INVALID_MEDIA_TYPE 415, FST_ERR_CTP_BODY_TOO_LARGE 413,
  // malformed JSON 400, ...) carry their status.
  if (code.startsWith('FST_') && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, code, message };
  }
  return { status: 500, code: 'API_INTERNAL', message: 'internal error' };
}
