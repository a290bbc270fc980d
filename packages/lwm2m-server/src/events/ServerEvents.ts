import type { PeerAddress, Registration } from '@chainm2m/lwm2m';
import { TypedEmitter } from '@chainm2m/lwm2m';

/** Why a registration ended. */
export type DeregistrationReason = 'client' | 'replaced' | 'revoked' | 'admin';

export interface RegisteredEvent {
  readonly registration: Registration;
  /** The registration of the same endpoint this one replaced, if any. */
  readonly replaced?: Registration;
}
export interface UpdatedEvent {
  readonly registration: Registration;
  readonly previous: Registration;
}
export interface DeregisteredEvent {
  readonly registration: Registration;
  readonly reason: DeregistrationReason;
}
export interface ExpiredEvent {
  readonly registration: Registration;
}
/** A Register/Update/De-register refused by the identity check (the paper's second check). */
export interface UnauthorizedEvent {
  readonly operation: 'register' | 'update' | 'deregister';
  /** `ep` the client claimed (register) or of the registration it tried to touch. */
  readonly endpoint?: string;
  /** PSK identity of the DTLS session; absent on NoSec. */
  readonly identity?: string;
  readonly peer: PeerAddress;
  readonly reason:
    | 'unknown-identity'
    | 'bootstrap-identity'
    | 'identity-of-other-endpoint'
    | 'nosec-disabled'
    | 'nosec-for-secured-endpoint'
    | 'identity-mismatch';
  /** Unix ms. */
  readonly at: number;
}
/** A notification of an observation (single or composite). */
export interface NotificationEvent {
  readonly observationId: string;
  readonly endpoint: string;
  readonly registrationId: string;
  /** Observed paths (one for a single observe, several for Observe-Composite). */
  readonly paths: readonly string[];
  readonly content: import('../dm/DeviceContent.js').DeviceContent;
  /** Unix ms. */
  readonly at: number;
}
/** A DTLS handshake failed (unknown identity, bad key/MAC, timeout): reported, not an error. */
export interface HandshakeFailedEvent {
  readonly peer: PeerAddress;
  readonly identity?: string;
  readonly reason: string;
  /** Unix ms. */
  readonly at: number;
}
/** A queue-mode device became reachable (Register/Update). */
export interface AwakeEvent {
  readonly registration: Registration;
}

/** Values a registered client pushed with Send (`POST /dp`). */
export interface SendEvent {
  readonly endpoint: string;
  readonly registrationId: string;
  readonly values: readonly import('../dm/LatestValues.js').LatestValue[];
  /** Unix ms (reception). */
  readonly at: number;
}
/** A Send refused: not from a registered client, or not decodable. */
export interface SendRefusedEvent {
  readonly peer: PeerAddress;
  readonly endpoint?: string;
  readonly identity?: string;
  readonly reason: 'not-registered' | 'bad-request';
  readonly coapCode: string;
  readonly message: string;
  /** Unix ms. */
  readonly at: number;
}

export interface Lwm2mServerEventMap {
  registered: RegisteredEvent;
  updated: UpdatedEvent;
  deregistered: DeregisteredEvent;
  expired: ExpiredEvent;
  unauthorized: UnauthorizedEvent;
  notification: NotificationEvent;
  awake: AwakeEvent;
  handshakeFailed: HandshakeFailedEvent;
  send: SendEvent;
  sendRefused: SendRefusedEvent;
}

/** The server's typed event emitter (`on(name, cb)` returns an unsubscribe function). */
export class Lwm2mServerEvents extends TypedEmitter<Lwm2mServerEventMap> {}
