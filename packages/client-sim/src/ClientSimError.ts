import { Lwm2mError } from '@chainm2m/lwm2m';

/** Stable error codes of `@chainm2m/client-sim`. */
export const ClientSimErrorCode = {
  /** Not a coap:// or coaps:// URI. */
  BadUri: 'SIM_BAD_URI',
  /** Invalid options (endpoint name, device count, rate, unknown content format). */
  BadOptions: 'SIM_BAD_OPTIONS',
  /** /0 and /1 hold no usable LwM2M server account. */
  NoServerAccount: 'SIM_NO_SERVER_ACCOUNT',
  /** No accepted Bootstrap-Finish before `bootstrapTimeoutMs`. */
  BootstrapTimeout: 'SIM_BOOTSTRAP_TIMEOUT',
  /** `POST /bs` answered with something else than 2.04. */
  BootstrapRefused: 'SIM_BOOTSTRAP_REFUSED',
  /** Register failed (answer other than 2.01, handshake or timeout). */
  RegisterFailed: 'SIM_REGISTER_FAILED',
  NotRegistered: 'SIM_NOT_REGISTERED',
  /** Update or De-register answered with an error. */
  UpdateFailed: 'SIM_UPDATE_FAILED',
  /** The device was stopped. */
  Stopped: 'SIM_STOPPED',
  /** A payload the codecs cannot decode (answered 4.00). */
  BadPayload: 'SIM_BAD_PAYLOAD',
  /** A content format the device does not take or produce here (4.15 / 4.06). */
  UnsupportedFormat: 'SIM_UNSUPPORTED_FORMAT',
} as const;
export type ClientSimErrorCode = (typeof ClientSimErrorCode)[keyof typeof ClientSimErrorCode];

/** Base error of `@chainm2m/client-sim`, with a stable `code`. Never carries keys or payloads. */
export class ClientSimError extends Lwm2mError {
  declare readonly code: ClientSimErrorCode;

  constructor(code: ClientSimErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
