/**
 * DTLS 1.2 PSK server (RFC 6347, RFC 4279) over one UDP socket, shaped as a `DatagramTransport`.
 *
 * Before a ClientHello returns a valid cookie nothing is stored for its sender (stateless
 * HelloVerifyRequest, answered with the ClientHello's own record sequence number). Per peer there is at
 * most one handshake in progress and one established session; a completed handshake replaces the
 * session. Records are processed synchronously; the only async step is PSK resolution.
 */
import { AlertDescription, AlertLevel, ContentType, ExtensionType, HandshakeType, MAX_PLAINTEXT, ProtocolVersion } from './constants.js';
import { CipherSuites, DEFAULT_CIPHER_SUITES, type CipherSuiteInfo, type CipherSuiteName } from './crypto/CipherSuite.js';
import { DtlsError } from './DtlsError.js';
import { encodeHandshake, parseFragments, type HandshakeFragment } from './handshake/HandshakeFragment.js';
import { hasExtension } from './handshake/Extensions.js';
import { encodeAlert, parseAlert } from './handshake/messages/Alert.js';
import { parseClientHello, type ClientHello } from './handshake/messages/ClientHello.js';
import { encodeHelloVerifyRequest } from './handshake/messages/HelloVerifyRequest.js';
import { NodeUdpSocket, type UdpSocket } from './net/UdpSocket.js';
import { isDtlsRecordVersion, parseRecords, plainRecord, type DtlsRecord } from './record/Record.js';
import { CookieFactory } from './server/CookieFactory.js';
import { FairInbox } from './server/FairInbox.js';
import { CidRegistry } from './server/CidRegistry.js';
import { CONNECTION_ID_EXTENSION, parseCidExtension, SERVER_CID_LENGTH } from './record/ConnectionId.js';
import { SessionCache, type CachedSession } from './server/SessionCache.js';
import { SourceQuota } from './server/SourceQuota.js';
import { DEFAULT_SEQ_MARGIN, restoreSession, saveSession, type SavedSession } from './server/SessionPersistence.js';
import { createHash } from 'node:crypto';
import type { DtlsServerOptions, DtlsServerStats, HandshakeFailedEvent, PeerMovedEvent } from './server/DtlsServerOptions.js';

export type { DtlsServerOptions, DtlsServerStats, HandshakeFailedEvent, PeerMovedEvent, PskResolver } from './server/DtlsServerOptions.js';
import { DropStats, handshakeFailureKind, type DropReason, type HandshakeFailureKind } from './server/DropStats.js';
import { ServerHandshake, type ServerHandshakeContext, type ServerHandshakeEvents } from './server/ServerHandshake.js';
import type { Session } from './Session.js';
import { SystemClock, SystemRandom, peerKey, type Clock, type DatagramTransport, type InboundDatagram, type PeerAddress, type Random, type SessionEvent, type TimerHandle } from './types.js';


interface PeerState {
  peer: PeerAddress;
  session: Session | undefined;
  handshake: ServerHandshake | undefined;
}

/** Calls every listener; an exception in one never breaks the server or the others. */
function emitAll<E>(handlers: Iterable<(e: E) => void>, e: E): void {
  for (const h of handlers) {
    try {
      h(e);
    } catch {
      // listeners must not break the server
    }
  }
}

export class DtlsServer implements DatagramTransport {
  readonly secure = true as const;
  private readonly peers = new Map<string, PeerState>();
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly cookies: CookieFactory;
  private readonly suites: CipherSuiteInfo[];
  private readonly ctx: ServerHandshakeContext;
  private readonly hsEvents: ServerHandshakeEvents;
  private readonly maxSessions: number;
  private readonly maxHandshakes: number;
  private readonly idleTimeoutMs: number;
  private readonly drops: DropStats;
  private readonly quota: SourceQuota;
  private readonly inbox: FairInbox;
  private readonly cache: SessionCache;
  private readonly cids: CidRegistry<PeerState> | undefined;
  private readonly movedHandlers = new Set<(e: PeerMovedEvent) => void>();
  private readonly failures: Partial<Record<HandshakeFailureKind, number>> = {};
  private readonly resolver: DtlsServerOptions['pskResolver'];
  private readonly closeNotify: boolean;
  private datagramHandler: (d: InboundDatagram) => void = () => {};
  private readonly sessionHandlers = new Set<(e: SessionEvent) => void>();
  private readonly failedHandlers = new Set<(e: HandshakeFailedEvent) => void>();
  private sessionCount = 0;
  private handshakeCount = 0;
  private sweepTimer: TimerHandle | undefined;
  private closed = false;
  private readonly counters = {
    datagramsIn: 0,
    recordsIn: 0,
    helloVerifyRequestsSent: 0,
    handshakesCompleted: 0,
    handshakesResumed: 0,
    peersMoved: 0,
    restoredSessions: 0,
    handshakesFailed: 0,
    handshakesRejected: 0,
    handlerErrors: 0,
  };

