/**
 * The client side of a PSK handshake, as an explicit state machine:
 *
 *   waitServerHello ─HVR─▶ waitServerHello (ClientHello again, with the cookie)
 *   waitServerHello ─SH─▶ waitServerHelloDone ─SHD─▶ [flight 5 sent] waitChangeCipherSpec ─CCS─▶ waitFinished ─Finished─▶ done
 *   waitServerHello ─SH (our session id)─▶ waitChangeCipherSpec ─CCS─▶ waitFinished ─Finished─▶ [CCS, Finished sent] done
 *
 * The second line is the abbreviated handshake resuming a session (RFC 5246 §7.3, RFC 7627 §5.3).
 *
 * Flights 1/3 and 5 are retransmitted with backoff on the injected clock, and at once when the server
 * retransmits its previous flight.
 */
import { createHash, type Hash } from 'node:crypto';
import { AlertDescription, AlertLevel, ContentType, ExtensionType, HandshakeType, ProtocolVersion } from '../constants.js';
import { keyBlockLength, splitKeyBlock, suiteById, type CipherSuiteInfo } from '../crypto/CipherSuite.js';
import { extendedMasterSecret, keyBlock, masterSecret, pskPremasterSecret } from '../crypto/prf.js';
import { createRecordCipher, type RecordCipher } from '../crypto/RecordCipher.js';
import { buildFlight, handshakeRoom, writeRecord, type FlightEntry, type WriteState } from '../flight/Flight.js';
import { RetransmitTimer } from '../flight/RetransmitTimer.js';
import { hasExtension } from '../handshake/Extensions.js';
import { encodeHandshake, fragmentHandshake, parseFragments, type HandshakeFragment, type HandshakeMessage } from '../handshake/HandshakeFragment.js';
import { HandshakeReassembler } from '../handshake/HandshakeReassembler.js';
import { encodeAlert, parseAlert } from '../handshake/messages/Alert.js';
import { CHANGE_CIPHER_SPEC, isChangeCipherSpec } from '../handshake/messages/ChangeCipherSpec.js';
import { encodeClientHello } from '../handshake/messages/ClientHello.js';
import { encodeClientKeyExchange } from '../handshake/messages/ClientKeyExchange.js';
import { encodeFinished, verifyFinished } from '../handshake/messages/Finished.js';
import { parseHelloVerifyRequest } from '../handshake/messages/HelloVerifyRequest.js';
import { parseServerHello } from '../handshake/messages/ServerHello.js';
import { parseServerHelloDone } from '../handshake/messages/ServerHelloDone.js';
import { parseServerKeyExchange } from '../handshake/messages/ServerKeyExchange.js';
import { CONNECTION_ID_EXTENSION, parseCidExtension } from '../record/ConnectionId.js';
import type { DtlsRecord } from '../record/Record.js';
import { ReplayWindow } from '../record/ReplayWindow.js';
import { Session } from '../Session.js';
import type { Clock, PeerAddress, Random } from '../types.js';

export type ClientHandshakeState = 'waitServerHello' | 'waitServerHelloDone' | 'waitChangeCipherSpec' | 'waitFinished' | 'done' | 'failed';

/** What a client keeps to resume a session (the master secret: keep it as secret as the PSK). */
export interface ResumableSession {
  readonly id: Buffer;
  readonly identity: string;
  readonly suite: CipherSuiteInfo;
  readonly master: Buffer;
  readonly extendedMasterSecret: boolean;
}

export interface ClientHandshakeOptions {
  readonly peer: PeerAddress;
  readonly identity: string;
  readonly key: Uint8Array;
  readonly suites: readonly CipherSuiteInfo[];
  readonly clock: Clock;
  readonly random: Random;
  readonly mtu: number;
  readonly retransmitInitialMs: number;
  readonly retransmitMaxMs: number;
  readonly maxRetransmissions: number;
  /** Offered for resumption; a full handshake follows when the server does not resume it. */
  readonly resume?: ResumableSession;
  /**
   * Offer Connection ID (RFC 9146) with an empty CID of ours: the server's records to us carry none,
   * ours to it carry the CID it issues, so the session survives a change of our address or port.
   */
  readonly connectionId?: boolean;
  sendDatagram(data: Buffer): void;
  completed(session: Session, resumable: ResumableSession | undefined): void;
  failed(reason: string, alert: number | undefined): void;
}

