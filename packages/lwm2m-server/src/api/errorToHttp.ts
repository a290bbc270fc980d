import { ApiErrorCode } from './ApiError.js';

export interface HttpError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterSec?: number;
  readonly field?: string;
}

const API_STATUS: Record<string, number> = {
  [ApiErrorCode.BadRequest]: 400,
  [ApiErrorCode.Unauthorized]: 401,
  [ApiErrorCode.Forbidden]: 403,
  [ApiErrorCode.NotFound]: 404,
  [ApiErrorCode.Conflict]: 409,
  [ApiErrorCode.RateLimited]: 429,
  [ApiErrorCode.Unavailable]: 503,
};

/** Codes of `@chainm2m/lwm2m-server`'s Lwm2mServerError. */
const SERVER_STATUS: Record<string, number> = {
  DEVICE_NOT_REGISTERED: 404,
  DEVICE_TIMEOUT: 504,
  DEVICE_UNREACHABLE: 502,
  DEVICE_QUEUE_FULL: 503,
  BAD_REQUEST: 400,
  UNSUPPORTED_CONTENT_FORMAT: 415,
  BAD_RESPONSE: 502,
  OBSERVATION_NOT_FOUND: 404,
  NOT_SUPPORTED: 501,
  SERVER_CLOSED: 503,
};

/** A device's CoAP error answer, as an HTTP status. */
function coapToHttp(coapCode: string | undefined): number {
  switch (coapCode) {
    case '4.00':
    case '4.02':
      return 400;
    case '4.01':
    case '4.03':
      return 403;
    case '4.04':
      return 404;
    case '4.05':
      return 405;
    case '4.06':
      return 406;
    case '4.13':
      return 413;
    case '4.15':
      return 415;
    default:
      return 502;
  }
}

interface CodedError {
  code?: unknown;
  message?: unknown;
  details?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

/**
 * Maps any error to an HTTP answer. Only here do error codes meet HTTP statuses. Messages of
 * unknown errors are not passed on (they may carry internals); coded errors' messages are ours
 * and never contain secrets.
 */
export function errorToHttp(err: unknown): HttpError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as CodedError;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : 'error';
  const details = (typeof e.details === 'object' && e.details !== null ? e.details : {}) as Record<string, unknown>;
  const field = typeof details['field'] === 'string' ? details['field'] : undefined;
  if (e.validation !== undefined) {
    // fastify schema validation: the message names the field, e.g. "body/username must be string".
    return { status: 400, code: ApiErrorCode.BadRequest, message, ...(field ? { field } : {}) };
  }
  if (code in API_STATUS) {
    const retry = typeof details['retryAfterSec'] === 'number' ? details['retryAfterSec'] : code === ApiErrorCode.Unavailable ? 5 : undefined;
    return { status: API_STATUS[code] as number, code, message, ...(field ? { field } : {}), ...(retry !== undefined ? { retryAfterSec: retry } : {}) };
  }
  if (code === 'DEVICE_ERROR') {
    const coap = typeof details['coapCode'] === 'string' ? details['coapCode'] : undefined;
    return { status: coapToHttp(coap), code, message };
  }
  if (code in SERVER_STATUS) {
    const status = SERVER_STATUS[code] as number;
    return { status, code, message, ...(status === 503 ? { retryAfterSec: 5 } : {}) };
  }
  if (code === 'PROV_REFUSED') return { status: 403, code, message };
  // Chain adapter and other packages: recognised by the shape of their stable codes.
  if (/UNREACHABLE|UNAVAILABLE|STALE/.test(code)) return { status: 503, code, message: 'the chain is unreachable; retry later', retryAfterSec: 5 };
  if (/DUPLICATE|ALREADY_EXISTS|IN_USE/.test(code)) return { status: 409, code, message };
  if (/NOT_FOUND/.test(code)) return { status: 404, code, message };
  if (/^LWM2M_/.test(code)) return { status: 400, code, message };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, code: code || 'API_BAD_REQUEST', message };
  }
  return { status: 500, code: 'API_INTERNAL', message: 'internal error' };
}
