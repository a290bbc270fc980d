import { Lwm2mError } from '../Lwm2mError.js';

export const InvalidRequestCode = {
  /** Missing or malformed query parameter / payload: answer 4.00. */
  BadRequest: 'LWM2M_INVALID_REQUEST',
  /** A query parameter given more than once (the request is ambiguous): answer 4.00. */
  RepeatedParameter: 'LWM2M_REPEATED_PARAMETER',
  /** A Register naming an LwM2M enabler version this server does not support: answer 4.12. */
  UnsupportedVersion: 'LWM2M_UNSUPPORTED_VERSION',
  /** No LwM2M operation at this URI: answer 4.04. */
  UnknownRoute: 'LWM2M_UNKNOWN_ROUTE',
  /** The URI exists but not with this method: answer 4.05. */
  MethodNotAllowed: 'LWM2M_METHOD_NOT_ALLOWED',
} as const;
export type InvalidRequestCode = (typeof InvalidRequestCode)[keyof typeof InvalidRequestCode];

/** An incoming CoAP request that is not a valid LwM2M operation. */
export class InvalidRequestError extends Lwm2mError {
  declare readonly code: InvalidRequestCode;

  constructor(code: InvalidRequestCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { ...(details ? { details } : {}), ...(cause !== undefined ? { cause } : {}) });
  }
}
