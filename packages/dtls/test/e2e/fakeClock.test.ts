/**
 * Retransmission, backoff, buffering during async PSK resolution and idle expiry, driven by a fake
 * clock over an in-memory network that can drop chosen datagrams.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DtlsClient, DtlsServer, type DtlsServerOptions, type HandshakeFailedEvent, type PeerAddress, type SessionEvent } from '../../src/index.js';
import { FakeClock } from '../helpers/FakeClock.js';
import { MemoryNetwork, settle, type MemorySocket } from '../helpers/MemoryNetwork.js';

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const SERVER_PORT = 5684;

/** Handshake message types carried in the plaintext (epoch-0) handshake records of a datagram. */
function plainHandshakeTypes(d: Buffer): number[] {
  const out: number[] = [];
  let p = 0;
  while (p + 13 <= d.length) {
    const len = d.readUInt16BE(p + 11);
    if (d[p] === 22 && d.readUInt16BE(p + 3) === 0) out.push(d[p + 13] as number);
    if (d[p] === 20) out.push(-20); // ChangeCipherSpec marker
    p += 13 + len;
  }
  return out;
}

interface Rig {
  net: MemoryNetwork;
  clock: FakeClock;
  server: DtlsServer;
  serverSocket: MemorySocket;
  events: SessionEvent[];
  failures: HandshakeFailedEvent[];
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.server.close();
});

async function rig(opts: Partial<DtlsServerOptions> = {}): Promise<Rig> {
  const net = new MemoryNetwork();
  const clock = new FakeClock();
  const serverSocket = net.socket(SERVER_PORT);
  const server = await DtlsServer.listen({ socket: serverSocket, clock, pskResolver: async () => KEY, ...opts });
  const r: Rig = { net, clock, server, serverSocket, events: [], failures: [] };
  server.onSession((e) => r.events.push(e));
  server.on('handshakeFailed', (e) => r.failures.push(e));
  rigs.push(r);
  return r;
}

function connect(r: Rig, opts: Partial<Parameters<typeof DtlsClient.connect>[0]> = {}): { socket: MemorySocket; result: Promise<DtlsClient | Error> } {
  const socket = r.net.socket();
  const result = DtlsClient.connect({ host: '127.0.0.1', port: SERVER_PORT, identity: 'dev1', key: KEY, socket, clock: r.clock, timeoutMs: 600_000, ...opts }).catch((e: unknown) => e as Error);
  return { socket, result };
}

const isFromServer = (from: PeerAddress): boolean => from.port === SERVER_PORT;

