/**
 * More of the stack on record, from the events where the operations pass: each bootstrap session
 * is one transaction (Bootstrap-Request begins it, every Delete/Write/Discover/Finish step
 * continues it, finished/failed ends it), refused Bootstrap-Requests are records of their own, and
 * every endpoint added, rotated or removed in the security store is a management record, and so
 * is every anomaly appended (its value kept only as a SHA-256).
 */
import type { BootstrapEventMap } from '@chainm2m/bootstrap-server';
import type { EditableSecurityStore, SecurityStore, TypedEmitter } from '@chainm2m/lwm2m';
import { SERVER_PARTY, endpointParty, type Party, type ProvenanceRecorder } from '@chainm2m/provenance';

type Log = (line: string) => void;

/** Records bootstrap sessions; returns the unsubscribe function. */
export function recordBootstrapSessions(events: TypedEmitter<BootstrapEventMap>, recorder: ProvenanceRecorder, security: Pick<SecurityStore, 'getByEndpoint'>, log: Log): () => void {
  // One promise chain per session keeps its records in event order.
  const sessions = new Map<string, { chain: Promise<unknown>; tx: string | undefined; ep: Party }>();
  const fail = (what: string) => (e: unknown) => log(`provenance     cannot record ${what}: ${e instanceof Error ? e.message : String(e)}`);
  const offs = [
    events.on('started', (e) => {
      const s = { chain: Promise.resolve() as Promise<unknown>, tx: undefined as string | undefined, ep: endpointParty(e.endpoint, 0) };
      sessions.set(e.sessionId, s);
      s.chain = (async () => {
        s.ep = endpointParty(e.endpoint, (await security.getByEndpoint(e.endpoint))?.clearance ?? 0);
        const r = await recorder.record({ sender: s.ep, receiver: SERVER_PARTY, operation: 'bootstrap', path: '/bs', outcome: null });
        s.tx = r.tx;
      })().catch(fail(`the bootstrap session of ${e.endpoint}`));
    }),
    events.on('step', (e) => {
      const s = sessions.get(e.sessionId);
      if (!s) return;
      s.chain = s.chain
        .then(() => recorder.record({ tx: s.tx, sender: SERVER_PARTY, receiver: s.ep, operation: e.operation, path: e.path, contentFormat: e.contentFormat ?? null, outcome: e.result.slice(0, 16) }))
        .catch(fail(`a bootstrap step of ${e.endpoint}`));
    }),
    ...(['finished', 'failed'] as const).map((kind) =>
      events.on(kind, (e) => {
        const s = sessions.get(e.sessionId);
        if (!s) return;
        sessions.delete(e.sessionId);
        s.chain = s.chain
          .then(() => recorder.record({ tx: s.tx, action: 'end', sender: SERVER_PARTY, receiver: s.ep, operation: `bootstrap-${kind}`, path: '/bs', outcome: kind === 'finished' ? '2.04' : 'failed' }))
          .catch(fail(`the end of a bootstrap session of ${e.endpoint}`));
      }),
    ),
    events.on('unauthorized', (e) => {
      void recorder
        .record({ sender: endpointParty(e.endpoint, 0), receiver: SERVER_PARTY, operation: `bootstrap-refused.${e.reason}`, path: '/bs', outcome: e.code })
        .catch(fail(`a refused Bootstrap-Request of ${e.endpoint}`));
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/** Records endpoints added, rotated and removed (management changes); returns the unsubscribe function. */
export function recordEndpointChanges(store: Pick<EditableSecurityStore, 'addListener'>, recorder: ProvenanceRecorder, log: Log): () => void {
  return store.addListener((c) => {
    const endpoint = c.kind === 'removed' ? c.endpoint : c.info.endpoint;
    const clearance = c.kind === 'removed' ? (c.previous?.clearance ?? 0) : c.info.clearance;
    const operation = c.kind === 'added' ? 'endpoint.added' : c.kind === 'updated' ? 'endpoint.rotated' : c.compromised ? 'endpoint.removed.compromised' : 'endpoint.removed';
    void recorder
      .record({ sender: SERVER_PARTY, receiver: endpointParty(endpoint, clearance), operation, path: null, outcome: null })
      .catch((e: unknown) => log(`provenance     cannot record ${operation} of ${endpoint}: ${e instanceof Error ? e.message : String(e)}`));
  });
}

/** Records one anomaly (server -> endpoint, operation `anomaly.<kind>`, value as request SHA-256). */
export function recordAnomaly(recorder: ProvenanceRecorder, a: { readonly endpoint: string; readonly kind: string; readonly value: string }, log: Log): void {
  void recorder
    .record({ sender: SERVER_PARTY, receiver: endpointParty(a.endpoint, 0), operation: `anomaly.${a.kind}`.slice(0, 64), path: null, request: a.value, outcome: null })
    .catch((e: unknown) => log(`provenance     cannot record an anomaly of ${a.endpoint}: ${e instanceof Error ? e.message : String(e)}`));
}
