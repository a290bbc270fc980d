import type { PeerAddress, PeerSecurity } from '@chainm2m/lwm2m';

/**
 * The parts of the CoAP endpoint's API the bootstrap handler uses (structural subsets of
 * `CoapRequest`, `CoapResponse`, `ClientRequest`, `ClientResponse` and `CoapEndpoint.request`), so
 * the handler is tested without sockets and any `CoapEndpoint` fits.
 */
export interface InboundRequest {
  readonly method: string;
  readonly path: string[];
  readonly query: readonly string[];
  readonly peer: PeerAddress;
  readonly security: PeerSecurity;
}

export interface OutboundResponse {
  readonly code: string;
  readonly contentFormat?: number;
  readonly payload?: Uint8Array;
}

export interface OutboundRequest {
  readonly method: 'GET' | 'DELETE' | 'PUT' | 'POST';
  /** Uri-Path segments (`[]` for the root). */
  readonly path: string[];
  readonly contentFormat?: number;
  readonly accept?: number;
  readonly payload?: Uint8Array;
  readonly confirmable?: boolean;
  readonly timeoutMs?: number;
}

export interface InboundResponse {
  readonly code: string;
  readonly payload: Uint8Array;
}

/** Sends a request to a device (a `CoapEndpoint`). Rejects with an error carrying `code` (`COAP_TIMEOUT`, ...). */
export interface BootstrapRequester {
  request(peer: PeerAddress, req: OutboundRequest): Promise<InboundResponse>;
}
