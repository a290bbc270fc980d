/**
 * The server side of one PSK handshake, after the cookie exchange, as an explicit state machine:
 *
 *   waitClientKeyExchange ─CKE─▶ resolvingPsk ─psk─▶ waitChangeCipherSpec ─CCS─▶ waitFinished ─Finished─▶ done
 *
 * Flight 4 (ServerHello, [ServerKeyExchange], ServerHelloDone) is retransmitted with backoff until the
 * ClientKeyExchange arrives; flight 6 (ChangeCipherSpec, Finished) is re-sent by the session when the
 * client retransmits its Finished. CCS and Finished arriving while the PSK is being resolved are kept
 * (a few records at most) and processed once the keys exist.
 */
import { createHash, type Hash } from 'node:crypto';
import { AlertDescription, AlertLevel, ContentType, ExtensionType, EmptyRenegotiationInfoScsv, HandshakeType, ProtocolVersion } from '../constants.js';
import { keyBlockLength, splitKeyBlock, type CipherSuiteInfo } from '../crypto/CipherSuite.js';
import { extendedMasterSecret, keyBlock, masterSecret, pskPremasterSecret } from '../crypto/prf.js';
import { createRecordCipher, type RecordCipher } from '../crypto/RecordCipher.js';
import { buildFlight, handshakeRoom, writeRecord, type FlightEntry, type WriteState } from '../flight/Flight.js';
import { RetransmitTimer } from '../flight/RetransmitTimer.js';
import { hasExtension } from '../handshake/Extensions.js';
import { encodeHandshake, fragmentHandshake, parseFragments, type HandshakeFragment, type HandshakeMessage } from '../handshake/HandshakeFragment.js';
import { HandshakeReassembler } from '../handshake/HandshakeReassembler.js';
import { parseAlert, encodeAlert } from '../handshake/messages/Alert.js';
import { CHANGE_CIPHER_SPEC, isChangeCipherSpec } from '../handshake/messages/ChangeCipherSpec.js';
import type { ClientHello } from '../handshake/messages/ClientHello.js';
import { parseClientKeyExchange } from '../handshake/messages/ClientKeyExchange.js';
import { encodeFinished, verifyFinished } from '../handshake/messages/Finished.js';
import { encodeServerHello } from '../handshake/messages/ServerHello.js';
import { encodeServerHelloDone } from '../handshake/messages/ServerHelloDone.js';
import { encodeServerKeyExchange } from '../handshake/messages/ServerKeyExchange.js';
import { CONNECTION_ID_EXTENSION, encodeCidExtension, openRecord } from '../record/ConnectionId.js';
import type { DtlsRecord } from '../record/Record.js';
import type { CachedSession } from './SessionCache.js';
import { ReplayWindow } from '../record/ReplayWindow.js';
import { Session, type SessionSecrets } from '../Session.js';
import type { Clock, PeerAddress, Random, TimerHandle } from '../types.js';

export type ServerHandshakeState = 'waitClientKeyExchange' | 'resolvingPsk' | 'waitChangeCipherSpec' | 'waitFinished' | 'done' | 'failed';

export interface ServerHandshakeContext {
  readonly clock: Clock;
  readonly random: Random;
  readonly mtu: number;
  readonly retransmitInitialMs: number;
  readonly retransmitMaxMs: number;
  readonly maxRetransmissions: number;
  /** The whole handshake's deadline: abandoned state is freed after it. */
  readonly handshakeTimeoutMs: number;
  readonly identityHint: string | undefined;
  /**
   * Alert for an unknown identity. `decrypt_error`: the handshake goes on with a random key and fails at
   * the client's Finished exactly as a wrong key does (RFC 4279 §2), so no one can list identities.
   */
  readonly unknownIdentityAlert: number;
  resolvePsk(identity: string, peer: PeerAddress): Promise<Uint8Array | undefined>;
  sendDatagram(peer: PeerAddress, data: Buffer): void;
}

export interface ServerHandshakeEvents {
  completed(hs: ServerHandshake, session: Session): void;
  failed(hs: ServerHandshake, reason: string, alert: number | undefined, identity: string | undefined): void;
}

