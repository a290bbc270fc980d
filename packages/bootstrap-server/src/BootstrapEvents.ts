import type { PeerAddress } from '@chainm2m/lwm2m';
import type { BootstrapOperation } from './BootstrapPolicy.js';

/**
 * Events of the bootstrap server, one stream for every session. Payloads never carry a key, a
 * request payload or anything else secret; identities are PSK *identities* (public names).
 */
export interface SessionRef {
  /** `bs-<n>`, unique per server process. */
  readonly sessionId: string;
  readonly endpoint: string;
  readonly peer: PeerAddress;
  /** Authenticated PSK identity; absent for NoSec. */
  readonly identity?: string;
}

export interface BootstrapStartedEvent extends SessionRef {
  /** Client's preferred content format(s) from `pct`. */
  readonly pct: readonly number[];
  readonly at: number;
}

/**
 * Why a Bootstrap-Request was refused:
 * - `unknown-endpoint` (4.00): no such endpoint (LwM2M TS: "Unknown Endpoint Client Name");
 * - `identity-mismatch` (4.03): the DTLS identity is the bootstrap identity of another endpoint;
 * - `server-identity` (4.03): the identity is an LwM2M-server account, not a bootstrap account;
 * - `unknown-identity` (4.03): the identity is no longer in the store;
 * - `psk-required` (4.03): NoSec request for an endpoint that has PSK credentials.
 */
export type UnauthorizedReason = 'unknown-endpoint' | 'identity-mismatch' | 'server-identity' | 'unknown-identity' | 'psk-required';

export interface BootstrapUnauthorizedEvent {
  readonly endpoint: string;
  readonly peer: PeerAddress;
  readonly identity?: string;
  /** Endpoint the identity actually belongs to, when known. */
  readonly identityEndpoint?: string;
  readonly reason: UnauthorizedReason;
  readonly code: '4.00' | '4.03';
  readonly at: number;
}

/** A request that was not a valid Bootstrap-Request or could not be served (not an authorization failure). */
export type RejectedReason = 'not-found' | 'method-not-allowed' | 'missing-endpoint' | 'bad-pct' | 'no-config' | 'too-many-sessions' | 'store-error' | 'closed';

export interface BootstrapRejectedEvent {
  readonly endpoint?: string;
  readonly peer: PeerAddress;
  readonly identity?: string;
  readonly reason: RejectedReason;
  readonly code: string;
  readonly at: number;
}

export interface BootstrapStepEvent extends SessionRef {
  readonly operation: BootstrapOperation;
  readonly path: string;
  readonly contentFormat?: number;
  readonly attempt: number;
  /** A CoAP code such as `2.04`, `timeout`, or `error`. */
  readonly result: string;
  /** Transport error code when `result` is `error`. */
  readonly error?: string;
  readonly durationMs: number;
}

export interface BootstrapFinishedEvent extends SessionRef {
  readonly durationMs: number;
  readonly steps: number;
}

/**
 * A session that ended without an accepted Bootstrap-Finish. `operation`/`path` name the step that
 * failed, `code` the client's CoAP code (or `timeout`/`error`), `diagnostic` the client's
 * diagnostic text; all absent when the session ended for another reason (superseded, DTLS session
 * closed, server closing).
 */
export interface BootstrapFailedEvent extends SessionRef {
  readonly reason: string;
  readonly operation?: BootstrapOperation;
  readonly path?: string;
  readonly code?: string;
  readonly diagnostic?: string;
  readonly durationMs: number;
  readonly steps: number;
  readonly at: number;
}

/** One log line for a failed bootstrap: endpoint, step, code, diagnostic text (never a key or payload). */
export function formatBootstrapFailure(e: BootstrapFailedEvent): string {
  const parts = [`bootstrap failed: ep=${e.endpoint}`];
  if (e.operation !== undefined) parts.push(`step=${e.operation}${e.path !== undefined && e.operation !== 'bootstrap-finish' ? ` ${e.path}` : ''}`);
  if (e.code !== undefined) parts.push(`code=${e.code}`);
  if (e.diagnostic !== undefined) parts.push(`diagnostic=${JSON.stringify(e.diagnostic)}`);
  parts.push(`peer=${e.peer.address}:${e.peer.port}`, `reason=${JSON.stringify(e.reason)}`);
  return parts.join(' ');
}

/** A DTLS handshake that failed (wrong key, unknown identity, ...), reported by `startBootstrapServer`. */
export interface BootstrapHandshakeFailedEvent {
  readonly peer: PeerAddress;
  readonly identity?: string;
  readonly reason: string;
  readonly at: number;
}

export type BootstrapEventMap = {
  started: BootstrapStartedEvent;
  unauthorized: BootstrapUnauthorizedEvent;
  rejected: BootstrapRejectedEvent;
  step: BootstrapStepEvent;
  finished: BootstrapFinishedEvent;
  failed: BootstrapFailedEvent;
  handshakeFailed: BootstrapHandshakeFailedEvent;
};