  constructor(
    private readonly socket: UdpSocket,
    opts: DtlsServerOptions,
  ) {
    this.clock = opts.clock ?? SystemClock;
    this.random = opts.random ?? SystemRandom;
    this.cookies = new CookieFactory(this.clock, this.random, opts.cookieRotateMs ?? 60_000);
    const names = opts.cipherSuites ?? [...DEFAULT_CIPHER_SUITES];
    if (names.length === 0) throw new DtlsError('DTLS_BAD_OPTIONS', 'no cipher suites');
    this.suites = names.map((n) => {
      const s = CipherSuites[n];
      if (!s) throw new DtlsError('DTLS_BAD_OPTIONS', `unknown cipher suite ${String(n)}`);
      return s;
    });
    this.maxSessions = opts.maxSessions ?? 100_000;
    this.maxHandshakes = opts.maxHandshakes ?? 10_000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 15 * 60_000;
    this.drops = new DropStats(opts.logger);
    this.cache = new SessionCache({ maxEntries: opts.sessionCache?.maxEntries ?? 10_000, lifetimeMs: opts.sessionCache?.lifetimeMs ?? 24 * 3600_000 });
    this.cids = opts.connectionId === false ? undefined : new CidRegistry<PeerState>(this.random, SERVER_CID_LENGTH);
    this.quota = new SourceQuota(opts.maxHandshakesPerSource ?? 64);
    const resolver = opts.pskResolver;
    this.resolver = resolver;
    this.closeNotify = opts.closeNotify ?? true;
    this.ctx = {
      clock: this.clock,
      random: this.random,
      mtu: opts.mtu ?? 1400,
      retransmitInitialMs: opts.retransmitInitialMs ?? 1000,
      retransmitMaxMs: opts.retransmitMaxMs ?? 60_000,
      maxRetransmissions: opts.maxRetransmissions ?? 5,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 15_000,
      identityHint: opts.identityHint,
      unknownIdentityAlert: opts.unknownIdentityAlert === 'unknown_psk_identity' ? AlertDescription.UnknownPskIdentity : AlertDescription.DecryptError,
      resolvePsk: (identity, peer) => resolver(identity, peer),
      sendDatagram: (peer, data) => this.socket.send(data, peer),
    };
    this.hsEvents = {
      completed: (hs, session) => this.onHandshakeCompleted(hs, session),
      failed: (hs, reason, alert, identity) => this.onHandshakeFailed(hs, reason, alert, identity),
    };
    this.inbox = new FairInbox(
      { perSource: opts.inbox?.perSource ?? 32, total: opts.inbox?.total ?? 8192, perTurn: opts.inbox?.perTurn ?? 16, defer: (fn) => setImmediate(fn) },
      (data, peer) => this.onDatagramIn(data, peer),
      (peer) => this.drop('overload', peer),
    );
    socket.onMessage((data, peer) => {
      if (this.closed) return;
      this.counters.datagramsIn += 1;
      this.inbox.push(data, peer);
    });
    this.armSweep();
  }

  static async listen(opts: DtlsServerOptions): Promise<DtlsServer> {
    const socket = opts.socket ?? (await NodeUdpSocket.bind({ host: opts.host ?? '0.0.0.0', port: opts.port ?? 0, bufferBytes: opts.socketBufferBytes ?? 4 * 1024 * 1024 }));
    return new DtlsServer(socket, opts);
  }

  // ---- DatagramTransport ----

