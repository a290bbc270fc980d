/**
 * A DTLS session moved to a new address (Connection ID, RFC 9146: a NAT rebinding): the registration
 * follows it, so requests to the device go to where it now is, and the API's event stream sees an
 * `updated` registration. Exchanges and observations the CoAP endpoint held for the old address are
 * ended (they fail visibly rather than wait for a device that no longer answers there); moving them
 * along needs a CoAP endpoint hook that does not exist yet.
 */
import type { EditableRegistrationStore, PeerAddress, SecurityStore } from '@chainm2m/lwm2m';
import type { Lwm2mServerEvents } from '../events/ServerEvents.js';

export interface PeerMove {
  readonly from: PeerAddress;
  readonly to: PeerAddress;
  readonly identity: string;
}

export interface FollowPeerMovesDeps {
  readonly securityStore: SecurityStore;
  readonly registrations: EditableRegistrationStore;
  readonly events: Lwm2mServerEvents;
  /** Ends the CoAP exchanges and observations of the old address. */
  readonly forgetPeer: (peer: PeerAddress) => void;
}

/** Returns the handler for the DTLS server's `peerMoved` events. */
export function followPeerMoves(deps: FollowPeerMovesDeps): (e: PeerMove) => Promise<void> {
  return async (e) => {
    const match = await deps.securityStore.getByIdentity(e.identity);
    if (!match) return;
    const reg = await deps.registrations.getByEndpoint(match.info.endpoint);
    if (!reg || reg.identity !== e.identity || reg.address.address !== e.from.address || reg.address.port !== e.from.port) return;
    // A move is not a registration update: the lifetime is left as it was.
    const next = await deps.registrations.update({ id: reg.id, address: { address: e.to.address, port: e.to.port }, at: reg.lastUpdateAt });
    deps.forgetPeer(e.from);
    if (next) deps.events.emit('updated', { registration: next, previous: reg });
  };
}
