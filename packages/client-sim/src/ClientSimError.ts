import { Lwm2mError } from '@chainm2m/lwm2m';

/**
 * Base error of `@chainm2m/client-sim`. Stable codes:
 * `SIM_BAD_URI`, `SIM_NOT_BOOTSTRAPPED`, `SIM_NO_SERVER_ACCOUNT`, `SIM_BOOTSTRAP_TIMEOUT`,
 * `SIM_BOOTSTRAP_REFUSED`, `SIM_REGISTER_FAILED`, `SIM_NOT_REGISTERED`, `SIM_UPDATE_FAILED`,
 * `SIM_STOPPED`, `SIM_BAD_PAYLOAD`, `SIM_UNSUPPORTED_FORMAT`, `SIM_BAD_OPTIONS`.
 */
export class ClientSimError extends Lwm2mError {
  constructor(code: string, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