  send(peer: PeerAddress, data: Uint8Array): Promise<void> {
    const session = this.peers.get(peerKey(peer))?.session;
    if (this.closed) return Promise.reject(new DtlsError('DTLS_CLOSED', 'server is closed'));
    if (!session) return Promise.reject(new DtlsError('DTLS_NO_SESSION', 'no DTLS session with this peer', { peer: `${peer.address}:${peer.port}` }));
    if (data.length > MAX_PLAINTEXT) return Promise.reject(new DtlsError('DTLS_TOO_LARGE', 'datagram too large', { length: data.length }));
    this.socket.send(session.seal(ContentType.ApplicationData, data), peer);
    return Promise.resolve();
  }

  onDatagram(handler: (datagram: InboundDatagram) => void): void {
    this.datagramHandler = handler;
  }

  onSession(handler: (event: SessionEvent) => void): () => void {
    this.sessionHandlers.add(handler);
    return () => void this.sessionHandlers.delete(handler);
  }

  address(): PeerAddress {
    return this.socket.address();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweepTimer?.cancel();
    const flushed: Promise<void>[] = [];
    for (const st of this.peers.values()) {
      st.handshake?.abort();
      const s = st.session;
      if (s && this.closeNotify) {
        const alert = s.seal(ContentType.Alert, encodeAlert(AlertLevel.Warning, AlertDescription.CloseNotify));
        flushed.push(new Promise<void>((resolve) => this.socket.send(alert, st.peer, () => resolve())));
      }
    }
    const down = [...this.peers.values()].filter((s) => s.session);
    this.peers.clear();
    this.sessionCount = 0;
    this.handshakeCount = 0;
    this.quota.clear();
    this.inbox.clear();
    this.cache.clear();
    this.cids?.clear();
    for (const st of down) this.emitSession({ kind: 'down', peer: st.peer, reason: 'server closed' });
    await Promise.all(flushed);
    await this.socket.close();
  }

  // ---- management ----

  on(event: 'handshakeFailed', cb: (e: HandshakeFailedEvent) => void): this;
  on(event: 'peerMoved', cb: (e: PeerMovedEvent) => void): this;
  on(event: 'handshakeFailed' | 'peerMoved', cb: ((e: HandshakeFailedEvent) => void) | ((e: PeerMovedEvent) => void)): this {
    if (event === 'handshakeFailed') this.failedHandlers.add(cb as (e: HandshakeFailedEvent) => void);
    else this.movedHandlers.add(cb as (e: PeerMovedEvent) => void);
    return this;
  }

  off(event: 'handshakeFailed' | 'peerMoved', cb: ((e: HandshakeFailedEvent) => void) | ((e: PeerMovedEvent) => void)): this {
    if (event === 'handshakeFailed') this.failedHandlers.delete(cb as (e: HandshakeFailedEvent) => void);
    else this.movedHandlers.delete(cb as (e: PeerMovedEvent) => void);
    return this;
  }

  /** Sends close_notify and forgets the peer's session (and any handshake in progress). */
  dropSession(peer: PeerAddress, reason = 'dropped'): boolean {
    const st = this.peers.get(peerKey(peer));
    if (!st) return false;
    const had = st.session !== undefined;
    if (st.handshake) {
      st.handshake.abort();
      this.setHandshake(st, undefined);
    }
    if (st.session) {
      this.socket.send(st.session.seal(ContentType.Alert, encodeAlert(AlertLevel.Warning, AlertDescription.CloseNotify)), st.peer);
      this.removeSession(st, reason);
    }
    this.gc(st);
    return had;
  }

  /** Drops the identity's sessions and forgets its resumable ones (rotated or removed credentials). */
  dropSessionsByIdentity(identity: string, reason = 'dropped'): number {
    this.cache.dropIdentity(identity);
    let n = 0;
    for (const st of [...this.peers.values()]) {
      if (st.session?.identity === identity && this.dropSession(st.peer, reason)) n += 1;
    }
    return n;
  }

  /** Established sessions as records that hold their secrets: seal them (`sealSessions`) before they leave memory. */
  exportSessions(): SavedSession[] {
    const out: SavedSession[] = [];
    for (const st of this.peers.values()) {
      const r = st.session ? saveSession(st.session) : undefined;
      if (r) out.push(r);
    }
    return out;
  }

