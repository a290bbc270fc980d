/**
 * Revocation: when an endpoint is removed from the EditableSecurityStore, or its server account
 * rotated (new identity or key), its DTLS sessions are dropped, its CoAP exchanges and
 * observations forgotten, and its registration removed (`deregistered` with reason `revoked`).
 * The device has to handshake again with its new credentials (or cannot, if removed).
 */
import type { EditableSecurityStore, Registration, RegistrationStore, SecurityChange, SecurityInfo, SecurityStore } from '@chainm2m/lwm2m';
import type { RegistrationHandler } from '../registration/RegistrationHandler.js';

export interface RevocationDeps {
  readonly securityStore: SecurityStore;
  readonly registrations: RegistrationStore;
  readonly handler: RegistrationHandler;
  /** Drops DTLS sessions authenticated with that PSK identity; returns how many. */
  readonly dropSessionsByIdentity: (identity: string, reason: string) => number;
  /** Forgets the CoAP exchanges and observations of the registration's peer. */
  readonly forgetPeer: (registration: Registration) => void;
  readonly onRevoked?: (e: { endpoint: string; identity?: string; sessionsDropped: number; registrationRemoved: boolean }) => void;
}

export function isEditableSecurityStore(s: SecurityStore): s is EditableSecurityStore {
  return typeof (s as Partial<EditableSecurityStore>).addListener === 'function';
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

function rotated(previous: SecurityInfo | undefined, next: SecurityInfo): boolean {
  if (!previous) return false;
  return previous.server.identity !== next.server.identity || !sameBytes(previous.server.key, next.server.key);
}

/** Subscribes when the store is editable; returns the unsubscribe function (a no-op otherwise). */
export function watchRevocations(deps: RevocationDeps): () => void {
  if (!isEditableSecurityStore(deps.securityStore)) return () => {};
  const revoke = async (endpoint: string, oldIdentity: string | undefined): Promise<void> => {
    const reg = await deps.registrations.getByEndpoint(endpoint);
    // Cut the device off first, so whoever hears the `deregistered` event sees it gone.
    const identities = new Set<string>();
    if (oldIdentity !== undefined) identities.add(oldIdentity);
    if (reg?.identity !== undefined) identities.add(reg.identity);
    let sessionsDropped = 0;
    for (const id of identities) sessionsDropped += deps.dropSessionsByIdentity(id, 'credentials revoked');
    let registrationRemoved = false;
    if (reg) {
      deps.forgetPeer(reg);
      registrationRemoved = (await deps.handler.remove(reg.id, 'revoked')) !== undefined;
    }
    deps.onRevoked?.({ endpoint, ...(oldIdentity !== undefined ? { identity: oldIdentity } : {}), sessionsDropped, registrationRemoved });
  };
  return deps.securityStore.addListener((change: SecurityChange) => {
    if (change.kind === 'removed') {
      void revoke(change.endpoint, change.previous?.server.identity).catch(() => {});
    } else if (change.kind === 'updated' && (change.previous === undefined || rotated(change.previous, change.info))) {
      void revoke(change.info.endpoint, change.previous?.server.identity).catch(() => {});
    }
  });
}
