/**
 * Connection ID (RFC 9146) end to end: our client offers it, our server issues a CID; records are
 * routed by CID; an authenticated record newer than any seen from a new port moves the session
 * (`peerMoved`), a replayed, forged or older record from elsewhere does not (§6).
 */
import { describe, expect, it, vi } from 'vitest';
import { DtlsClient, DtlsServer, type PeerAddress, type PeerMovedEvent } from '../../src/index.js';
import { FakeClock } from '../helpers/FakeClock.js';
import { KEYS, startEchoServer } from '../helpers/echoServer.js';
import { MemoryNetwork, settle } from '../helpers/MemoryNetwork.js';

const KEY = Buffer.from('6e1f3a5b7c9d0e2f4a6b8c0d1e3f5a7b', 'hex');

describe('Connection ID over loopback UDP', () => {
  it('the session survives a NAT rebinding: after the client moves to a new port its next request is answered there', async () => {
    const e = await startEchoServer();
    const moved: PeerMovedEvent[] = [];
    e.server.on('peerMoved', (m) => moved.push(m));
    const c = await DtlsClient.connect({ host: '127.0.0.1', port: e.port, identity: 'dev1', key: KEYS.dev1 as Buffer, connectionId: true, timeoutMs: 5000 });
    try {
      expect(c.connectionId).toBe(true);
      expect(e.server.stats().cidSessions).toBe(1);
      const first = c.address();
      const reply1 = new Promise<string>((resolve) => c.onDatagram((d) => resolve(Buffer.from(d.data).toString())));
      await c.send(c.peer, Buffer.from('before'));
      expect(await reply1).toBe('echo:before');
      const second = await c.rebind();
      expect(second.port).not.toBe(first.port);
      const reply2 = new Promise<string>((resolve) => c.onDatagram((d) => resolve(Buffer.from(d.data).toString())));
      await c.send(c.peer, Buffer.from('after rebinding'));
      expect(await reply2).toBe('echo:after rebinding');
      expect(moved).toEqual([{ from: { address: '127.0.0.1', port: first.port }, to: { address: '127.0.0.1', port: second.port }, identity: 'dev1' }]);
      expect(e.server.stats()).toMatchObject({ sessions: 1, peersMoved: 1, handshakesCompleted: 1 });
      expect(e.server.sessionInfo({ address: '127.0.0.1', port: second.port })?.pskIdentity).toBe('dev1');
      expect(e.server.sessionInfo({ address: '127.0.0.1', port: first.port })).toBeUndefined();
    } finally {
      await c.close();
      await e.server.close();
    }
  });

  it('without CID a rebound client is a stranger (the control case)', async () => {
    const e = await startEchoServer();
    const c = await DtlsClient.connect({ host: '127.0.0.1', port: e.port, identity: 'dev1', key: KEYS.dev1 as Buffer, timeoutMs: 5000 });
    try {
      expect(c.connectionId).toBe(false);
      await c.rebind();
      await c.send(c.peer, Buffer.from('lost'));
      await vi.waitFor(() => expect(e.server.stats().drops.noSession).toBe(1));
      expect(e.received).toEqual([]);
    } finally {
      await c.close();
      await e.server.close();
    }
  });
});

describe('Connection ID: who may move a session (RFC 9146 §6)', () => {
  async function rig() {
    const net = new MemoryNetwork();
    const clock = new FakeClock();
    const server = await DtlsServer.listen({ socket: net.socket(5684), clock, pskResolver: async () => KEY });
    const moved: PeerMovedEvent[] = [];
    server.on('peerMoved', (m) => moved.push(m));
    const got: { data: string; peer: PeerAddress }[] = [];
    server.onDatagram((d) => got.push({ data: Buffer.from(d.data).toString(), peer: d.peer }));
    const clientSocket = net.socket(41000);
    const c = await DtlsClient.connect({ host: '127.0.0.1', port: 5684, identity: 'dev-cid', key: KEY, socket: clientSocket, clock, connectionId: true });
    // Capture what the client sends; `hold` keeps a record from reaching the server.
    const sent: Buffer[] = [];
    let hold = false;
    net.filter = (from, _to, d) => {
      if (from.port === 41000 && d[0] === 25) {
        sent.push(Buffer.from(d));
        if (hold) return false;
      }
      return true;
    };
    const attacker = net.socket(42000);
    const fromAttacker = (d: Buffer): void => attacker.send(d, { address: '127.0.0.1', port: 5684 });
    return { net, server, moved, got, c, sent, fromAttacker, setHold: (h: boolean) => (hold = h) };
  }

  it('a replayed record from another port is dropped and moves nothing', async () => {
    const r = await rig();
    await r.c.send(r.c.peer, Buffer.from('one'));
    await settle();
    r.fromAttacker(r.sent[0] as Buffer);
    await settle();
    expect(r.got.map((g) => g.data)).toEqual(['one']);
    expect(r.moved).toEqual([]);
    expect(r.server.stats().drops.replay).toBe(1);
    await r.server.close();
  });

  it('a forged record (right CID, bad tag) from another port is dropped and moves nothing', async () => {
    const r = await rig();
    await r.c.send(r.c.peer, Buffer.from('one'));
    await settle();
    const forged = Buffer.from(r.sent[0] as Buffer);
    forged.writeUIntBE(1000, 5, 6); // newer sequence number
    forged.writeUInt8((forged.at(-1) as number) ^ 0x40, forged.length - 1);
    r.fromAttacker(forged);
    await settle();
    expect(r.moved).toEqual([]);
    expect(r.server.stats().drops.badMac).toBe(1);
    expect(r.server.sessionInfo({ address: '127.0.0.1', port: 41000 })).toBeDefined();
    await r.server.close();
  });

  it('an authentic but older record (held back, then sent from elsewhere) is delivered but moves nothing; the newest one does', async () => {
    const r = await rig();
    r.setHold(true);
    await r.c.send(r.c.peer, Buffer.from('older'));
    r.setHold(false);
    await r.c.send(r.c.peer, Buffer.from('newer'));
    await settle();
    r.fromAttacker(r.sent[0] as Buffer); // authentic, never seen, but older than 'newer'
    await settle();
    expect(r.got.map((g) => [g.data, g.peer.port])).toEqual([
      ['newer', 41000],
      ['older', 41000],
    ]);
    expect(r.moved).toEqual([]);
    // The client really moves: its next (newest) record from port 43000 moves the session.
    const moved = r.net.socket(43000);
    await r.c.rebind(moved);
    await r.c.send(r.c.peer, Buffer.from('from the new port'));
    await settle();
    expect(r.moved).toEqual([{ from: { address: '127.0.0.1', port: 41000 }, to: { address: '127.0.0.1', port: 43000 }, identity: 'dev-cid' }]);
    expect(r.got.at(-1)).toEqual({ data: 'from the new port', peer: { address: '127.0.0.1', port: 43000 } });
    await r.server.close();
  });
});