  /**
   * Restores saved sessions (after a restart): only those whose identity still resolves to the same key
   * (a rotated or removed endpoint's are skipped), with our sequence numbers `seqMargin` ahead.
   */
  async restoreSessions(saved: readonly SavedSession[], opts: { seqMargin?: number } = {}): Promise<{ restored: number; skipped: number }> {
    let restored = 0;
    for (const r of saved) {
      try {
        const key = await this.resolver(r.identity, r.peer);
        if (!key || !createHash('sha256').update(key).digest().subarray(0, 16).equals(Buffer.from(r.pskHash, 'hex'))) continue;
        const s = restoreSession(r, this.clock.now(), opts.seqMargin ?? DEFAULT_SEQ_MARGIN, (n) => this.random.bytes(n));
        const k = peerKey(s.peer);
        if (this.closed || this.peers.has(k) || this.sessionCount >= this.maxSessions) continue;
        const st: PeerState = { peer: s.peer, session: s, handshake: undefined };
        if (s.readCid && !this.cids?.adopt(s.readCid, st)) continue;
        this.peers.set(k, st);
        this.sessionCount += 1;
        this.counters.restoredSessions += 1;
        restored += 1;
        this.emitSession({ kind: 'up', peer: s.peer, security: s.security });
      } catch {
        // a bad record or a failing resolver: that session is not restored
      }
    }
    return { restored, skipped: saved.length - restored };
  }

  /** The session's authenticated identity and suite, if the peer has one. */
  sessionInfo(peer: PeerAddress): { pskIdentity: string; cipherSuite: CipherSuiteName } | undefined {
    const s = this.peers.get(peerKey(peer))?.session;
    return s ? { pskIdentity: s.identity, cipherSuite: s.suite.name } : undefined;
  }

  stats(): DtlsServerStats {
    let reassemblyBytes = 0;
    for (const st of this.peers.values()) reassemblyBytes += st.handshake?.bufferedBytes ?? 0;
    return {
      sessions: this.sessionCount,
      handshakes: this.handshakeCount,
      reassemblyBytes,
      ...this.counters,
      resumableSessions: this.cache.size,
      cidSessions: this.cids?.size ?? 0,
      failures: { ...this.failures },
      drops: this.drops.snapshot(),
    };
  }

  /** Number of peers with any state (session or handshake): 0 after a spoofed ClientHello flood. */
  get peerStateCount(): number {
    return this.peers.size;
  }

  // ---- inbound ----

  private onDatagramIn(data: Buffer, peer: PeerAddress): void {
    if (this.closed) return;
    const records: DtlsRecord[] = [];
    const problem = parseRecords(data, records, this.cids ? SERVER_CID_LENGTH : 0);
    if (problem) this.drops.drop(problem, peer);
    if (records.length === 0) return;
    this.counters.recordsIn += records.length;
    const key = peerKey(peer);
    for (const rec of records) {
      try {
        if (rec.epoch === 0) this.onPlainRecord(rec, peer, key);
        else if (rec.version !== ProtocolVersion.Dtls12) this.drop('unknownVersion', peer);
        else if (rec.cid) this.onCidRecord(rec, peer);
        else this.onProtectedRecord(rec, key, peer);
      } catch {
        // A bug or hostile input in one record never takes the server down.
        this.drop('malformed', peer);
      }
    }
  }

  private drop(reason: DropReason, peer: PeerAddress): void {
    this.drops.drop(reason, peer);
  }

  private onPlainRecord(rec: DtlsRecord, peer: PeerAddress, key: string): void {
    const st = this.peers.get(key);
    // A ClientHello may come in any 0xfe record version (fe 00 from mbedTLS); everything else in fe fd / fe ff.
    const hello = rec.type === ContentType.Handshake && rec.fragment.length >= 12 && rec.fragment[0] === HandshakeType.ClientHello;
    if (!hello && !isDtlsRecordVersion(rec.version)) return this.drop('unknownVersion', peer);
    switch (rec.type) {
      case ContentType.Handshake:
        if (hello) return this.onClientHello(rec, peer, key, st);
        if (st?.handshake) return st.handshake.onPlainHandshake(rec);
        return this.drop('unexpected', peer);
      case ContentType.ChangeCipherSpec:
        if (st?.handshake) return st.handshake.onChangeCipherSpec(rec.fragment);
        return this.drop('unexpected', peer);
      case ContentType.Alert:
        if (st?.handshake) return st.handshake.onPlainAlert(rec.fragment);
        return this.drop('unexpected', peer);
      default:
        this.drop('unexpected', peer);
    }
  }

