/**
 * DTLS 1.2 PSK client: one session to one server over its own UDP socket, shaped as a
 * `DatagramTransport` (the simulator and tests use it). `send`'s peer must be the server.
 */
import { isIPv6 } from 'node:net';
import { AlertDescription, AlertLevel, ContentType, MAX_PLAINTEXT } from './constants.js';
import { ClientHandshake, type ResumableSession } from './client/ClientHandshake.js';
import { CipherSuites, DEFAULT_CIPHER_SUITES, type CipherSuiteName } from './crypto/CipherSuite.js';
import { DtlsError } from './DtlsError.js';
import { encodeAlert, parseAlert } from './handshake/messages/Alert.js';
import { NodeUdpSocket, type UdpSocket } from './net/UdpSocket.js';
import { parseRecords, type DtlsRecord } from './record/Record.js';
import type { Session } from './Session.js';
import { SystemClock, SystemRandom, type Clock, type DatagramTransport, type InboundDatagram, type PeerAddress, type Random, type SessionEvent, type TimerHandle } from './types.js';

export interface DtlsClientOptions {
  host: string;
  port: number;
  identity: string;
  key: Uint8Array;
  /** Offered in this order. */
  cipherSuites?: CipherSuiteName[];
  clock?: Clock;
  random?: Random;
  /** Whole-handshake timeout (default 30 s). */
  timeoutMs?: number;
  localPort?: number;
  /** Local bind address (default: the loopback address for a loopback server, else the wildcard). */
  localHost?: string;
  retransmitInitialMs?: number;
  retransmitMaxMs?: number;
  maxRetransmissions?: number;
  mtu?: number;
  /** A socket to use instead of binding one (tests). */
  socket?: UdpSocket;
  /**
   * A session from an earlier connection's `resumable()`, offered for an abbreviated handshake
   * (RFC 5246 §7.3); a full handshake follows when the server does not resume it.
   */
  resume?: ResumableSession;
  /** Offer Connection ID (RFC 9146; our CID empty): the session survives a change of our address/port. */
  connectionId?: boolean;
}

export class DtlsClient implements DatagramTransport {
  readonly secure = true as const;
  readonly peer: PeerAddress;
  private datagramHandler: (d: InboundDatagram) => void = () => {};
  private readonly sessionHandlers = new Set<(e: SessionEvent) => void>();
  private closed = false;

  private constructor(
    private socket: UdpSocket,
    private session: Session | undefined,
    private readonly clock: Clock,
    private readonly resumableSession: ResumableSession | undefined,
    /** The handshake was abbreviated: the server resumed the offered session. */
    readonly resumed: boolean,
    /** The server issued a connection id (RFC 9146): `rebind` keeps the session. */
    readonly connectionId: boolean,
    private readonly localHost: string,
  ) {
    if (!session) throw new DtlsError('DTLS_HANDSHAKE_FAILED', 'no session');
    this.peer = session.peer;
    socket.onMessage((data, from) => this.onDatagramIn(data, from));
  }

  get cipherSuite(): CipherSuiteName {
    return (this.session?.suite.name ?? 'TLS_PSK_WITH_AES_128_CCM_8') as CipherSuiteName;
  }

  get identity(): string {
    return this.session?.identity ?? '';
  }

  get connected(): boolean {
    return this.session !== undefined;
  }

  /**
   * Moves to a new local port (as a NAT rebinding does): later records leave from `socket` (default: a
   * new socket on an ephemeral port). With a connection id the server follows; without, it cannot.
   */
  async rebind(socket?: UdpSocket): Promise<PeerAddress> {
    const next = socket ?? (await NodeUdpSocket.bind({ host: this.localHost, port: 0 }));
    const old = this.socket;
    this.socket = next;
    next.onMessage((data, from) => this.onDatagramIn(data, from));
    await old.close();
    return next.address();
  }

  /** The session to offer as `resume` on a later connect, when the server gave it an id. */
  resumable(): ResumableSession | undefined {
    return this.resumableSession;
  }

