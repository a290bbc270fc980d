/**
 * Session resumption by session id (RFC 5246 §7.3) between our client and our server: abbreviated
 * handshakes, lost final flights, the extended master secret rules of RFC 7627 §5.3, the cache bound,
 * and forgetting a rotated identity's sessions.
 */
import { describe, expect, it } from 'vitest';
import { DtlsClient, DtlsServer, type DtlsServerOptions, type ResumableSession } from '../../src/index.js';
import { encodeHandshake } from '../../src/handshake/HandshakeFragment.js';
import { encodeClientHello, type ClientHello } from '../../src/handshake/messages/ClientHello.js';
import { parseServerHello } from '../../src/handshake/messages/ServerHello.js';
import { plainRecord } from '../../src/record/Record.js';
import { FakeClock } from '../helpers/FakeClock.js';
import { MemoryNetwork, settle } from '../helpers/MemoryNetwork.js';

const KEY = Buffer.from('5f0c2b7d9e114a8c3d6e2f1a0b9c8d7e', 'hex');

async function rig(opts: Partial<DtlsServerOptions> = {}) {
  const net = new MemoryNetwork();
  const clock = new FakeClock();
  const server = await DtlsServer.listen({ socket: net.socket(5684), clock, pskResolver: async (id) => (id.startsWith('dev') ? KEY : undefined), ...opts });
  const got: string[] = [];
  server.onDatagram((d) => {
    got.push(Buffer.from(d.data).toString());
    void server.send(d.peer, Buffer.from(`echo:${Buffer.from(d.data).toString()}`));
  });
  const connect = (o: Partial<Parameters<typeof DtlsClient.connect>[0]> = {}): Promise<DtlsClient> =>
    DtlsClient.connect({ host: '127.0.0.1', port: 5684, identity: 'dev-7', key: KEY, socket: net.socket(), clock, timeoutMs: 600_000, ...o });
  const roundTrip = async (c: DtlsClient, text: string): Promise<string> => {
    const reply = new Promise<string>((resolve) => c.onDatagram((d) => resolve(Buffer.from(d.data).toString())));
    await c.send(c.peer, Buffer.from(text));
    await settle();
    return reply;
  };
  return { net, clock, server, got, connect, roundTrip };
}

describe('resumption (our client, our server)', () => {
  it('a full handshake yields a resumable session; the next connection resumes it (abbreviated) and carries data', async () => {
    const r = await rig();
    const first = await r.connect();
    expect(first.resumed).toBe(false);
    const saved = first.resumable() as ResumableSession;
    expect(saved.id).toHaveLength(32);
    expect(saved.extendedMasterSecret).toBe(true);
    await first.close();
    const second = await r.connect({ resume: saved });
    expect(second.resumed).toBe(true);
    expect(await r.roundTrip(second, 'resumed hello')).toBe('echo:resumed hello');
    expect(r.server.stats()).toMatchObject({ handshakesCompleted: 2, handshakesResumed: 1, resumableSessions: 1 });
    // A resumed connection can be resumed again (same id).
    expect(second.resumable()?.id.equals(saved.id)).toBe(true);
    await second.close();
    const third = await r.connect({ resume: second.resumable() as ResumableSession });
    expect(third.resumed).toBe(true);
    await third.close();
    await r.server.close();
  });

  it('a lost final flight of the client is re-sent when the server repeats its flight', async () => {
    const r = await rig({ retransmitInitialMs: 1000 });
    const first = await r.connect();
    const saved = first.resumable() as ResumableSession;
    await first.close();
    await settle();
    let dropNext = true;
    r.net.filter = (from, _to, d) => {
      // the client's CCS (epoch 0, type 20) + Finished: drop the first copy
      if (from.port !== 5684 && d[0] === 20 && dropNext) {
        dropNext = false;
        return false;
      }
      return true;
    };
    const c = await r.connect({ resume: saved, retransmitInitialMs: 600_000 });
    expect(c.resumed).toBe(true);
    await settle();
    expect(r.server.stats().handshakes).toBe(1); // still waiting for our Finished
    r.clock.advance(1000); // the server repeats ServerHello, CCS, Finished; the client answers again
    await settle();
    expect(r.server.stats()).toMatchObject({ handshakes: 0, sessions: 1, handshakesResumed: 1 });
    expect(await r.roundTrip(c, 'after loss')).toBe('echo:after loss');
    await r.server.close();
  });

  it('an unknown or expired session id gets a full handshake with a new id', async () => {
    const r = await rig({ sessionCache: { lifetimeMs: 60_000 } });
    const first = await r.connect();
    const saved = first.resumable() as ResumableSession;
    await first.close();
    r.clock.advance(60_001);
    const c = await r.connect({ resume: saved });
    expect(c.resumed).toBe(false);
    expect(c.resumable()?.id.equals(saved.id)).toBe(false);
    expect(await r.roundTrip(c, 'full')).toBe('echo:full');
    await r.server.close();
  });

  it("dropSessionsByIdentity (credentials rotated or removed) makes the identity's sessions unresumable", async () => {
    const r = await rig();
    const a = await r.connect();
    const other = await r.connect({ identity: 'dev-8' });
    const savedA = a.resumable() as ResumableSession;
    const savedOther = other.resumable() as ResumableSession;
    await a.close();
    await other.close();
    r.server.dropSessionsByIdentity('dev-7', 'credentials revoked');
    expect((await r.connect({ resume: savedA })).resumed).toBe(false);
    expect((await r.connect({ identity: 'dev-8', resume: savedOther })).resumed).toBe(true);
    await r.server.close();
  });

  it('the cache is bounded: the least recently used session goes first', async () => {
    const r = await rig({ sessionCache: { maxEntries: 2 } });
    const saved: ResumableSession[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await r.connect();
      saved.push(c.resumable() as ResumableSession);
      await c.close();
    }
    expect(r.server.stats().resumableSessions).toBe(2);
    expect((await r.connect({ resume: saved[0] })).resumed).toBe(false);
    expect((await r.connect({ resume: saved[2] })).resumed).toBe(true);
    await r.server.close();
  });

  it('maxEntries 0 turns resumption off: the ServerHello carries an empty session id', async () => {
    const r = await rig({ sessionCache: { maxEntries: 0 } });
    const c = await r.connect();
    expect(c.resumable()).toBeUndefined();
    await r.server.close();
  });
});

