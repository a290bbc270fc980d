/**
 * Sessions survive a server restart: server A's established sessions are exported, sealed (AES-GCM with
 * a test key standing in for the deployment's sealing key), A stops without close_notify, server B on
 * the same port restores them, and the clients' next records are answered with no new handshake.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DtlsClient, DtlsServer, sealSessions, unsealSessions, type SessionSeal } from '../../src/index.js';
import { FakeClock } from '../helpers/FakeClock.js';
import { MemoryNetwork, settle } from '../helpers/MemoryNetwork.js';

const SEAL_KEY = randomBytes(32);
const seal: SessionSeal = {
  seal(plain) {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', SEAL_KEY, iv);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), ct]);
  },
  unseal(sealed) {
    const b = Buffer.from(sealed);
    const d = createDecipheriv('aes-256-gcm', SEAL_KEY, b.subarray(0, 12));
    d.setAuthTag(b.subarray(12, 28));
    return Buffer.concat([d.update(b.subarray(28)), d.final()]);
  },
};

const keys: Record<string, Buffer> = { 'dev-a': randomBytes(16), 'dev-b': randomBytes(16), 'dev-c': randomBytes(16) };

async function serverOn(net: MemoryNetwork, clock: FakeClock, resolve = (id: string): Buffer | undefined => keys[id]): Promise<{ server: DtlsServer; got: string[] }> {
  const server = await DtlsServer.listen({ socket: net.socket(5684), clock, closeNotify: false, pskResolver: async (id) => resolve(id) });
  const got: string[] = [];
  server.onDatagram((d) => {
    got.push(Buffer.from(d.data).toString());
    void server.send(d.peer, Buffer.from(`echo:${Buffer.from(d.data).toString()}`));
  });
  return { server, got };
}

describe('session persistence across a restart', () => {
  it('restored sessions answer the next record without a handshake; rotated identities and replays do not get in', async () => {
    const net = new MemoryNetwork();
    const clock = new FakeClock();
    const a = await serverOn(net, clock);
    const connect = (identity: string, connectionId: boolean): Promise<DtlsClient> =>
      DtlsClient.connect({ host: '127.0.0.1', port: 5684, identity, key: keys[identity] as Buffer, socket: net.socket(), clock, connectionId, timeoutMs: 600_000 });
    const ca = await connect('dev-a', false);
    const cb = await connect('dev-b', true);
    const cc = await connect('dev-c', false);
    const replies: Record<string, string[]> = { a: [], b: [], c: [] };
    ca.onDatagram((d) => replies.a?.push(Buffer.from(d.data).toString()));
    cb.onDatagram((d) => replies.b?.push(Buffer.from(d.data).toString()));
    cc.onDatagram((d) => replies.c?.push(Buffer.from(d.data).toString()));
    let lastFromA: Buffer | undefined;
    let firstSeqFromB: number | undefined;
    net.filter = (from, _to, d) => {
      if (!restarted && from.port === ca.address().port && d[0] === 23) lastFromA = Buffer.from(d);
      if (from.port === 5684 && d[0] === 23 && firstSeqFromB === undefined && restarted) firstSeqFromB = d.readUIntBE(5, 6);
      return true;
    };
    let restarted = false;
    await ca.send(ca.peer, Buffer.from('a1'));
    await cb.send(cb.peer, Buffer.from('b1'));
    await settle();
    expect(replies).toEqual({ a: ['echo:a1'], b: ['echo:b1'], c: [] });

    const sealed = await sealSessions(a.server.exportSessions(), seal);
    expect(Buffer.from(sealed).includes(Buffer.from('dev-a'))).toBe(false); // sealed, not in clear
    await a.server.close();

    // dev-c's key was rotated while the server was down.
    keys['dev-c'] = randomBytes(16);
    const b = await serverOn(net, clock);
    restarted = true;
    const restored = await b.server.restoreSessions(await unsealSessions(sealed, seal));
    expect(restored).toEqual({ restored: 2, skipped: 1 });
    expect(b.server.stats()).toMatchObject({ sessions: 2, restoredSessions: 2, handshakesCompleted: 0, cidSessions: 1 });

    await ca.send(ca.peer, Buffer.from('a2'));
    await cb.send(cb.peer, Buffer.from('b2'));
    await cc.send(cc.peer, Buffer.from('c2'));
    await settle();
    expect(replies).toEqual({ a: ['echo:a1', 'echo:a2'], b: ['echo:b1', 'echo:b2'], c: [] });
    expect(b.got).toEqual(['a2', 'b2']);
    expect(b.server.stats()).toMatchObject({ handshakesCompleted: 0 });
    // Our sequence numbers skipped ahead: nothing A sent is ever reused under the same keys.
    expect(firstSeqFromB).toBeGreaterThanOrEqual(1 << 20);
    // A record A had already accepted is still a replay for B.
    net.socket(45000).send(lastFromA as Buffer, { address: '127.0.0.1', port: 5684 });
    await settle();
    expect(b.got).toEqual(['a2', 'b2']);
    await b.server.close();
  });

  it('a document sealed with another key does not restore', async () => {
    const other: SessionSeal = { seal: (p) => p, unseal: () => Buffer.from('garbage') };
    await expect(unsealSessions(Buffer.from('x'), other)).rejects.toMatchObject({ code: 'DTLS_DECODE' });
  });
});
