/**
 * DTLS counters of both servers on `/metrics`, labelled by server (`bootstrap`, `lwm2m`): handshakes
 * (full / resumed), failed handshakes by kind of reason, dropped records by reason, sessions, CID
 * sessions, resumable sessions and peers moved by a connection id. Read at scrape time.
 */
import type { DtlsServerStats } from '@chainm2m/dtls';

type Sample = { readonly labels: Readonly<Record<string, string>>; readonly value: number };
type Series = { readonly help: string; readonly type: 'counter' | 'gauge'; readonly read: () => readonly Sample[] };

/** `sources`: each server's DTLS stats (absent when that server does not run or has no DTLS). */
export function dtlsMetricSeries(sources: Readonly<Record<string, (() => DtlsServerStats | undefined) | undefined>>): Record<string, Series> {
  const each = (f: (server: string, s: DtlsServerStats) => Sample[]): (() => Sample[]) => () => {
    const out: Sample[] = [];
    for (const [server, read] of Object.entries(sources)) {
      const s = read?.();
      if (s) out.push(...f(server, s));
    }
    return out;
  };
  const one = (pick: (s: DtlsServerStats) => number) => each((server, s) => [{ labels: { server }, value: pick(s) }]);
  return {
    chainm2m_dtls_handshakes_total: {
      help: 'Completed DTLS handshakes by kind (full, resumed by session id)',
      type: 'counter',
      read: each((server, s) => [
        { labels: { server, kind: 'full' }, value: s.handshakesCompleted - s.handshakesResumed },
        { labels: { server, kind: 'resumed' }, value: s.handshakesResumed },
      ]),
    },
    chainm2m_dtls_handshake_failures_total: {
      help: 'Failed DTLS handshakes by kind of reason',
      type: 'counter',
      read: each((server, s) => Object.entries(s.failures).map(([reason, value]) => ({ labels: { server, reason }, value: value ?? 0 }))),
    },
    chainm2m_dtls_dropped_records_total: {
      help: 'DTLS records (or datagram tails) dropped, by reason',
      type: 'counter',
      read: each((server, s) => Object.entries(s.drops).map(([reason, value]) => ({ labels: { server, reason }, value }))),
    },
    chainm2m_dtls_sessions: { help: 'Established DTLS sessions', type: 'gauge', read: one((s) => s.sessions) },
    chainm2m_dtls_handshakes_in_progress: { help: 'DTLS handshakes in progress', type: 'gauge', read: one((s) => s.handshakes) },
    chainm2m_dtls_cid_sessions: { help: 'DTLS sessions and handshakes with a connection id (RFC 9146)', type: 'gauge', read: one((s) => s.cidSessions) },
    chainm2m_dtls_resumable_sessions: { help: 'Sessions in the DTLS resumption cache', type: 'gauge', read: one((s) => s.resumableSessions) },
    chainm2m_dtls_peers_moved_total: { help: 'DTLS sessions that followed their client to a new address', type: 'counter', read: one((s) => s.peersMoved) },
  };
}