describe('flight retransmission (fake clock)', () => {
  it('the server retransmits a lost flight 4 after the initial timeout, and the handshake completes', async () => {
    const r = await rig({ retransmitInitialMs: 1000 });
    const sent: number[] = [];
    let dropNext = true;
    r.net.filter = (from, _to, d) => {
      if (isFromServer(from) && plainHandshakeTypes(d).includes(2)) {
        sent.push(r.clock.now());
        if (dropNext) {
          dropNext = false;
          return false;
        }
      }
      return true;
    };
    const { result } = connect(r, { retransmitInitialMs: 60_000 });
    await settle();
    expect(sent).toEqual([0]);
    r.clock.advance(999);
    await settle();
    expect(sent).toEqual([0]);
    r.clock.advance(1);
    await settle();
    const c = await result;
    expect(c).toBeInstanceOf(DtlsClient);
    expect(sent).toEqual([0, 1000]);
    expect(r.server.stats().sessions).toBe(1);
  });

  it('backs off exponentially, then abandons the handshake and frees its state', async () => {
    const r = await rig({ retransmitInitialMs: 1000, retransmitMaxMs: 8000, maxRetransmissions: 5, handshakeTimeoutMs: 60_000 });
    const sent: number[] = [];
    r.net.filter = (from, _to, d) => {
      if (isFromServer(from) && plainHandshakeTypes(d).includes(2)) {
        sent.push(r.clock.now());
        return false;
      }
      return true;
    };
    const { result } = connect(r, { retransmitInitialMs: 600_000, maxRetransmissions: 0 });
    await settle();
    expect(r.server.stats().handshakes).toBe(1);
    for (let i = 0; i < 40; i++) {
      r.clock.advance(1000);
      await settle(2);
    }
    // 1 s, 2 s, 4 s, then capped at 8 s.
    expect(sent).toEqual([0, 1000, 3000, 7000, 15000, 23000]);
    expect(r.server.stats()).toMatchObject({ handshakes: 0, sessions: 0, reassemblyBytes: 0 });
    expect(r.server.peerStateCount).toBe(0);
    expect(r.failures.map((f) => f.reason)).toEqual(['handshake timeout']);
    r.clock.advance(600_000);
    await settle();
    expect(await result).toMatchObject({ code: 'DTLS_HANDSHAKE_TIMEOUT' });
  });

  it('the client retransmits flight 5 when flight 6 is lost; the server answers from the session', async () => {
    const r = await rig();
    let dropped = 0;
    let ccsFromServer = 0;
    r.net.filter = (from, _to, d) => {
      if (isFromServer(from) && plainHandshakeTypes(d).includes(-20)) {
        ccsFromServer += 1;
        if (dropped === 0) {
          dropped += 1;
          return false;
        }
      }
      return true;
    };
    const { result } = connect(r, { retransmitInitialMs: 1000 });
    await settle();
    expect(r.server.stats().sessions).toBe(1); // the server is done, the client is not
    expect(ccsFromServer).toBe(1);
    r.clock.advance(1000);
    await settle();
    const c = await result;
    expect(c).toBeInstanceOf(DtlsClient);
    expect(ccsFromServer).toBe(2);
    expect(r.events.map((e) => e.kind)).toEqual(['up']);
  });

  it("the server's retransmitted flight 4 makes the client resend a lost flight 5 at once", async () => {
    const r = await rig({ retransmitInitialMs: 1000 });
    let flight5 = 0;
    r.net.filter = (from, _to, d) => {
      if (!isFromServer(from) && plainHandshakeTypes(d).includes(16)) {
        flight5 += 1;
        return flight5 > 1; // lose the first ClientKeyExchange + CCS + Finished
      }
      return true;
    };
    const { result } = connect(r, { retransmitInitialMs: 60_000 });
    await settle();
    expect(flight5).toBe(1);
    r.clock.advance(1000); // server resends ServerHello..Done; the client answers with flight 5 again
    await settle();
    expect(await result).toBeInstanceOf(DtlsClient);
    expect(flight5).toBe(2);
    expect(r.clock.now()).toBe(1000);
  });

  it('the client retransmits its ClientHello when the HelloVerifyRequest is lost', async () => {
    const r = await rig();
    let hvr = 0;
    r.net.filter = (from, _to, d) => {
      if (isFromServer(from) && plainHandshakeTypes(d).includes(3)) {
        hvr += 1;
        return hvr > 1;
      }
      return true;
    };
    const { result } = connect(r, { retransmitInitialMs: 500 });
    await settle();
    expect(hvr).toBe(1);
    r.clock.advance(500);
    await settle();
    expect(await result).toBeInstanceOf(DtlsClient);
    expect(hvr).toBe(2);
  });
});

describe('asynchronous PSK resolution', () => {
  it('keeps the ChangeCipherSpec and Finished that arrive while the PSK is being resolved', async () => {
    let release: (k: Uint8Array) => void = () => {};
    const r = await rig({ pskResolver: () => new Promise<Uint8Array>((res) => (release = res)) });
    const { result } = connect(r);
    await settle();
    expect(r.server.stats()).toMatchObject({ handshakes: 1, sessions: 0 });
    release(KEY);
    await settle();
    expect(await result).toBeInstanceOf(DtlsClient);
    expect(r.clock.now()).toBe(0); // no retransmission was needed
  });

  it('a flight 5 retransmitted during a slow resolution is answered from the new session', async () => {
    let release: (k: Uint8Array) => void = () => {};
    const r = await rig({ pskResolver: () => new Promise<Uint8Array>((res) => (release = res)) });
    let serverFinishedFlights = 0;
    r.net.filter = (from, _to, d) => {
      if (isFromServer(from) && plainHandshakeTypes(d).includes(-20)) serverFinishedFlights += 1;
      return true;
    };
    const { result } = connect(r, { retransmitInitialMs: 1000 });
    await settle();
    r.clock.advance(1000); // the client, still waiting, retransmits CKE + CCS + Finished
    await settle();
    expect(serverFinishedFlights).toBe(0);
    release(KEY);
    await settle();
    expect(await result).toBeInstanceOf(DtlsClient);
    // Once for the first Finished, once more for the buffered duplicate handed to the session.
    expect(serverFinishedFlights).toBe(2);
    expect(r.server.stats()).toMatchObject({ sessions: 1, handshakes: 0 });
  });

  it('a resolver that throws fails the handshake with internal_error', async () => {
    const r = await rig({ pskResolver: () => Promise.reject(new Error('store down')) });
    const { result } = connect(r);
    await settle();
    expect(await result).toMatchObject({ code: 'DTLS_ALERT', details: { alert: 80 } });
    expect(r.server.stats().handshakes).toBe(0);
  });
});

