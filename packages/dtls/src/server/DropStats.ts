/**
 * Every datagram or record the server drops, counted by reason and logged at debug level with the peer
 * (a drop nobody can see is a bug). The logger is injected; by default nothing is printed.
 */
import type { PeerAddress } from '../types.js';

export type DropReason =
  /** The record's version is not one we speak (major byte not 0xfe, or not fe fd / fe ff after the hello). */
  | 'unknownVersion'
  /** A protected record of an epoch the peer's session or handshake does not have. */
  | 'badEpoch'
  /** A protected record that does not authenticate. */
  | 'badMac'
  /** A record number already seen or left of the replay window. */
  | 'replay'
  /** A protected record from a peer we hold no session for. */
  | 'noSession'
  /** A record longer than DTLS allows. */
  | 'tooBig'
  /** Bad framing, a truncated or undecodable message. */
  | 'malformed'
  /** Well-formed but out of place (a handshake message with no handshake, a late duplicate hello). */
  | 'unexpected'
  /** A valid cookie'd ClientHello refused by a cap on handshakes or sessions. */
  | 'capped'
  /** The server is overloaded and this datagram's source already has its share queued. */
  | 'overload';

export const DROP_REASONS: readonly DropReason[] = ['unknownVersion', 'badEpoch', 'badMac', 'replay', 'noSession', 'tooBig', 'malformed', 'unexpected', 'capped', 'overload'];

/** The logging seam: one line per event, never any key material. */
export interface DtlsLogger {
  debug(line: string): void;
}

export type DropCounts = Record<DropReason, number>;

export function emptyDropCounts(): DropCounts {
  return { unknownVersion: 0, badEpoch: 0, badMac: 0, replay: 0, noSession: 0, tooBig: 0, malformed: 0, unexpected: 0, capped: 0, overload: 0 };
}

export class DropStats {
  readonly counts: DropCounts = emptyDropCounts();

  constructor(private readonly logger: DtlsLogger | undefined) {}

  drop(reason: DropReason, peer: PeerAddress, n = 1): void {
    this.counts[reason] += n;
    this.logger?.debug(`dtls: dropped ${n} record(s) from ${peer.address}:${peer.port}: ${reason}`);
  }

  snapshot(): DropCounts {
    return { ...this.counts };
  }
}

/** A stable class of a handshake failure's reason, for counting (the reason text is for people). */
export type HandshakeFailureKind = 'unknownIdentity' | 'wrongKey' | 'timeout' | 'noCommonSuite' | 'peerAlert' | 'resolver' | 'protocol';

export function handshakeFailureKind(reason: string): HandshakeFailureKind {
  if (reason === 'unknown PSK identity') return 'unknownIdentity';
  if (reason.includes('wrong key')) return 'wrongKey';
  if (reason === 'handshake timeout') return 'timeout';
  if (reason === 'no common cipher suite') return 'noCommonSuite';
  if (reason.startsWith('peer sent alert')) return 'peerAlert';
  if (reason.startsWith('PSK resolution') || reason.startsWith('internal error')) return 'resolver';
  return 'protocol';
}
