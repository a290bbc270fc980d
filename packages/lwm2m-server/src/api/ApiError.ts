import { Lwm2mError } from '@chainm2m/lwm2m';

/** Stable codes of errors raised by the REST layer and the management services. */
export const ApiErrorCode = {
  BadRequest: 'API_BAD_REQUEST',
  Unauthorized: 'API_UNAUTHORIZED',
  Forbidden: 'API_FORBIDDEN',
  NotFound: 'API_NOT_FOUND',
  Conflict: 'API_CONFLICT',
  RateLimited: 'API_RATE_LIMITED',
  Unavailable: 'API_UNAVAILABLE',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** An error of the management services or the REST API; mapped to HTTP only in `errorToHttp`. */
export class ApiError extends Lwm2mError {
  declare readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