export class ClientHandshake {
  state: ClientHandshakeState = 'waitServerHello';
  private readonly clientRandom: Buffer;
  private serverRandom: Buffer | undefined;
  private suite: CipherSuiteInfo | undefined;
  private transcript: Hash = createHash('sha256');
  private readonly reassembler = new HandshakeReassembler(0);
  private readonly w0: WriteState = { epoch: 0, seq: 0, cipher: undefined };
  private w1: WriteState | undefined;
  private readCipher: RecordCipher | undefined;
  private readonly readWindow = new ReplayWindow();
  private readonly timer: RetransmitTimer;
  private flight: FlightEntry[] = [];
  private nextSendSeq = 0;
  private hello: Buffer | undefined;
  private useEms = false;
  private master: Buffer | undefined;
  private sessionId: Buffer = Buffer.alloc(0);
  /** The CID the server issued (records we send carry it). */
  serverCid: Buffer | undefined;
  /** The server resumed `o.resume`. */
  resumed = false;

  constructor(private readonly o: ClientHandshakeOptions) {
    this.clientRandom = Buffer.from(o.random.bytes(32));
    this.timer = new RetransmitTimer(o.clock, o.retransmitInitialMs, o.retransmitMaxMs, (n) => this.onTimer(n));
  }

  start(): void {
    this.sendHello(Buffer.alloc(0));
  }

  private sendHello(cookie: Buffer): void {
    const body = encodeClientHello({
      version: ProtocolVersion.Dtls12,
      random: this.clientRandom,
      sessionId: this.o.resume?.id ?? Buffer.alloc(0),
      cookie,
      cipherSuites: this.o.suites.map((s) => s.id),
      compressionMethods: Buffer.from([0]),
      extensions: [
        { type: ExtensionType.ExtendedMasterSecret, data: Buffer.alloc(0) },
        { type: ExtensionType.RenegotiationInfo, data: Buffer.from([0]) },
        ...(this.o.connectionId ? [{ type: CONNECTION_ID_EXTENSION, data: Buffer.from([0]) }] : []),
      ],
    });
    const seq = this.nextSendSeq++;
    this.hello = encodeHandshake(HandshakeType.ClientHello, seq, body);
    // Never fragmented: a server keeps no state before the cookie, so it cannot reassemble a ClientHello.
    this.flight = [{ type: ContentType.Handshake, payload: this.hello, nextEpoch: false }];
    this.sendFlight();
    this.timer.start();
  }

  private sendFlight(): void {
    for (const d of buildFlight(this.flight, this.w0, this.w1, this.o.mtu)) this.o.sendDatagram(d);
  }

  private onTimer(attempt: number): void {
    if (this.state === 'done' || this.state === 'failed') return;
    if (attempt > this.o.maxRetransmissions) return this.fail('handshake timeout', undefined);
    this.sendFlight();
    this.timer.arm();
  }

  /** True once the handshake has produced its session (or failed). */
  get finished(): boolean {
    return this.state === 'done' || this.state === 'failed';
  }

  onRecord(rec: DtlsRecord): void {
    if (this.finished) return;
    if (rec.epoch === 0) {
      if (rec.type === ContentType.Handshake) this.feed(rec.fragment);
      else if (rec.type === ContentType.ChangeCipherSpec) {
        if (this.state === 'waitChangeCipherSpec' && isChangeCipherSpec(rec.fragment)) this.state = 'waitFinished';
      } else if (rec.type === ContentType.Alert) {
        const a = parseAlert(rec.fragment);
        if (a && a.level === AlertLevel.Fatal) this.fail(`server sent alert ${a.description}`, undefined, a.description);
      }
      return;
    }
    if (rec.epoch !== 1 || this.state !== 'waitFinished' || !this.readCipher) return;
    if (!this.readWindow.check(rec.seq)) return;
    const pt = this.readCipher.open(rec.type, rec.epoch, rec.seq, rec.fragment);
    if (!pt) return;
    this.readWindow.mark(rec.seq);
    if (rec.type === ContentType.Handshake) this.feed(pt);
    else if (rec.type === ContentType.Alert) {
      const a = parseAlert(pt);
      if (a && a.level === AlertLevel.Fatal) this.fail(`server sent alert ${a.description}`, undefined, a.description);
    }
  }