  private onClientHello(rec: DtlsRecord, peer: PeerAddress, key: string, st: PeerState | undefined): void {
    const frags: HandshakeFragment[] = [];
    parseFragments(rec.fragment, frags);
    const f = frags[0];
    // A ClientHello must arrive unfragmented: before the cookie we keep no reassembly state.
    if (!f || f.type !== HandshakeType.ClientHello || f.offset !== 0 || f.body.length !== f.length) return this.drop('malformed', peer);
    let hello: ClientHello;
    try {
      hello = parseClientHello(f.body);
    } catch {
      return this.drop('malformed', peer);
    }
    if (st?.handshake && st.handshake.state !== 'failed' && st.handshake.clientRandom.equals(hello.random)) {
      st.handshake.onClientHelloRetransmit();
      return;
    }
    if (st?.session?.clientRandom?.equals(hello.random)) {
      // A late duplicate of the ClientHello that created the current session.
      return this.drop('unexpected', peer);
    }
    if (!this.cookies.verify(peer, hello.random, hello.cookie)) {
      const hvr = encodeHandshake(HandshakeType.HelloVerifyRequest, f.seq, encodeHelloVerifyRequest(this.cookies.make(peer, hello.random)));
      this.socket.send(plainRecord(ContentType.Handshake, 0, rec.seq, hvr), peer);
      this.counters.helloVerifyRequestsSent += 1;
      return;
    }
    // The peer proved it receives at its address: from here on state may be allocated.
    const reject = (reason: string, alert: number): void => {
      this.socket.send(plainRecord(ContentType.Alert, 0, rec.seq, encodeAlert(AlertLevel.Fatal, alert)), peer);
      this.counters.handshakesFailed += 1;
      this.emitFailed({ peer, reason, alert });
    };
    if (hello.version > ProtocolVersion.Dtls12) {
      return reject('client does not offer DTLS 1.2', AlertDescription.ProtocolVersion);
    }
    if (!hello.compressionMethods.includes(0)) return reject('no null compression', AlertDescription.IllegalParameter);
    const reneg = hello.extensions.find((x) => x.type === ExtensionType.RenegotiationInfo);
    if (reneg && !(reneg.data.length === 1 && reneg.data[0] === 0)) {
      return reject('non-empty renegotiation_info in an initial handshake', AlertDescription.HandshakeFailure); // RFC 5746 §3.6
    }
    let suite = this.suites.find((s) => hello.cipherSuites.includes(s.id));
    if (!suite) return reject('no common cipher suite', AlertDescription.HandshakeFailure);
    const ems = hasExtension(hello.extensions, ExtensionType.ExtendedMasterSecret);
    let resume: CachedSession | undefined;
    const cached = this.cache.get(hello.sessionId, this.clock.now());
    if (cached) {
      // RFC 7627 §5.3: an EMS session (we cache no others) is never resumed without the extension.
      if (!ems) return reject('resumption without extended_master_secret', AlertDescription.HandshakeFailure);
      // The client must offer the session's suite; otherwise a full handshake.
      if (hello.cipherSuites.includes(cached.suite.id)) {
        resume = cached;
        suite = cached.suite;
      }
    }
    let cidExt: Buffer | undefined;
    const cidOffer = this.cids ? hello.extensions.find((x) => x.type === CONNECTION_ID_EXTENSION) : undefined;
    if (cidOffer) {
      cidExt = parseCidExtension(cidOffer.data);
      if (!cidExt) return reject('malformed connection_id extension', AlertDescription.DecodeError);
    }
    // A resumable session gets a fresh id; only EMS sessions are resumable (RFC 7627 §5.3).
    const sessionId = resume ? resume.id : this.cache.enabled && ems ? Buffer.from(this.random.bytes(32)) : Buffer.alloc(0);
    if (!st?.handshake && this.handshakeCount >= this.maxHandshakes) return this.rejectCapped(peer);
    // One source (address, or IPv6 /64) cannot take the whole table.
    if (!st?.handshake && !this.quota.allows(peer.address)) return this.rejectCapped(peer);
    // Handshakes in progress count too, so completed handshakes can never push sessions past the cap.
    if (!st?.session && !st?.handshake && this.sessionCount + this.handshakeCount >= this.maxSessions) return this.rejectCapped(peer);
    let state = st;
    if (!state) {
      state = { peer: { address: peer.address, port: peer.port }, session: undefined, handshake: undefined };
      this.peers.set(key, state);
    }
    if (state.handshake) {
      state.handshake.abort();
      this.setHandshake(state, undefined);
    }
    const cid = cidExt && this.cids ? { ours: this.cids.allocate(state), peers: Buffer.from(cidExt) } : undefined;
    const hs = new ServerHandshake(this.ctx, state.peer, hello, { type: f.type, seq: f.seq, body: f.body }, rec.seq, suite, this.hsEvents, sessionId, resume, cid);
    this.setHandshake(state, hs);
    hs.start();
  }

