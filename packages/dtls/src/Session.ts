/** An established DTLS connection's state for one peer: both directions of the current epoch. */
import type { CipherSuiteInfo } from './crypto/CipherSuite.js';
import type { RecordCipher } from './crypto/RecordCipher.js';
import { writeRecord, type WriteState } from './flight/Flight.js';
import { openRecord, TLS12_CID } from './record/ConnectionId.js';
import { ReplayWindow } from './record/ReplayWindow.js';
import type { DtlsRecord } from './record/Record.js';
import type { PeerAddress, PeerSecurity } from './types.js';

export type OpenResult = Buffer | 'replay' | 'bad';

export interface SessionSecrets {
  readonly master: Buffer;
  readonly clientRandom: Buffer;
  readonly serverRandom: Buffer;
  /** First 16 bytes of SHA-256 of the PSK: a restored session is dropped when the key changed. */
  readonly pskHash: Buffer;
  /** The CID the peer asked us to put in our records (RFC 9146), if any. */
  readonly peerCid?: Buffer;
}

export class Session {
  lastActivity: number;
  /** Re-sends our last handshake flight (server: CCS + Finished) when the peer retransmits its Finished. */
  resendFinalFlight: (() => void) | undefined;
  /** The ClientHello random of the handshake that made this session (a late duplicate must not restart it). */
  clientRandom: Buffer | undefined;

  /** What the upper layer is told about this peer (one frozen object per session). */
  readonly security: PeerSecurity;
  /** The connection id we issued (RFC 9146): when set, the peer's protected records must carry it. */
  readCid: Buffer | undefined;
  /** Real content type of the record `open` last returned (differs from the outer one for `tls12_cid`). */
  openedType = 0;
  /** `open` last accepted a record newer than any before it (RFC 9146 §6: only such a record may move the peer). */
  openedNewest = false;
  /** What a saved session needs to re-derive its keys (server side), and a hash of the PSK it used. */
  secrets: SessionSecrets | undefined;

  constructor(
    public peer: PeerAddress,
    readonly identity: string,
    readonly suite: CipherSuiteInfo,
    readonly readEpoch: number,
    private readonly readCipher: RecordCipher,
    readonly write: WriteState,
    now: number,
    readonly window: ReplayWindow = new ReplayWindow(),
  ) {
    this.lastActivity = now;
    this.security = Object.freeze({ pskIdentity: identity, cipherSuite: suite.name });
  }

  /** Replay check, authentication and decryption of a record of `readEpoch`. */
  open(rec: DtlsRecord): OpenResult {
    // With a CID issued, only tls12_cid records carrying it; without, none (RFC 9146 §4).
    if ((rec.type === TLS12_CID) !== (this.readCid !== undefined)) return 'bad';
    if (!this.window.check(rec.seq)) return 'replay';
    const r = openRecord(this.readCipher, rec);
    if (!r) return 'bad';
    this.openedNewest = rec.seq > this.window.highest;
    this.window.mark(rec.seq);
    this.openedType = r.type;
    return r.content;
  }

  seal(type: number, payload: Uint8Array): Buffer {
    return writeRecord(this.write, type, payload);
  }
}
