/** An established DTLS connection's state for one peer: both directions of the current epoch. */
import type { CipherSuiteInfo } from './crypto/CipherSuite.js';
import type { RecordCipher } from './crypto/RecordCipher.js';
import { writeRecord, type WriteState } from './flight/Flight.js';
import { ReplayWindow } from './record/ReplayWindow.js';
import type { DtlsRecord } from './record/Record.js';
import type { PeerAddress, PeerSecurity } from './types.js';

export type OpenResult = Buffer | 'replay' | 'bad';

export class Session {
  lastActivity: number;
  /** Re-sends our last handshake flight (server: CCS + Finished) when the peer retransmits its Finished. */
  resendFinalFlight: (() => void) | undefined;
  /** The ClientHello random of the handshake that made this session (a late duplicate must not restart it). */
  clientRandom: Buffer | undefined;

  /** What the upper layer is told about this peer (one frozen object per session). */
  readonly security: PeerSecurity;

  constructor(
    readonly peer: PeerAddress,
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
    if (!this.window.check(rec.seq)) return 'replay';
    const pt = this.readCipher.open(rec.type, rec.epoch, rec.seq, rec.fragment);
    if (!pt) return 'bad';
    this.window.mark(rec.seq);
    return pt;
  }

  seal(type: number, payload: Uint8Array): Buffer {
    return writeRecord(this.write, type, payload);
  }
}
