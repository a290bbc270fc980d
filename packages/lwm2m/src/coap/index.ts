export { CoapEndpoint } from './CoapEndpoint.js';
export { CoapError, CoapErrorCode } from './CoapError.js';
export type {
  ClientRequest,
  ClientResponse,
  CoapEndpointOptions,
  CoapHandlerContext,
  CoapMethod,
  CoapObservation,
  CoapRequest,
  CoapRequestHandler,
  CoapResponse,
  CoapStats,
  ObserveCancelReason,
  ObserveRegistration,
} from './types.js';