const MAX_EARLY_RECORDS = 4;

export class ServerHandshake {
  state: ServerHandshakeState = 'waitClientKeyExchange';
  readonly clientRandom: Buffer;
  private readonly serverRandom: Buffer;
  private readonly transcript: Hash = createHash('sha256');
  private readonly reassembler: HandshakeReassembler;
  private readonly w0: WriteState;
  private w1: WriteState | undefined;
  private readCipher: RecordCipher | undefined;
  private readonly readWindow = new ReplayWindow();
  private readonly timer: RetransmitTimer;
  private deadline: TimerHandle | undefined;
  private readonly flight4: FlightEntry[];
  private readonly useEms: boolean;
  private readonly secureRenegotiation: boolean;
  private nextSendSeq: number;
  private earlyCcs = false;
  private early: DtlsRecord[] = [];
  private leftover: DtlsRecord[] = [];
  private replayQueue: DtlsRecord[] = [];
  private replayIndex = 0;
  private identity: string | undefined;
  private master: Buffer | undefined;
  /** The identity was unknown and a random key stands in for it (the failure is reported as such). */
  private unknownIdentity = false;
  /** An abbreviated handshake (RFC 5246 §7.3) resuming this cached session. */
  readonly resumed: boolean;
  private pskHash: Buffer = Buffer.alloc(16);

  constructor(
    private readonly ctx: ServerHandshakeContext,
    readonly peer: PeerAddress,
    hello: ClientHello,
    helloMessage: HandshakeMessage,
    helloRecordSeq: number,
    readonly suite: CipherSuiteInfo,
    private readonly events: ServerHandshakeEvents,
    /** Sent in the ServerHello: a new id for a resumable session, the cached one when resuming, or empty. */
    readonly sessionId: Buffer = Buffer.alloc(0),
    resume?: CachedSession,
    /** Connection ids (RFC 9146) when negotiated: the one we issued, the one the client asked for (may be empty). */
    readonly cid?: { readonly ours: Buffer; readonly peers: Buffer },
  ) {
    this.clientRandom = Buffer.from(hello.random);
    this.serverRandom = Buffer.from(ctx.random.bytes(32));
    this.useEms = hasExtension(hello.extensions, ExtensionType.ExtendedMasterSecret);
    this.resumed = resume !== undefined;
    if (resume) {
      this.identity = resume.identity;
      this.master = Buffer.from(resume.master);
      this.pskHash = resume.pskHash;
    }
    this.secureRenegotiation = hasExtension(hello.extensions, ExtensionType.RenegotiationInfo) || hello.cipherSuites.includes(EmptyRenegotiationInfoScsv);
    this.w0 = { epoch: 0, seq: helloRecordSeq, cipher: undefined };
    this.reassembler = new HandshakeReassembler(helloMessage.seq + 1);
    this.nextSendSeq = helloMessage.seq;
    this.transcript.update(encodeHandshake(helloMessage.type, helloMessage.seq, helloMessage.body));
    this.timer = new RetransmitTimer(ctx.clock, ctx.retransmitInitialMs, ctx.retransmitMaxMs, (n) => this.onTimer(n));
    this.flight4 = this.buildFlight4();
    if (this.resumed) this.state = 'waitChangeCipherSpec';
  }

  get bufferedBytes(): number {
    return this.reassembler.bufferedBytes;
  }

  private message(type: number, body: Buffer, overhead: number, nextEpoch: boolean, out: FlightEntry[]): void {
    const seq = this.nextSendSeq++;
    this.transcript.update(encodeHandshake(type, seq, body));
    for (const frag of fragmentHandshake(type, seq, body, handshakeRoom(this.ctx.mtu, overhead))) {
      out.push({ type: ContentType.Handshake, payload: frag, nextEpoch });
    }
  }

