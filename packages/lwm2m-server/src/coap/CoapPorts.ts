/**
 * The CoAP surface this package needs from the CoAP endpoint of `@chainm2m/lwm2m`: its types, and
 * `CoapClientPort`, the smallest client side the device-management service depends on (the real
 * `CoapEndpoint` satisfies it; unit tests pass a fake).
 */
import type { ClientRequest, ClientResponse, CoapMethod, CoapObservation, CoapRequest, CoapResponse, PeerAddress } from '@chainm2m/lwm2m';

export type { CoapMethod };
/** An inbound request (Block1 already reassembled by the endpoint). */
export type InboundCoapRequest = CoapRequest;
export type OutboundCoapResponse = CoapResponse;
/** A request the server sends to a device. */
export type DeviceCoapRequest = ClientRequest;
export type DeviceCoapResponse = ClientResponse;
export type CoapObservationHandle = Pick<CoapObservation, 'response' | 'cancel'> & Partial<Pick<CoapObservation, 'onEnd'>>;

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
