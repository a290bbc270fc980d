import { SystemClock, type AnomalyLog, type Clock, type NewAnomaly, type SecurityStore } from '@chainm2m/lwm2m';
import type { BootstrapEventMap, BootstrapHandshakeFailedEvent, BootstrapUnauthorizedEvent, UnauthorizedReason } from './BootstrapEvents.js';
import type { TypedEmitter } from '@chainm2m/lwm2m';

/** Anomaly kinds written by the bootstrap server. */
export const BootstrapAnomalyKind = {
  Unauthorized: 'unauthorized-bootstrap',
  HandshakeFailed: 'bootstrap-handshake-failed',
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
 * Turns refused bootstrap attempts (the `unauthorized` and `handshakeFailed` events) into records of
 * an `AnomalyLog` (the AnomalyStore contract in production), rate-limited per source. Values never
 * carry key material. Returns `stop()` and counters.
 */
export function reportBootstrapAnomalies(options: BootstrapAnomalyReporterOptions): {
  stop(): void;
  stats(): BootstrapAnomalyReporterStats;
  /** Resolves when every append started so far has settled (tests, shutdown). */
  flush(): Promise<void>;
} {
  const clock = options.clock ?? SystemClock;
  const unixNow = options.unixNow ?? (() => Math.floor(Date.now() / 1000));
  const windowMs = options.windowMs ?? 60_000;
  const lastSent = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const counters = { appended: 0, suppressed: 0, unattributed: 0, errors: 0 };

  const admit = (key: string): boolean => {
    const now = clock.now();
    const last = lastSent.get(key);
    if (last !== undefined && now - last < windowMs) {
      counters.suppressed += 1;
      return false;
    }
    if (lastSent.size > 10_000) {
      for (const [k, t] of lastSent) if (now - t >= windowMs) lastSent.delete(k);
    }
    lastSent.set(key, now);
    return true;
  };

  const track = (p: Promise<void>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const append = async (a: NewAnomaly): Promise<void> => {
    try {
      await options.log.append(a);
      counters.appended += 1;
    } catch {
      counters.errors += 1;
    }
  };

  const offs = [
    options.events.on('unauthorized', (e) => {
      const a = unauthorizedAnomaly(e, unixNow());
      if (admit(`${a.endpoint}|${a.kind}|${e.reason}|${e.peer.address}`)) track(append(a));
    }),
    options.events.on('handshakeFailed', (e) => {
      const store = options.securityStore;
      if (!store || e.identity === undefined) {
        counters.unattributed += 1;
        return;
      }
      const identity = e.identity;
      track(
        (async () => {
          try {
            const match = await store.getByIdentity(identity);
            if (!match) {
              counters.unattributed += 1;
              return;
            }
            const a = handshakeFailedAnomaly(e, match.info.endpoint, unixNow());
            if (admit(`${a.endpoint}|${a.kind}|${e.peer.address}`)) await append(a);
          } catch {
            counters.errors += 1;
          }
        })(),
      );
    }),
  ];

  return {
    stop: () => offs.forEach((off) => off()),
    stats: () => ({ ...counters }),
    flush: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
