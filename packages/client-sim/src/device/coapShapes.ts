/** Seams of the simulator: how sessions are opened and CoAP endpoints made (injectable for tests). */
import type { Clock, CoapEndpoint, CoapEndpointOptions, DatagramTransport, PeerAddress, Random } from '@chainm2m/lwm2m';

export type {
  ClientRequest,
  ClientResponse,
  CoapHandlerContext,
  CoapRequest,
  CoapRequestHandler,
  CoapResponse,
  ObserveRegistration,
} from '@chainm2m/lwm2m';

/** What the simulator needs of a `CoapEndpoint`. */
export type SimCoapEndpoint = Pick<CoapEndpoint, 'setHandler' | 'request' | 'close'>;
export type SimCoapEndpointOptions = CoapEndpointOptions;

/** A session to one server: the transport and the server's address on it. */
export interface SimConnection {
  readonly transport: DatagramTransport;
  readonly peer: PeerAddress;
  /** Moves the connection to a new local port, as a NAT rebinding does (DTLS with Connection ID survives it). */
  readonly rebind?: () => Promise<PeerAddress>;
}

export interface ConnectTarget {
  readonly scheme: 'coap' | 'coaps';
  readonly host: string;
  readonly port: number;
  /** PSK identity and key (coaps only). */
  readonly identity?: string;
  readonly key?: Uint8Array;
  readonly clock: Clock;
  readonly random: Random;
  readonly timeoutMs: number;
}

export type Connector = (target: ConnectTarget) => Promise<SimConnection>;
