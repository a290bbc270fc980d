/**
 * The CoAP shapes this package needs from the CoAP endpoint of `@chainm2m/lwm2m` (see APIS.md).
 * Declared structurally here so handlers and services depend on the smallest surface; the real
 * `CoapEndpoint` satisfies `CoapClientPort` and accepts `handle`-style functions as its handler.
 */
import type { PeerAddress, PeerSecurity } from '@chainm2m/lwm2m';

export type CoapMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'FETCH' | 'PATCH' | 'IPATCH';

/** An inbound request (Block1 already reassembled by the endpoint). */
export interface InboundCoapRequest {
  readonly method: CoapMethod;
  readonly path: readonly string[];
  readonly query: readonly string[];
  readonly contentFormat?: number;
  readonly accept?: number;
  readonly observe?: number;
  readonly payload: Uint8Array;
  readonly token: Uint8Array;
  readonly confirmable: boolean;
  readonly peer: PeerAddress;
  readonly security: PeerSecurity;
}

export interface OutboundCoapResponse {
  code: string;
  contentFormat?: number;
  payload?: Uint8Array;
  locationPath?: string[];
  maxAge?: number;
}

/** A request the server sends to a device. */
export interface DeviceCoapRequest {
  method: CoapMethod;
  path: string[] | string;
  query?: string[];
  contentFormat?: number;
  accept?: number;
  payload?: Uint8Array;
  confirmable?: boolean;
  timeoutMs?: number;
}

export interface DeviceCoapResponse {
  code: string;
  contentFormat?: number;
  payload: Uint8Array;
  locationPath: string[];
  observe?: number;
}

export interface CoapObservationHandle {
  response: DeviceCoapResponse;
  cancel(active?: boolean): Promise<void>;
  /** Called once when the observation ends other than by `cancel()` (RST, error notification, forgetPeer). */
  onEnd?(cb: (reason: string) => void): void;
}

/** The client side of a CoAP endpoint, as the device-management service uses it. */
export interface CoapClientPort {
  request(peer: PeerAddress, req: DeviceCoapRequest): Promise<DeviceCoapResponse>;
  observe(peer: PeerAddress, req: DeviceCoapRequest, onNotify: (r: DeviceCoapResponse) => void): Promise<CoapObservationHandle>;
  forgetPeer(peer: PeerAddress): void;
}

/** True for 2.xx codes. */
export function isSuccess(code: string): boolean {
  return code.startsWith('2.');
}