  static async connect(opts: DtlsClientOptions): Promise<DtlsClient> {
    const clock = opts.clock ?? SystemClock;
    const random = opts.random ?? SystemRandom;
    const suites = (opts.cipherSuites ?? [...DEFAULT_CIPHER_SUITES]).map((n) => {
      const s = CipherSuites[n];
      if (!s) throw new DtlsError('DTLS_BAD_OPTIONS', `unknown cipher suite ${String(n)}`);
      return s;
    });
    if (suites.length === 0) throw new DtlsError('DTLS_BAD_OPTIONS', 'no cipher suites');
    const v6 = isIPv6(opts.host);
    const loopback = opts.host === 'localhost' || opts.host === '::1' || opts.host.startsWith('127.');
    const localHost = opts.localHost ?? (loopback ? (v6 ? '::1' : '127.0.0.1') : v6 ? '::' : '0.0.0.0');
    const socket = opts.socket ?? (await NodeUdpSocket.bind({ host: localHost, port: opts.localPort ?? 0 }));
    const peer: PeerAddress = { address: opts.host === 'localhost' ? '127.0.0.1' : opts.host, port: opts.port };
    let deadline: TimerHandle | undefined;
    try {
      let resumable: ResumableSession | undefined;
      let resumed = false;
      let cid = false;
      const session = await new Promise<Session>((resolve, reject) => {
        const hs: ClientHandshake = new ClientHandshake({
          peer,
          identity: opts.identity,
          key: opts.key,
          suites,
          clock,
          random,
          mtu: opts.mtu ?? 1400,
          retransmitInitialMs: opts.retransmitInitialMs ?? 1000,
          retransmitMaxMs: opts.retransmitMaxMs ?? 60_000,
          maxRetransmissions: opts.maxRetransmissions ?? 6,
          ...(opts.resume ? { resume: opts.resume } : {}),
          ...(opts.connectionId ? { connectionId: true } : {}),
          sendDatagram: (d) => socket.send(d, peer),
          completed: (s, r) => {
            resumable = r;
            resumed = hs.resumed;
            cid = (hs.serverCid?.length ?? 0) > 0;
            resolve(s);
          },
          failed: (reason, alert) =>
            reject(
              new DtlsError(alert !== undefined ? 'DTLS_ALERT' : reason === 'handshake timeout' ? 'DTLS_HANDSHAKE_TIMEOUT' : 'DTLS_HANDSHAKE_FAILED', `DTLS handshake failed: ${reason}`, alert !== undefined ? { alert } : {}),
            ),
        });
        deadline = clock.setTimer(opts.timeoutMs ?? 30_000, () => hs.fail('handshake timeout', undefined));
        socket.onMessage((data, from) => {
          if (from.port !== peer.port || from.address !== peer.address) return;
          const recs: DtlsRecord[] = [];
          parseRecords(data, recs);
          for (const r of recs) hs.onRecord(r);
        });
        hs.start();
      });
      return new DtlsClient(socket, session, clock, resumable, resumed, cid, localHost);
    } catch (err) {
      if (!opts.socket) await socket.close();
      throw err;
    } finally {
      deadline?.cancel();
    }
  }

  send(peer: PeerAddress, data: Uint8Array): Promise<void> {
    const s = this.session;
    if (this.closed || !s) return Promise.reject(new DtlsError('DTLS_NO_SESSION', 'DTLS session is closed'));
    if (peer.port !== this.peer.port || peer.address !== this.peer.address) {
      return Promise.reject(new DtlsError('DTLS_NO_SESSION', 'a DtlsClient only talks to its server'));
    }
    if (data.length > MAX_PLAINTEXT) return Promise.reject(new DtlsError('DTLS_TOO_LARGE', 'datagram too large', { length: data.length }));
    s.lastActivity = this.clock.now();
    this.socket.send(s.seal(ContentType.ApplicationData, data), this.peer);
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
    const s = this.session;
    if (s) {
      const alert = s.seal(ContentType.Alert, encodeAlert(AlertLevel.Warning, AlertDescription.CloseNotify));
      // Let the close_notify leave before the socket closes.
      await new Promise<void>((resolve) => this.socket.send(alert, this.peer, () => resolve()));
    }
    this.down('closed');
    this.closed = true;
    await this.socket.close();
  }

  private down(reason: string): void {
    if (!this.session) return;
    this.session = undefined;
    for (const h of this.sessionHandlers) {
      try {
        h({ kind: 'down', peer: this.peer, reason });
      } catch {
        // listeners must not break the client
      }
    }
  }

  private onDatagramIn(data: Buffer, from: PeerAddress): void {
    const s = this.session;
    if (!s || from.port !== this.peer.port || from.address !== this.peer.address) return;
    const recs: DtlsRecord[] = [];
    parseRecords(data, recs);
    // The server repeats its last flight of an abbreviated handshake: our CCS + Finished were lost.
    if (s.resendFinalFlight && recs.some((r) => r.epoch === 0 && r.type === ContentType.Handshake)) s.resendFinalFlight();
    for (const rec of recs) {
      if (rec.epoch !== s.readEpoch) continue;
      const pt = s.open(rec);
      if (typeof pt === 'string') continue;
      s.lastActivity = this.clock.now();
      if (s.openedType === ContentType.ApplicationData) {
        s.resendFinalFlight = undefined; // the server has our Finished
        try {
          this.datagramHandler({ peer: this.peer, data: pt, security: s.security });
        } catch {
          // An exception in the upper layer must not escape into the socket's event emitter.
        }
      } else if (s.openedType === ContentType.Alert) {
        const a = parseAlert(pt);
        if (a && (a.description === AlertDescription.CloseNotify || a.level === AlertLevel.Fatal)) {
          this.down(a.description === AlertDescription.CloseNotify ? 'close_notify' : `server alert ${a.description}`);
          return;
        }
      }
    }
  }
}