  private rejectCapped(peer: PeerAddress): void {
    this.counters.handshakesRejected += 1;
    this.drop('capped', peer);
  }

  /** A tls12_cid record: routed by its CID, whatever address it came from (RFC 9146 §6). */
  private onCidRecord(rec: DtlsRecord, from: PeerAddress): void {
    const st = this.cids?.lookup(rec.cid as Buffer);
    if (!st) return this.drop('noSession', from);
    this.onProtectedRecord(rec, peerKey(st.peer), from, st);
  }

  /** Moves a session to the address its newest authenticated CID record came from. */
  private movePeer(st: PeerState, session: Session, to: PeerAddress): void {
    const from = st.peer;
    const newKey = peerKey(to);
    const other = this.peers.get(newKey);
    if (other && other !== st) {
      // Whatever was at the new address is gone: that address now belongs to this session's client.
      if (other.handshake) {
        other.handshake.abort();
        this.setHandshake(other, undefined);
      }
      this.removeSession(other, 'address taken over by a connection-id session');
      this.peers.delete(newKey);
    }
    this.peers.delete(peerKey(from));
    st.peer = { address: to.address, port: to.port };
    session.peer = st.peer;
    this.peers.set(newKey, st);
    this.counters.peersMoved += 1;
    emitAll(this.movedHandlers, { from, to: st.peer, identity: session.identity });
  }

  private onProtectedRecord(rec: DtlsRecord, key: string, peer: PeerAddress, routed?: PeerState): void {
    const st = routed ?? this.peers.get(key);
    if (!st) return this.drop('noSession', peer);
    const session = st.session;
    if (st.handshake?.wantsEpoch(rec.epoch)) {
      const mine = st.handshake.onProtected(rec, session !== undefined && session.readEpoch === rec.epoch);
      if (mine) return;
    }
    if (!session) return this.drop(st.handshake ? 'badEpoch' : 'noSession', peer);
    if (rec.epoch !== session.readEpoch) return this.drop('badEpoch', peer);
    const pt = session.open(rec);
    if (pt === 'replay') return this.drop('replay', peer);
    if (pt === 'bad') return this.drop('badMac', peer);
    session.lastActivity = this.clock.now();
    // RFC 9146 §6: only an authenticated CID record newer than any seen moves the peer.
    if (rec.cid && session.openedNewest && (peer.port !== st.peer.port || peer.address !== st.peer.address)) this.movePeer(st, session, peer);
    switch (session.openedType) {
      case ContentType.ApplicationData:
        session.resendFinalFlight = undefined;
        try {
          this.datagramHandler({ peer: st.peer, data: pt, security: session.security });
        } catch {
          this.counters.handlerErrors += 1; // the upper layer's bug must not look like bad input
        }
        return;
      case ContentType.Alert: {
        const a = parseAlert(pt);
        if (!a) return;
        if (a.description === AlertDescription.CloseNotify) {
          this.socket.send(session.seal(ContentType.Alert, encodeAlert(AlertLevel.Warning, AlertDescription.CloseNotify)), st.peer);
          this.removeSession(st, 'close_notify');
          this.gc(st);
        } else if (a.level === AlertLevel.Fatal) {
          this.removeSession(st, `peer alert ${a.description}`);
          this.gc(st);
        }
        return;
      }
      case ContentType.Handshake:
        if (pt[0] === HandshakeType.Finished) session.resendFinalFlight?.();
        else this.socket.send(session.seal(ContentType.Alert, encodeAlert(AlertLevel.Warning, AlertDescription.NoRenegotiation)), st.peer);
        return;
      default:
        this.drop('unexpected', peer);
    }
  }