  private feed(data: Buffer): void {
    const frags: HandshakeFragment[] = [];
    if (!parseFragments(data, frags)) return;
    let old = false;
    for (const f of frags) {
      // The start of the server's previous flight came again (its ServerHello): ours was lost. Keyed on
      // the first fragment of the ServerHello so one retransmitted flight triggers one resend.
      if (this.reassembler.push(f) === 'old' && f.type === HandshakeType.ServerHello && f.offset === 0) old = true;
    }
    if (old && (this.state === 'waitChangeCipherSpec' || this.state === 'waitFinished')) this.sendFlight();
    for (let m = this.reassembler.pop(); m; m = this.reassembler.pop()) {
      try {
        this.onMessage(m);
      } catch {
        this.fail('malformed handshake message', AlertDescription.DecodeError);
      }
      if (this.finished) return;
    }
  }

  private onMessage(m: HandshakeMessage): void {
    switch (this.state) {
      case 'waitServerHello':
        if (m.type === HandshakeType.HelloVerifyRequest) {
          const hvr = parseHelloVerifyRequest(m.body);
          this.sendHello(Buffer.from(hvr.cookie));
          return;
        }
        if (m.type !== HandshakeType.ServerHello) return this.fail('expected ServerHello', AlertDescription.UnexpectedMessage);
        return this.onServerHello(m);
      case 'waitServerHelloDone':
        if (m.type === HandshakeType.ServerKeyExchange) {
          parseServerKeyExchange(m.body);
          this.transcript.update(encodeHandshake(m.type, m.seq, m.body));
          return;
        }
        if (m.type !== HandshakeType.ServerHelloDone) return this.fail('expected ServerHelloDone', AlertDescription.UnexpectedMessage);
        parseServerHelloDone(m.body);
        this.transcript.update(encodeHandshake(m.type, m.seq, m.body));
        return this.sendFlight5();
      case 'waitFinished':
        if (m.type !== HandshakeType.Finished) return this.fail('expected Finished', AlertDescription.UnexpectedMessage);
        return this.onFinished(m);
      default:
        return;
    }
  }

  private onServerHello(m: HandshakeMessage): void {
    const sh = parseServerHello(m.body);
    const suite = suiteById(sh.cipherSuite);
    if (!suite || !this.o.suites.includes(suite)) return this.fail('server chose a suite we did not offer', AlertDescription.IllegalParameter);
    if (sh.version !== ProtocolVersion.Dtls12) return this.fail('server did not choose DTLS 1.2', AlertDescription.ProtocolVersion);
    if (sh.compressionMethod !== 0) return this.fail('server chose compression', AlertDescription.IllegalParameter);
    this.suite = suite;
    this.serverRandom = Buffer.from(sh.random);
    this.useEms = hasExtension(sh.extensions, ExtensionType.ExtendedMasterSecret);
    this.sessionId = Buffer.from(sh.sessionId);
    const cidExt = sh.extensions.find((e) => e.type === CONNECTION_ID_EXTENSION);
    if (cidExt) {
      const cid = this.o.connectionId ? parseCidExtension(cidExt.data) : undefined;
      if (!cid) return this.fail('unexpected or malformed connection_id extension', AlertDescription.IllegalParameter);
      this.serverCid = Buffer.from(cid);
    }
    this.transcript = createHash('sha256');
    if (this.hello) this.transcript.update(this.hello);
    this.transcript.update(encodeHandshake(m.type, m.seq, m.body));
    this.timer.cancel();
    const r = this.o.resume;
    if (r && sh.sessionId.length > 0 && sh.sessionId.equals(r.id)) {
      if (suite !== r.suite) return this.fail('server resumed with another suite', AlertDescription.IllegalParameter);
      // RFC 7627 §5.3: abort when the EMS state of the resumed session and the ServerHello differ.
      if (r.extendedMasterSecret !== this.useEms) return this.fail('extended_master_secret differs from the resumed session', AlertDescription.HandshakeFailure);
      this.resumed = true;
      this.master = Buffer.from(r.master);
      this.deriveKeys(suite, this.master, this.serverRandom);
      this.state = 'waitChangeCipherSpec';
      this.timer.start(); // our ClientHello is re-sent until the server's Finished arrives
      return;
    }
    this.state = 'waitServerHelloDone';
  }

