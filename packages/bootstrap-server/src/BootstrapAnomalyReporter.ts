import { AnomalyReporter, type AnomalyLog, type Clock, type NewAnomaly, type SecurityStore } from '@chainm2m/lwm2m';
import type { BootstrapEventMap, BootstrapFailedEvent, BootstrapHandshakeFailedEvent, BootstrapUnauthorizedEvent, UnauthorizedReason } from './BootstrapEvents.js';
import type { TypedEmitter } from '@chainm2m/lwm2m';

/** Anomaly kinds written by the bootstrap server. */
export const BootstrapAnomalyKind = {
  Unauthorized: 'unauthorized-bootstrap',
  HandshakeFailed: 'bootstrap-handshake-failed',
  Failed: 'bootstrap-failed',
} as const;

/** 0 (info) .. 255 (critical). A device asking for another endpoint's credentials is the worst. */
const SEVERITY: Record<UnauthorizedReason, number> = {
  'identity-mismatch': 192,
  'server-identity': 128,
  'psk-required': 128,
  'unknown-endpoint': 96,
  'unknown-identity': 96,
};
const HANDSHAKE_SEVERITY = 160;
/** A device that cannot be bootstrapped keeps retrying and never reaches the LwM2M server. */
const FAILED_SEVERITY = 112;

const peerText = (p: { address: string; port: number }): string => `${p.address}:${p.port}`;

/**
 * The anomaly for a refused Bootstrap-Request, attributed to the device that misbehaved: the owner
 * of the PSK identity when there is one (it asked for another endpoint's configuration), else the
 * endpoint named in the request. `collectedAt` in Unix seconds.
 */
export function unauthorizedAnomaly(e: BootstrapUnauthorizedEvent, collectedAt: number): NewAnomaly {
  const endpoint = e.identityEndpoint ?? e.endpoint;
  const parts = [`${e.reason} (${e.code})`, `requested ep=${e.endpoint}`];
  if (e.identity !== undefined) parts.push(`identity=${e.identity}`);
  parts.push(`from ${peerText(e.peer)}`);
  return { endpoint, collectedAt, severity: SEVERITY[e.reason], kind: BootstrapAnomalyKind.Unauthorized, value: parts.join('; ') };
}

/** The anomaly for a failed DTLS handshake with a known identity (e.g. a wrong key), attributed to `endpoint`. */
export function handshakeFailedAnomaly(e: BootstrapHandshakeFailedEvent, endpoint: string, collectedAt: number): NewAnomaly {
  return {
    endpoint,
    collectedAt,
    severity: HANDSHAKE_SEVERITY,
    kind: BootstrapAnomalyKind.HandshakeFailed,
    value: `${e.reason}; identity=${e.identity ?? ''}; from ${peerText(e.peer)}`,
  };
}

/**
 * The anomaly for a bootstrap session that failed at a step (refused, unanswered, transport error),
 * attributed to its endpoint: step, code and the client's diagnostic, never a payload.
 */
export function failedAnomaly(e: BootstrapFailedEvent, collectedAt: number): NewAnomaly {
  const parts = [e.reason];
  if (e.code !== undefined) parts.push(`code=${e.code}`);
  if (e.identity !== undefined) parts.push(`identity=${e.identity}`);
  parts.push(`from ${peerText(e.peer)}`);
  return { endpoint: e.endpoint, collectedAt, severity: FAILED_SEVERITY, kind: BootstrapAnomalyKind.Failed, value: parts.join('; ').slice(0, 400) };
}

/** Sessions ended by the server or by the device's own new request are not the device's failure. */
function isAbortedByUs(e: BootstrapFailedEvent): boolean {
  return e.operation === undefined && (e.reason === 'server closing' || e.reason.startsWith('superseded'));
}

export interface BootstrapAnomalyReporterOptions {
  readonly events: TypedEmitter<BootstrapEventMap>;
  readonly log: AnomalyLog;
  /** Names the endpoint of a failed handshake's identity; without it handshake failures are not reported. */
  readonly securityStore?: SecurityStore;
  /** Rate-limit window; default the system clock. */
  readonly clock?: Clock;
  /** Unix seconds for `collectedAt`; default `Date.now() / 1000`. */
  readonly unixNow?: () => number;
  /** At most one anomaly per (endpoint, kind, reason, peer address) per window, ms (default 60,000). */
  readonly windowMs?: number;
}

export interface BootstrapAnomalyReporterStats {
  readonly appended: number;
  /** Repeats inside the window, not written (a flood of bad attempts must not flood the chain). */
  readonly suppressed: number;
  /** Handshake failures whose identity names no endpoint. */
  readonly unattributed: number;
  /** Appends or lookups that failed. */
  readonly errors: number;
}

/**
 * Turns refused bootstrap attempts (the `unauthorized` and `handshakeFailed` events) and failed
 * sessions (`failed`, except those the server ended itself or a newer request superseded) into records of
 * an `AnomalyLog` (the AnomalyStore contract in production), rate-limited per source. Values never
 * carry key material. Returns `stop()` and counters.
 */
export function reportBootstrapAnomalies(options: BootstrapAnomalyReporterOptions): {
  stop(): void;
  stats(): BootstrapAnomalyReporterStats;
  /** Resolves when every append started so far has settled (tests, shutdown). */
  flush(): Promise<void>;
} {
  const unixNow = options.unixNow ?? (() => Math.floor(Date.now() / 1000));
  const reporter = new AnomalyReporter({ log: options.log, ...(options.clock ? { clock: options.clock } : {}), windowMs: options.windowMs ?? 60_000 });
  let unattributed = 0;
  const lookups = new Set<Promise<void>>();

  const offs = [
    options.events.on('unauthorized', (e) => {
      const a = unauthorizedAnomaly(e, unixNow());
      reporter.report(`${a.endpoint}|${a.kind}|${e.reason}|${e.peer.address}`, a);
    }),
    options.events.on('failed', (e) => {
      if (isAbortedByUs(e)) return;
      const a = failedAnomaly(e, unixNow());
      reporter.report(`${a.endpoint}|${a.kind}|${e.operation ?? ''}|${e.code ?? ''}`, a);
    }),
    options.events.on('handshakeFailed', (e) => {
      const store = options.securityStore;
      if (!store || e.identity === undefined) {
        unattributed += 1;
        return;
      }
      const identity = e.identity;
      const lookup = (async () => {
        try {
          const match = await store.getByIdentity(identity);
          if (!match) {
            unattributed += 1;
            return;
          }
          const a = handshakeFailedAnomaly(e, match.info.endpoint, unixNow());
          reporter.report(`${a.endpoint}|${a.kind}|${e.peer.address}`, a);
        } catch {
          reporter.countError();
        }
      })();
      lookups.add(lookup);
      void lookup.finally(() => lookups.delete(lookup));
    }),
  ];

  return {
    stop: () => offs.forEach((off) => off()),
    stats: () => ({ ...reporter.stats(), unattributed }),
    flush: async () => {
      while (lookups.size > 0) await Promise.allSettled([...lookups]);
      await reporter.flush();
    },
  };
}
