/**
 * Every failed DTLS handshake at the LwM2M server becomes a rate-limited anomaly (the bootstrap server
 * has its own reporter): attributed to the endpoint whose identity it used, or to `(unknown)` when the
 * identity names no endpoint (or there was none, e.g. a timeout). One record per endpoint, reason and
 * source address per window of the shared `AnomalyReporter`, whose overall cap keeps a flood a trickle.
 */
import type { AnomalyReporter, SecurityStore } from '@chainm2m/lwm2m';
import type { Lwm2mServerEvents } from '../events/ServerEvents.js';

export const HANDSHAKE_FAILED_KIND = 'dtls-handshake-failed';
const SEVERITY = 96;

export interface ReportHandshakeFailuresOptions {
  readonly events: Lwm2mServerEvents;
  readonly reporter: AnomalyReporter;
  readonly securityStore: SecurityStore;
}

/** Subscribes; returns the unsubscribe function. */
export function reportHandshakeFailures(o: ReportHandshakeFailuresOptions): () => void {
  return o.events.on('handshakeFailed', (e) => {
    void (async () => {
      let endpoint = '(unknown)';
      if (e.identity !== undefined) {
        try {
          endpoint = (await o.securityStore.getByIdentity(e.identity))?.info.endpoint ?? '(unknown)';
        } catch {
          o.reporter.countError();
        }
      }
      o.reporter.report(`${endpoint}|${HANDSHAKE_FAILED_KIND}|${e.reason}|${e.peer.address}`, {
        endpoint,
        collectedAt: Math.floor(e.at / 1000),
        severity: SEVERITY,
        kind: HANDSHAKE_FAILED_KIND,
        value: `${e.reason}${e.identity !== undefined ? `; identity=${e.identity}` : ''}; from ${e.peer.address}:${e.peer.port}`,
      });
    })();
  });
}