  private deriveKeys(suite: CipherSuiteInfo, master: Buffer, serverRandom: Buffer): RecordCipher {
    const keys = splitKeyBlock(suite, keyBlock(master, this.clientRandom, serverRandom, keyBlockLength(suite)));
    const rnd = (n: number): Uint8Array => this.o.random.bytes(n);
    this.readCipher = createRecordCipher(suite, keys.serverKey, keys.serverIv, keys.serverMacKey, rnd);
    const writeCipher = createRecordCipher(suite, keys.clientKey, keys.clientIv, keys.clientMacKey, rnd);
    this.w1 = { epoch: 1, seq: 0, cipher: writeCipher };
    if (this.serverCid && this.serverCid.length > 0) this.w1.cid = this.serverCid;
    return writeCipher;
  }

  private sendFlight5(): void {
    const suite = this.suite;
    const serverRandom = this.serverRandom;
    if (!suite || !serverRandom) return;
    const out: FlightEntry[] = [];
    const cke = encodeClientKeyExchange(this.o.identity);
    const ckeSeq = this.nextSendSeq++;
    this.transcript.update(encodeHandshake(HandshakeType.ClientKeyExchange, ckeSeq, cke));
    for (const payload of fragmentHandshake(HandshakeType.ClientKeyExchange, ckeSeq, cke, handshakeRoom(this.o.mtu, 0))) out.push({ type: ContentType.Handshake, payload, nextEpoch: false });
    const pms = pskPremasterSecret(this.o.key);
    const sessionHash = this.transcript.copy().digest();
    this.master = this.useEms ? extendedMasterSecret(pms, sessionHash) : masterSecret(pms, this.clientRandom, serverRandom);
    pms.fill(0);
    const writeCipher = this.deriveKeys(suite, this.master, serverRandom);
    out.push({ type: ContentType.ChangeCipherSpec, payload: CHANGE_CIPHER_SPEC, nextEpoch: false });
    const fin = encodeFinished(this.master, true, sessionHash);
    const finSeq = this.nextSendSeq++;
    this.transcript.update(encodeHandshake(HandshakeType.Finished, finSeq, fin));
    for (const payload of fragmentHandshake(HandshakeType.Finished, finSeq, fin, handshakeRoom(this.o.mtu, writeCipher.overhead))) out.push({ type: ContentType.Handshake, payload, nextEpoch: true });
    this.flight = out;
    this.state = 'waitChangeCipherSpec';
    this.sendFlight();
    this.timer.start();
  }

  private onFinished(m: HandshakeMessage): void {
    if (!this.master || !this.readCipher || !this.w1 || !this.suite) return;
    if (!verifyFinished(m.body, this.master, false, this.transcript.copy().digest())) return this.fail('server Finished does not verify', AlertDescription.DecryptError);
    this.timer.cancel();
    this.state = 'done';
    const session = new Session(this.o.peer, this.o.identity, this.suite, 1, this.readCipher, this.w1, this.o.clock.now(), this.readWindow);
    if (this.resumed) {
      // Abbreviated handshake: our CCS + Finished come last; re-sent when the server repeats its flight.
      this.transcript.update(encodeHandshake(m.type, m.seq, m.body));
      const out: FlightEntry[] = [{ type: ContentType.ChangeCipherSpec, payload: CHANGE_CIPHER_SPEC, nextEpoch: false }];
      const fin = encodeFinished(this.master, true, this.transcript.copy().digest());
      for (const payload of fragmentHandshake(HandshakeType.Finished, this.nextSendSeq++, fin, handshakeRoom(this.o.mtu, this.w1.cipher?.overhead ?? 0))) out.push({ type: ContentType.Handshake, payload, nextEpoch: true });
      this.flight = out;
      this.sendFlight();
      session.resendFinalFlight = () => this.sendFlight();
    }
    const resumable: ResumableSession | undefined =
      this.sessionId.length > 0 ? { id: this.sessionId, identity: this.o.identity, suite: this.suite, master: this.master, extendedMasterSecret: this.useEms } : undefined;
    this.o.completed(session, resumable);
  }

  fail(reason: string, sendAlert: number | undefined, receivedAlert?: number): void {
    if (this.finished) return;
    this.state = 'failed';
    this.timer.cancel();
    this.reassembler.clear();
    if (sendAlert !== undefined) this.o.sendDatagram(writeRecord(this.w0, ContentType.Alert, encodeAlert(AlertLevel.Fatal, sendAlert)));
    this.o.failed(reason, receivedAlert ?? sendAlert);
  }

  abort(): void {
    if (this.finished) return;
    this.state = 'failed';
    this.timer.cancel();
  }
}