  // ---- bookkeeping ----

  private setHandshake(st: PeerState, hs: ServerHandshake | undefined): void {
    // A CID issued for a handshake that never became a session is free again.
    if (st.handshake && st.handshake !== hs && st.handshake.state !== 'done') this.cids?.free(st.handshake.cid?.ours);
    if (st.handshake && !hs) {
      this.handshakeCount -= 1;
      this.quota.remove(st.peer.address);
    }
    if (!st.handshake && hs) {
      this.handshakeCount += 1;
      this.quota.add(st.peer.address);
    }
    st.handshake = hs;
  }

  private removeSession(st: PeerState, reason: string): void {
    if (!st.session) return;
    this.cids?.free(st.session.readCid);
    st.session = undefined;
    this.sessionCount -= 1;
    this.emitSession({ kind: 'down', peer: st.peer, reason });
  }

  private gc(st: PeerState): void {
    if (!st.session && !st.handshake) this.peers.delete(peerKey(st.peer));
  }

  private onHandshakeCompleted(hs: ServerHandshake, session: Session): void {
    const st = this.peers.get(peerKey(hs.peer));
    if (!st || st.handshake !== hs) return;
    this.setHandshake(st, undefined);
    this.counters.handshakesCompleted += 1;
    if (hs.resumed) this.counters.handshakesResumed += 1;
    const resumable = hs.resumable();
    if (resumable) this.cache.put({ id: hs.sessionId, identity: resumable.identity, suite: hs.suite, master: Buffer.from(resumable.master), pskHash: resumable.pskHash, createdAt: this.clock.now() });
    if (st.session) this.removeSession(st, 'replaced by a new handshake');
    st.session = session;
    this.sessionCount += 1;
    this.emitSession({ kind: 'up', peer: st.peer, security: session.security });
    for (const rec of hs.takeLeftover()) this.onProtectedRecord(rec, peerKey(st.peer), st.peer);
  }

  private onHandshakeFailed(hs: ServerHandshake, reason: string, alert: number | undefined, identity: string | undefined): void {
    const st = this.peers.get(peerKey(hs.peer));
    if (st && st.handshake === hs) {
      this.setHandshake(st, undefined);
      this.gc(st);
    }
    this.counters.handshakesFailed += 1;
    const e: { peer: PeerAddress; reason: string; identity?: string; alert?: number } = { peer: hs.peer, reason };
    if (identity !== undefined) e.identity = identity;
    if (alert !== undefined) e.alert = alert;
    this.emitFailed(e);
  }

  private emitFailed(e: HandshakeFailedEvent): void {
    const kind = handshakeFailureKind(e.reason);
    this.failures[kind] = (this.failures[kind] ?? 0) + 1;
    emitAll(this.failedHandlers, e);
  }

  private emitSession(e: SessionEvent): void {
    emitAll(this.sessionHandlers, e);
  }

  private armSweep(): void {
    const every = Math.max(50, Math.min(this.idleTimeoutMs / 4, 5000));
    this.sweepTimer = this.clock.setTimer(every, () => {
      if (this.closed) return;
      this.sweepIdle();
      this.armSweep();
    });
  }

  private sweepIdle(): void {
    const limit = this.clock.now() - this.idleTimeoutMs;
    for (const st of [...this.peers.values()]) {
      if (st.session && st.session.lastActivity <= limit) {
        this.removeSession(st, 'idle timeout');
        this.gc(st);
      }
    }
  }
}