  private buildFlight4(): FlightEntry[] {
    const exts = [];
    if (this.secureRenegotiation) exts.push({ type: ExtensionType.RenegotiationInfo, data: Buffer.from([0]) });
    if (this.useEms) exts.push({ type: ExtensionType.ExtendedMasterSecret, data: Buffer.alloc(0) });
    if (this.cid) exts.push({ type: CONNECTION_ID_EXTENSION, data: encodeCidExtension(this.cid.ours) });
    const sh = encodeServerHello({
      version: ProtocolVersion.Dtls12,
      random: this.serverRandom,
      sessionId: this.sessionId,
      cipherSuite: this.suite.id,
      compressionMethod: 0,
      extensions: exts,
    });
    const out: FlightEntry[] = [];
    this.message(HandshakeType.ServerHello, sh, 0, false, out);
    if (this.master) {
      // Abbreviated handshake: ServerHello, ChangeCipherSpec, Finished under the resumed master secret.
      this.deriveKeys(this.master);
      out.push({ type: ContentType.ChangeCipherSpec, payload: CHANGE_CIPHER_SPEC, nextEpoch: false });
      this.message(HandshakeType.Finished, encodeFinished(this.master, false, this.transcript.copy().digest()), this.w1?.cipher?.overhead ?? 0, true, out);
      return out;
    }
    if (this.ctx.identityHint !== undefined) this.message(HandshakeType.ServerKeyExchange, encodeServerKeyExchange(this.ctx.identityHint), 0, false, out);
    this.message(HandshakeType.ServerHelloDone, encodeServerHelloDone(), 0, false, out);
    return out;
  }

  start(): void {
    this.sendFlight(this.flight4);
    this.timer.start();
    this.deadline = this.ctx.clock.setTimer(this.ctx.handshakeTimeoutMs, () => this.fail('handshake timeout', undefined));
  }

  private sendFlight(entries: readonly FlightEntry[]): void {
    for (const d of buildFlight(entries, this.w0, this.w1, this.ctx.mtu)) this.ctx.sendDatagram(this.peer, d);
  }

  private onTimer(attempt: number): void {
    if (this.state === 'done' || this.state === 'failed') return;
    if (attempt > this.ctx.maxRetransmissions) {
      this.fail('handshake timeout', undefined);
      return;
    }
    if (this.state === 'waitClientKeyExchange' || this.resumed) this.sendFlight(this.flight4);
    this.timer.arm();
  }

  /** The same ClientHello (same random) came again: our flight 4 was lost. */
  onClientHelloRetransmit(): void {
    if (this.state === 'waitClientKeyExchange' || (this.resumed && this.state !== 'failed')) this.sendFlight(this.flight4);
  }

  /** An epoch-0 handshake record other than a ClientHello. */
  onPlainHandshake(rec: DtlsRecord): void {
    if (this.state !== 'waitClientKeyExchange') return;
    this.feed(rec.fragment);
  }

  private feed(data: Buffer): boolean {
    const frags: HandshakeFragment[] = [];
    if (!parseFragments(data, frags)) return false;
    for (const f of frags) this.reassembler.push(f);
    for (let m = this.reassembler.pop(); m; m = this.reassembler.pop()) {
      this.onMessage(m);
      if (this.state === 'failed' || this.state === 'done') break;
    }
    return true;
  }

  private onMessage(m: HandshakeMessage): void {
    if (this.state === 'waitClientKeyExchange') {
      if (m.type !== HandshakeType.ClientKeyExchange) return this.fail('unexpected handshake message', AlertDescription.UnexpectedMessage);
      let identity: string;
      try {
        identity = parseClientKeyExchange(m.body);
      } catch {
        return this.fail('malformed ClientKeyExchange', AlertDescription.DecodeError);
      }
      this.transcript.update(encodeHandshake(m.type, m.seq, m.body));
      this.identity = identity;
      this.state = 'resolvingPsk';
      let pending: Promise<Uint8Array | undefined>;
      try {
        pending = this.ctx.resolvePsk(identity, this.peer);
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (psk) => {
          try {
            this.onPsk(psk);
          } catch {
            this.fail('internal error after PSK resolution', AlertDescription.InternalError);
          }
        },
        () => this.fail('PSK resolution failed', AlertDescription.InternalError),
      );
      return;
    }
    if (this.state === 'waitFinished') {
      if (m.type !== HandshakeType.Finished) return this.fail('unexpected handshake message', AlertDescription.UnexpectedMessage);
      this.onFinished(m);
    }
  }