describe('caps', () => {
  it('maxHandshakes: extra handshakes are refused without state', async () => {
    const r = await rig({ maxHandshakes: 2, pskResolver: () => new Promise<Uint8Array>(() => {}) });
    for (let i = 0; i < 4; i++) connect(r, { retransmitInitialMs: 600_000 });
    await settle();
    expect(r.server.stats()).toMatchObject({ handshakes: 2, handshakesRejected: 2 });
    expect(r.server.peerStateCount).toBe(2);
  });

  it('maxSessions counts handshakes in progress, so sessions never exceed the cap', async () => {
    const r = await rig({ maxSessions: 2, pskResolver: () => new Promise<Uint8Array>(() => {}) });
    for (let i = 0; i < 4; i++) connect(r, { retransmitInitialMs: 600_000 });
    await settle();
    expect(r.server.stats()).toMatchObject({ handshakes: 2, handshakesRejected: 2, sessions: 0 });
  });

  it('maxSessions: a new peer is refused when the table is full', async () => {
    const r = await rig({ maxSessions: 1 });
    const a = connect(r);
    await settle();
    expect(await a.result).toBeInstanceOf(DtlsClient);
    connect(r, { retransmitInitialMs: 600_000 });
    await settle();
    expect(r.server.stats()).toMatchObject({ sessions: 1, handshakesRejected: 1, handshakes: 0 });
  });
});

describe('fairness', () => {
  it('maxHandshakesPerSource: one source cannot take the whole table; another source still gets in', async () => {
    const r = await rig({ maxHandshakesPerSource: 3, pskResolver: () => new Promise<Uint8Array>(() => {}) });
    for (let i = 0; i < 5; i++) connect(r, { retransmitInitialMs: 600_000 });
    await settle();
    expect(r.server.stats()).toMatchObject({ handshakes: 3, handshakesRejected: 2 });
    expect(r.server.stats().drops.capped).toBe(2);
    // A ClientHello from another address (same network, another source) is still served.
    const other = r.net.socket();
    Object.assign(other, { local: { address: '127.0.0.9', port: other.local.port } });
    const c = DtlsClient.connect({ host: '127.0.0.1', port: SERVER_PORT, identity: 'dev1', key: KEY, socket: other, clock: r.clock, timeoutMs: 600_000 }).catch((e: unknown) => e);
    await settle();
    expect(r.server.stats().handshakes).toBe(4);
    void c;
  });

  it('abandoned handshake state expires after handshakeTimeoutMs, not after the retransmissions', async () => {
    const r = await rig({ handshakeTimeoutMs: 4000, retransmitInitialMs: 1000, maxRetransmissions: 10 });
    r.net.filter = (from, _to, d) => !(isFromServer(from) && plainHandshakeTypes(d).includes(2)); // the client never hears flight 4
    connect(r, { retransmitInitialMs: 600_000 });
    await settle();
    expect(r.server.stats().handshakes).toBe(1);
    r.clock.advance(3999);
    await settle(2);
    expect(r.server.stats().handshakes).toBe(1);
    r.clock.advance(1);
    await settle(2);
    expect(r.server.stats()).toMatchObject({ handshakes: 0, handshakesFailed: 1 });
    expect(r.server.peerStateCount).toBe(0);
    expect(r.failures.map((f) => f.reason)).toEqual(['handshake timeout']);
  });
});

describe('idle timeout (fake clock)', () => {
  it('expires a silent session, but not an active one', async () => {
    const r = await rig({ idleTimeoutMs: 60_000 });
    const quiet = connect(r);
    const busy = connect(r);
    await settle();
    const busyClient = (await busy.result) as DtlsClient;
    expect(await quiet.result).toBeInstanceOf(DtlsClient);
    expect(r.server.stats().sessions).toBe(2);
    for (let t = 0; t < 100; t++) {
      r.clock.advance(1000);
      if (t % 20 === 0) {
        await busyClient.send(busyClient.peer, Buffer.from('keepalive'));
        await settle(3);
      }
    }
    expect(r.server.stats().sessions).toBe(1);
    const down = r.events.filter((e) => e.kind === 'down');
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ reason: 'idle timeout', peer: { port: quiet.socket.local.port } });
    r.clock.advance(120_000);
    expect(r.server.stats().sessions).toBe(0);
  });
});