describe('extended master secret and resumption (RFC 7627 §5.3), byte level', () => {
  async function hello(r: Awaited<ReturnType<typeof rig>>, port: number, h: Partial<ClientHello>): Promise<Buffer[]> {
    const sock = r.net.socket(port);
    const inbox: Buffer[] = [];
    sock.onMessage((d) => inbox.push(d));
    const base: ClientHello = {
      version: 0xfefd,
      random: Buffer.alloc(32, port & 0xff),
      sessionId: Buffer.alloc(0),
      cookie: Buffer.alloc(0),
      cipherSuites: [0xc0a8],
      compressionMethods: Buffer.from([0]),
      extensions: [],
      ...h,
    };
    sock.send(plainRecord(22, 0, 0, encodeHandshake(1, 0, encodeClientHello(base))), { address: '127.0.0.1', port: 5684 });
    await settle();
    const hvr = inbox.shift() as Buffer;
    const cookie = hvr.subarray(13 + 12 + 3, 13 + 12 + 3 + (hvr[13 + 12 + 2] as number));
    sock.send(plainRecord(22, 0, 1, encodeHandshake(1, 1, encodeClientHello({ ...base, cookie: Buffer.from(cookie) }))), { address: '127.0.0.1', port: 5684 });
    await settle();
    return inbox;
  }

  it('a client without EMS gets no session id (such sessions are never resumable)', async () => {
    const r = await rig();
    const [flight] = await hello(r, 41001, {});
    const sh = parseServerHello((flight as Buffer).subarray(13 + 12, 13 + 12 + (flight as Buffer).readUIntBE(13 + 9, 3)));
    expect(sh.sessionId).toHaveLength(0);
    await r.server.close();
  });

  it('resuming an EMS session with a ClientHello without EMS is refused with handshake_failure', async () => {
    const r = await rig();
    const c = await r.connect();
    const saved = c.resumable() as ResumableSession;
    await c.close();
    const failures: string[] = [];
    r.server.on('handshakeFailed', (f) => failures.push(f.reason));
    const [reply] = await hello(r, 41002, { sessionId: saved.id });
    expect(reply?.subarray(0, 1).toString('hex')).toBe('15'); // alert record
    expect(reply?.[14]).toBe(40);
    expect(failures).toEqual(['resumption without extended_master_secret']);
    await r.server.close();
  });

  it('resuming with EMS: the ServerHello echoes the session id', async () => {
    const r = await rig();
    const c = await r.connect();
    const saved = c.resumable() as ResumableSession;
    await c.close();
    const [flight] = await hello(r, 41003, { sessionId: saved.id, extensions: [{ type: 23, data: Buffer.alloc(0) }] });
    const f = flight as Buffer;
    const sh = parseServerHello(f.subarray(13 + 12, 13 + 12 + f.readUIntBE(13 + 9, 3)));
    expect(sh.sessionId.equals(saved.id)).toBe(true);
    expect(sh.extensions.map((e) => e.type)).toContain(23);
    await r.server.close();
  });
});