  private onPsk(psk: Uint8Array | undefined): void {
    if (this.state !== 'resolvingPsk') return;
    let key = psk;
    if (!key || key.length === 0) {
      if (this.ctx.unknownIdentityAlert !== AlertDescription.DecryptError) return this.fail('unknown PSK identity', this.ctx.unknownIdentityAlert);
      // Same path as a wrong key: derive keys from a random PSK; the client's Finished cannot verify.
      this.unknownIdentity = true;
      key = this.ctx.random.bytes(16);
    }
    this.pskHash = createHash('sha256').update(key).digest().subarray(0, 16);
    const pms = pskPremasterSecret(key);
    this.master = this.useEms
      ? extendedMasterSecret(pms, this.transcript.copy().digest())
      : masterSecret(pms, this.clientRandom, this.serverRandom);
    pms.fill(0);
    this.deriveKeys(this.master);
    this.state = this.earlyCcs ? 'waitFinished' : 'waitChangeCipherSpec';
    this.replayEarly();
  }

  private deriveKeys(master: Buffer): void {
    const keys = splitKeyBlock(this.suite, keyBlock(master, this.clientRandom, this.serverRandom, keyBlockLength(this.suite)));
    const rnd = (n: number): Uint8Array => this.ctx.random.bytes(n);
    this.readCipher = createRecordCipher(this.suite, keys.clientKey, keys.clientIv, keys.clientMacKey, rnd);
    this.w1 = { epoch: 1, seq: 0, cipher: createRecordCipher(this.suite, keys.serverKey, keys.serverIv, keys.serverMacKey, rnd) };
    if (this.cid && this.cid.peers.length > 0) this.w1.cid = this.cid.peers;
  }

  /** What the session cache keeps of a completed full handshake (EMS only, RFC 7627 §5.3); undefined otherwise. */
  resumable(): { identity: string; master: Buffer; pskHash: Buffer } | undefined {
    if (this.state !== 'done' || this.resumed || !this.useEms || this.sessionId.length === 0 || !this.master || this.identity === undefined) return undefined;
    return { identity: this.identity, master: this.master, pskHash: this.pskHash };
  }

  private secrets(): SessionSecrets {
    return {
      master: this.master ?? Buffer.alloc(48),
      clientRandom: this.clientRandom,
      serverRandom: this.serverRandom,
      pskHash: this.pskHash,
      ...(this.cid && this.cid.peers.length > 0 ? { peerCid: this.cid.peers } : {}),
    };
  }

  /** Records that arrived before the keys existed; the ones after the Finished go to the new session. */
  private replayEarly(): void {
    const early = this.early;
    this.early = [];
    this.replayQueue = early;
    for (this.replayIndex = 0; this.replayIndex < early.length; this.replayIndex++) {
      if (this.state !== 'waitFinished') break;
      this.onProtected(early[this.replayIndex] as DtlsRecord, false);
    }
    this.replayQueue = [];
  }

  /** Records (e.g. the first application data) buffered during the handshake that belong to the session. */
  takeLeftover(): DtlsRecord[] {
    const l = this.leftover;
    this.leftover = [];
    return l;
  }

  onChangeCipherSpec(payload: Buffer): void {
    if (!isChangeCipherSpec(payload)) return;
    if (this.state === 'resolvingPsk') this.earlyCcs = true;
    else if (this.state === 'waitChangeCipherSpec') {
      this.state = 'waitFinished';
      this.replayEarly();
    }
  }

  /** An epoch-0 alert: fatal ones abort the handshake. */
  onPlainAlert(payload: Buffer): void {
    const a = parseAlert(payload);
    if (a && (a.level === AlertLevel.Fatal || a.description === 0)) this.fail(`peer sent alert ${a.description}`, undefined);
  }

  /** True when an epoch-1 record should go to this handshake rather than an existing session. */
  wantsEpoch(epoch: number): boolean {
    return epoch === 1 && (this.state === 'resolvingPsk' || this.state === 'waitChangeCipherSpec' || this.state === 'waitFinished');
  }

