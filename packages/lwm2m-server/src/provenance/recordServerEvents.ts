/**
 * Registration events on record: register, update, de-register and expiry (from the registration
 * handler's events), and refused registration attempts as invalid records. The endpoint is the
 * sender (the server for an expiry), the server the receiver. Returns the unsubscribe function.
 */
import type { SecurityStore } from '@chainm2m/lwm2m';
import { SERVER_PARTY, endpointParty, type OperationInput, type OperationResult, type ProvenanceRecorder } from '@chainm2m/provenance';
import type { Lwm2mServerEvents } from '../events/ServerEvents.js';

export function recordServerEvents(
  events: Lwm2mServerEvents,
  recorder: ProvenanceRecorder,
  security: Pick<SecurityStore, 'getByEndpoint'>,
  log: (msg: string) => void = () => {},
): () => void {
  const record = (endpoint: string, fromServer: boolean, input: Omit<OperationInput, 'sender' | 'receiver'> & OperationResult): void => {
    void (async () => {
      const ep = endpointParty(endpoint, (await security.getByEndpoint(endpoint))?.clearance ?? 0);
      await recorder.record({ ...input, sender: fromServer ? SERVER_PARTY : ep, receiver: fromServer ? ep : SERVER_PARTY });
    })().catch((e: unknown) => log(`provenance: cannot record ${input.operation} of ${endpoint}: ${e instanceof Error ? e.message : String(e)}`));
  };
  const offs = [
    events.on('registered', (e) => record(e.registration.endpoint, false, { operation: 'register', path: `/rd/${e.registration.id}`, outcome: '2.01' })),
    events.on('updated', (e) => record(e.registration.endpoint, false, { operation: 'update', path: `/rd/${e.registration.id}`, outcome: '2.04' })),
    events.on('deregistered', (e) =>
      record(e.registration.endpoint, e.reason !== 'client', { operation: e.reason === 'client' ? 'deregister' : `deregister.${e.reason}`, path: `/rd/${e.registration.id}`, outcome: '2.02' }),
    ),
    events.on('expired', (e) => record(e.registration.endpoint, true, { operation: 'expire', path: `/rd/${e.registration.id}`, outcome: null })),
    events.on('unauthorized', (e) => record(e.endpoint ?? `unknown@${e.peer.address}:${e.peer.port}`, false, { operation: `${e.operation}.refused`, path: null, outcome: '4.03' })),
  ];
  return () => {
    for (const off of offs) off();
  };
}
