/** Options, statistics and events of `DtlsServer` (split from it by size; no behaviour here). */
import type { CipherSuiteName } from '../crypto/CipherSuite.js';
import type { UdpSocket } from '../net/UdpSocket.js';
import type { Clock, PeerAddress, Random } from '../types.js';
import type { DropCounts, DtlsLogger, HandshakeFailureKind } from './DropStats.js';

export type PskResolver = (identity: string, peer: PeerAddress) => Promise<Uint8Array | undefined>;

export interface DtlsServerOptions {
  host?: string;
  port?: number;
  pskResolver: PskResolver;
  /** Server preference order. */
  cipherSuites?: CipherSuiteName[];
  /** Sent in a ServerKeyExchange only when set. */
  identityHint?: string;
  clock?: Clock;
  random?: Random;
  maxSessions?: number;
  /** Handshakes in progress, all sources (default 10,000). */
  maxHandshakes?: number;
  /**
   * Handshakes in progress per source IPv4 address or IPv6 /64 (default 64). Devices behind one
   * carrier-grade NAT share it: raise it for such fleets.
   */
  maxHandshakesPerSource?: number;
  /**
   * Fair service under overload: datagrams queued per source (IPv4 address, IPv6 /64) and served
   * round-robin, `perTurn` per event-loop turn (defaults 32 / 8192 total / 16).
   */
  inbox?: { perSource?: number; total?: number; perTurn?: number };
  /**
   * Resumption by session id (RFC 5246 §7.3): sessions with an extended master secret are cached,
   * at most `maxEntries` (default 10,000; 0 turns resumption off) for `lifetimeMs` (default 24 h).
   */
  sessionCache?: { maxEntries?: number; lifetimeMs?: number };
  /**
   * Connection ID (RFC 9146) for clients that offer it (default on): we issue a 6-byte CID, records
   * carrying it are routed by it, and the session follows the client to a new address after an
   * authenticated record newer than any before (`peerMoved`).
   */
  connectionId?: boolean;
  /**
   * Send close_notify to every peer on `close()` (default true). Off when sessions are saved to be
   * restored after a restart: the devices must keep them.
   */
  closeNotify?: boolean;
  /** A handshake not completed within this time is abandoned and its state freed (default 15 s). */
  handshakeTimeoutMs?: number;
  idleTimeoutMs?: number;
  retransmitInitialMs?: number;
  retransmitMaxMs?: number;
  /** Expiries of the flight timer before a handshake is abandoned (default 5). */
  maxRetransmissions?: number;
  /** Largest datagram we send (default 1400). */
  mtu?: number;
  /**
   * Alert for an unknown identity: `decrypt_error` (default; RFC 4279 §2: the handshake fails at the
   * client's Finished exactly as with a wrong key, so nobody can list which identities exist) or
   * `unknown_psk_identity` (115, at once).
   */
  unknownIdentityAlert?: 'unknown_psk_identity' | 'decrypt_error';
  /** Cookie secret rotation period (default 60 s). */
  cookieRotateMs?: number;
  /** Kernel receive/send buffer for the bound socket (default 4 MiB, capped by the kernel). */
  socketBufferBytes?: number;
  /** A socket to use instead of binding `host`/`port` (tests). */
  socket?: UdpSocket;
  /** Debug lines (every dropped datagram with peer and reason). */
  logger?: DtlsLogger;
}

export interface HandshakeFailedEvent {
  readonly peer: PeerAddress;
  readonly identity?: string;
  readonly reason: string;
  readonly alert?: number;
}

/** A session's peer moved to a new address (RFC 9146 §6: an authenticated, newest record with its CID). */
export interface PeerMovedEvent {
  readonly from: PeerAddress;
  readonly to: PeerAddress;
  readonly identity: string;
}

export interface DtlsServerStats {
  sessions: number;
  handshakes: number;
  /** Bytes held by handshake reassembly buffers. */
  reassemblyBytes: number;
  datagramsIn: number;
  recordsIn: number;
  /** Records (or unparseable datagram tails) dropped, by reason. */
  drops: DropCounts;
  helloVerifyRequestsSent: number;
  /** Full and abbreviated handshakes completed. */
  handshakesCompleted: number;
  /** Of which abbreviated (resumed by session id). */
  handshakesResumed: number;
  /** Sessions the resumption cache holds. */
  resumableSessions: number;
  /** Sessions and handshakes with a connection id. */
  cidSessions: number;
  /** Sessions moved to a new address by a CID record. */
  peersMoved: number;
  /** Sessions restored from a save (`restoreSessions`). */
  restoredSessions: number;
  /** Failed handshakes by kind of reason (unknownIdentity, wrongKey, timeout, ...). */
  failures: Partial<Record<HandshakeFailureKind, number>>;
  handshakesFailed: number;
  handshakesRejected: number;
  /** Exceptions thrown by the `onDatagram` handler (caught). */
  handlerErrors: number;
}