  /**
   * An epoch-1 record. Returns false when it does not authenticate and `mayBelongElsewhere` (the peer
   * still has an older session that may own it); otherwise a failure to authenticate means a wrong key.
   */
  onProtected(rec: DtlsRecord, mayBelongElsewhere: boolean): boolean {
    if (this.state === 'resolvingPsk' || this.state === 'waitChangeCipherSpec') {
      if (this.early.length < MAX_EARLY_RECORDS) this.early.push({ ...rec, fragment: Buffer.from(rec.fragment) });
      return true;
    }
    if (this.state !== 'waitFinished' || !this.readCipher) return false;
    if (!this.readWindow.check(rec.seq)) return true;
    // With a CID negotiated the client's epoch-1 records are tls12_cid records (RFC 9146 §4).
    const opened = (rec.type === 25) === (this.cid !== undefined) ? openRecord(this.readCipher, rec) : undefined;
    if (!opened) {
      if (mayBelongElsewhere) return false;
      this.fail('client Finished does not authenticate (wrong key?)', AlertDescription.DecryptError);
      return true;
    }
    this.readWindow.mark(rec.seq);
    const pt = opened.content;
    if (opened.type === ContentType.Handshake) {
      if (!this.feed(pt)) this.fail('malformed handshake record', AlertDescription.DecodeError);
    } else if (opened.type === ContentType.Alert) {
      const a = parseAlert(pt);
      if (a && a.level === AlertLevel.Fatal) this.fail(`peer sent alert ${a.description}`, undefined);
    }
    return true;
  }

  private onFinished(m: HandshakeMessage): void {
    const master = this.master;
    const w1 = this.w1;
    const readCipher = this.readCipher;
    if (!master || !w1 || !readCipher) return;
    if (!verifyFinished(m.body, master, true, this.transcript.copy().digest())) {
      return this.fail('client Finished does not verify (wrong key?)', AlertDescription.DecryptError);
    }
    this.transcript.update(encodeHandshake(m.type, m.seq, m.body));
    // An abbreviated handshake ends with the client's Finished; a full one with our CCS + Finished.
    let out: FlightEntry[] | undefined;
    if (!this.resumed) {
      out = [{ type: ContentType.ChangeCipherSpec, payload: CHANGE_CIPHER_SPEC, nextEpoch: false }];
      this.message(HandshakeType.Finished, encodeFinished(master, false, this.transcript.copy().digest()), w1.cipher?.overhead ?? 0, true, out);
      this.sendFlight(out);
    }
    this.timer.cancel();
    this.deadline?.cancel();
    this.state = 'done';
    // The session inherits the replay window, so the client's Finished record cannot be replayed into it.
    const session = new Session(this.peer, this.identity ?? '', this.suite, 1, readCipher, w1, this.ctx.clock.now(), this.readWindow);
    const final = out;
    if (final) session.resendFinalFlight = () => this.sendFlight(final);
    session.clientRandom = this.clientRandom;
    session.readCid = this.cid?.ours;
    session.secrets = this.secrets();
    // Buffered records behind the Finished being replayed now belong to the session.
    this.leftover = this.replayQueue.slice(this.replayIndex + 1);
    this.replayQueue = [];
    this.events.completed(this, session);
  }

  fail(why: string, alert: number | undefined): void {
    if (this.state === 'done' || this.state === 'failed') return;
    const reason = this.unknownIdentity && alert === AlertDescription.DecryptError ? 'unknown PSK identity' : why;
    this.state = 'failed';
    this.timer.cancel();
    this.deadline?.cancel();
    this.early = [];
    this.reassembler.clear();
    if (alert !== undefined) this.ctx.sendDatagram(this.peer, writeRecord(this.w0, ContentType.Alert, encodeAlert(AlertLevel.Fatal, alert)));
    this.events.failed(this, reason, alert, this.identity);
  }

  /** Silently abandons the handshake (replaced by a newer one, or server closing). */
  abort(): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    this.timer.cancel();
    this.deadline?.cancel();
    this.early = [];
    this.reassembler.clear();
  }
}
