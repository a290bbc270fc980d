import { Lwm2mError } from '@chainm2m/lwm2m';

/**
 * Stable codes of `Lwm2mServerError`, all of this package's errors: `SRV_*` from the LwM2M
 * server's services (device management, registrations, endpoint and user management), `API_*`
 * from the REST layer itself (`ApiError`). Services throw domain codes, never HTTP ones; the one
 * exact code -> HTTP table is `errorToHttp` at the REST edge.
 */
export const Lwm2mServerErrorCode = {
  /** No registration for that endpoint (or it went away while the request was pending). */
  DeviceNotRegistered: 'SRV_DEVICE_NOT_REGISTERED',
  /** The device did not answer before the deadline (CoAP exchange timeout or queue-mode deadline). */
  DeviceTimeout: 'SRV_DEVICE_TIMEOUT',
  /** The device answered with a CoAP error code (`details.coapCode`, e.g. `4.04`). */
  DeviceError: 'SRV_DEVICE_ERROR',
  /** The device reset the exchange, or the transport failed. */
  DeviceUnreachable: 'SRV_DEVICE_UNREACHABLE',
  /** Queue-mode device is asleep and its request queue is full. */
  QueueFull: 'SRV_DEVICE_QUEUE_FULL',
  /** Bad path, bad value, bad arguments supplied by the caller. */
  BadRequest: 'SRV_INVALID_REQUEST',
  /** No content format both sides support for that operation. */
  UnsupportedContentFormat: 'SRV_UNSUPPORTED_CONTENT_FORMAT',
  /** The device sent a payload we cannot decode. */
  BadResponse: 'SRV_BAD_DEVICE_RESPONSE',
  /** The observation id is unknown. */
  ObservationNotFound: 'SRV_OBSERVATION_NOT_FOUND',
  /** Operation not supported by the device (e.g. composite operations on LwM2M 1.0). */
  NotSupported: 'SRV_NOT_SUPPORTED',
  /** The server is closing. */
  ServerClosed: 'SRV_CLOSED',
  /** Journal/data-dir failure. */
  StoreFailure: 'SRV_STORE_FAILURE',
  /** A field of an endpoint, user or device request is malformed (`details.field` names it). */
  InvalidField: 'SRV_INVALID_FIELD',
  /** No endpoint of that name in the ClientStore. */
  UnknownEndpoint: 'SRV_UNKNOWN_ENDPOINT',
  /** An endpoint of that name (or identity) exists already. */
  EndpointExists: 'SRV_ENDPOINT_EXISTS',
  /** No user of that name. */
  UnknownUser: 'SRV_UNKNOWN_USER',
  /** A user of that name exists already. */
  UserExists: 'SRV_USER_EXISTS',
  /** A record was written but cannot be read back yet (the chain lags); retry. */
  NotReadableYet: 'SRV_NOT_READABLE_YET',
} as const;

/** Codes of the REST layer's own refusals (`ApiError`). */
export const ApiErrorCode = {
  /** A request the schema or the route refuses (`details.field` names the field). */
  BadRequest: 'API_BAD_REQUEST',
  /** No, a bad, an expired or a revoked token; a wrong password. */
  Unauthorized: 'API_UNAUTHORIZED',
  /** The token's role or clearance does not allow it. */
  Forbidden: 'API_FORBIDDEN',
  /** No such route, registration or observation. */
  NotFound: 'API_NOT_FOUND',
  /** Too many failed logins (`details.retryAfterSec`). */
  RateLimited: 'API_RATE_LIMITED',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

export type Lwm2mServerErrorCode = (typeof Lwm2mServerErrorCode)[keyof typeof Lwm2mServerErrorCode] | ApiErrorCode;

/** The one error base class of `@chainm2m/lwm2m-server`. */
export class Lwm2mServerError extends Lwm2mError {
  declare readonly code: Lwm2mServerErrorCode;

  constructor(code: Lwm2mServerErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
  }

  /** CoAP response code of a `DEVICE_ERROR`, e.g. `4.04`. */
  get coapCode(): string | undefined {
    const c = this.details?.['coapCode'];
    return typeof c === 'string' ? c : undefined;
  }
}
