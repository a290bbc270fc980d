/**
 * Established server sessions as plain records, so they survive a restart (Californium's
 * `DTLSConnector` save/load is the model): identity, suite, master secret and randoms (the keys are
 * derived again), epochs, our next sequence number, the replay window, connection ids, peer address.
 * The records hold secrets: `sealSessions`/`unsealSessions` wrap them with an injected seal pair (the
 * deployment's sealing key); this package never stores them itself.
 *
 * On restore our sequence numbers skip ahead by `seqMargin`, so a number sent after the last save and
 * before a crash is never used twice under the same keys.
 */
import { CipherSuites, keyBlockLength, splitKeyBlock, type CipherSuiteName } from '../crypto/CipherSuite.js';
import { keyBlock } from '../crypto/prf.js';
import { createRecordCipher } from '../crypto/RecordCipher.js';
import { DtlsError } from '../DtlsError.js';
import { ReplayWindow } from '../record/ReplayWindow.js';
import { Session } from '../Session.js';
import type { PeerAddress } from '../types.js';

export interface SavedSession {
  readonly peer: PeerAddress;
  readonly identity: string;
  readonly suite: CipherSuiteName;
  /** hex */
  readonly master: string;
  readonly clientRandom: string;
  readonly serverRandom: string;
  readonly pskHash: string;
  readonly readEpoch: number;
  readonly writeEpoch: number;
  /** Our next record sequence number when saved. */
  readonly writeSeq: number;
  readonly window: { readonly top: number; readonly lo: number; readonly hi: number };
  /** The CID we issued / the one the peer asked for (hex), RFC 9146. */
  readonly readCid?: string;
  readonly peerCid?: string;
}

export interface SessionSeal {
  seal(plain: Uint8Array): Uint8Array | Promise<Uint8Array>;
  unseal(sealed: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Default skip of our sequence numbers on restore: far more records than a session sends between saves. */
export const DEFAULT_SEQ_MARGIN = 1 << 20;

export function saveSession(s: Session): SavedSession | undefined {
  const x = s.secrets;
  if (!x) return undefined;
  return {
    peer: { address: s.peer.address, port: s.peer.port },
    identity: s.identity,
    suite: s.suite.name,
    master: x.master.toString('hex'),
    clientRandom: x.clientRandom.toString('hex'),
    serverRandom: x.serverRandom.toString('hex'),
    pskHash: x.pskHash.toString('hex'),
    readEpoch: s.readEpoch,
    writeEpoch: s.write.epoch,
    writeSeq: s.write.seq,
    window: s.window.state(),
    ...(s.readCid ? { readCid: s.readCid.toString('hex') } : {}),
    ...(x.peerCid ? { peerCid: x.peerCid.toString('hex') } : {}),
  };
}

/** Rebuilds a server session (keys derived again from the master secret); throws DTLS_DECODE on a bad record. */
export function restoreSession(r: SavedSession, now: number, seqMargin: number, randomBytes: (n: number) => Uint8Array): Session {
  const suite = CipherSuites[r.suite];
  if (!suite || typeof r.identity !== 'string' || !Number.isSafeInteger(r.writeSeq)) throw new DtlsError('DTLS_DECODE', 'bad saved session');
  const master = Buffer.from(r.master, 'hex');
  const cr = Buffer.from(r.clientRandom, 'hex');
  const sr = Buffer.from(r.serverRandom, 'hex');
  if (master.length !== 48 || cr.length !== 32 || sr.length !== 32) throw new DtlsError('DTLS_DECODE', 'bad saved session');
  const keys = splitKeyBlock(suite, keyBlock(master, cr, sr, keyBlockLength(suite)));
  const readCipher = createRecordCipher(suite, keys.clientKey, keys.clientIv, keys.clientMacKey, randomBytes);
  const write = {
    epoch: r.writeEpoch,
    seq: Math.min(r.writeSeq + seqMargin, 2 ** 48 - 1),
    cipher: createRecordCipher(suite, keys.serverKey, keys.serverIv, keys.serverMacKey, randomBytes),
    ...(r.peerCid ? { cid: Buffer.from(r.peerCid, 'hex') } : {}),
  };
  const s = new Session({ address: r.peer.address, port: r.peer.port }, r.identity, suite, r.readEpoch, readCipher, write, now, ReplayWindow.from(r.window));
  s.readCid = r.readCid ? Buffer.from(r.readCid, 'hex') : undefined;
  s.secrets = { master, clientRandom: cr, serverRandom: sr, pskHash: Buffer.from(r.pskHash, 'hex'), ...(r.peerCid ? { peerCid: Buffer.from(r.peerCid, 'hex') } : {}) };
  return s;
}

const MAGIC = 'chainm2m-dtls-sessions/1';

export async function sealSessions(sessions: readonly SavedSession[], seal: SessionSeal): Promise<Uint8Array> {
  return seal.seal(Buffer.from(JSON.stringify({ format: MAGIC, sessions }), 'utf8'));
}

export async function unsealSessions(sealed: Uint8Array, seal: SessionSeal): Promise<SavedSession[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(await seal.unseal(sealed)).toString('utf8'));
  } catch (err) {
    throw new DtlsError('DTLS_DECODE', 'saved sessions do not unseal or parse', {}, err);
  }
  const o = parsed as { format?: unknown; sessions?: unknown };
  if (o.format !== MAGIC || !Array.isArray(o.sessions)) throw new DtlsError('DTLS_DECODE', 'not a saved-sessions document');
  return o.sessions as SavedSession[];
}
