import { Lwm2mError } from '@chainm2m/lwm2m';

/**
 * Stable codes of `Lwm2mServerError`. The REST layer maps them to HTTP statuses at the edge
 * (`DEVICE_NOT_REGISTERED` -> 404, `DEVICE_TIMEOUT` -> 504, `BAD_REQUEST` -> 400, ...).
 */
export const Lwm2mServerErrorCode = {
  /** No registration for that endpoint (or it went away while the request was pending). */
  DeviceNotRegistered: 'DEVICE_NOT_REGISTERED',
  /** The device did not answer before the deadline (CoAP exchange timeout or queue-mode deadline). */
  DeviceTimeout: 'DEVICE_TIMEOUT',
  /** The device answered with a CoAP error code (`details.coapCode`, e.g. `4.04`). */
  DeviceError: 'DEVICE_ERROR',
  /** The device reset the exchange, or the transport failed. */
  DeviceUnreachable: 'DEVICE_UNREACHABLE',
  /** Queue-mode device is asleep and its request queue is full. */
  QueueFull: 'DEVICE_QUEUE_FULL',
  /** Bad path, bad value, bad arguments supplied by the caller. */
  BadRequest: 'BAD_REQUEST',
  /** No content format both sides support for that operation. */
  UnsupportedContentFormat: 'UNSUPPORTED_CONTENT_FORMAT',
  /** The device sent a payload we cannot decode. */
  BadResponse: 'BAD_RESPONSE',
  /** The observation id is unknown. */
  ObservationNotFound: 'OBSERVATION_NOT_FOUND',
  /** Operation not supported by the device (e.g. composite operations on LwM2M 1.0). */
  NotSupported: 'NOT_SUPPORTED',
  /** The server is closing. */
  ServerClosed: 'SERVER_CLOSED',
  /** Journal/data-dir failure. */
  StoreFailure: 'STORE_FAILURE',
} as const;
export type Lwm2mServerErrorCode = (typeof Lwm2mServerErrorCode)[keyof typeof Lwm2mServerErrorCode];

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
