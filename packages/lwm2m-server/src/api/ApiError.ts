import { ApiErrorCode, Lwm2mServerError } from '../Lwm2mServerError.js';

export { ApiErrorCode };

/** A refusal of the REST layer itself (auth, role, clearance, request shape); mapped to HTTP only in `errorToHttp`. */
export class ApiError extends Lwm2mServerError {
  declare readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
