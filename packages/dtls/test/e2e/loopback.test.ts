/** Our client against our server over real loopback UDP: suites, fragmentation, session management. */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { DtlsClient, DtlsError, NodeUdpSocket, type CipherSuiteName, type PeerAddress, type SessionEvent, type UdpSocket } from '../../src/index.js';
import { KEYS, startEchoServer, type EchoServer } from '../helpers/echoServer.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

async function server(opts: Parameters<typeof startEchoServer>[0] = {}): Promise<EchoServer> {
  const e = await startEchoServer(opts);
  cleanup.push(() => e.server.close());
  return e;
}

async function client(port: number, opts: Partial<Parameters<typeof DtlsClient.connect>[0]> = {}): Promise<DtlsClient> {
  const c = await DtlsClient.connect({ host: '127.0.0.1', port, identity: 'dev1', key: KEYS.dev1 as Buffer, timeoutMs: 5000, ...opts });
  cleanup.push(() => c.close());
  return c;
}

function nextDatagram(c: DtlsClient): Promise<string> {
  return new Promise((resolve) => c.onDatagram((d) => resolve(Buffer.from(d.data).toString())));
}

/** A socket wrapper that can be unplugged: the client vanishes without a close_notify. */
class Unpluggable implements UdpSocket {
  unplugged = false;
  constructor(readonly inner: NodeUdpSocket) {}
  send(data: Uint8Array, peer: PeerAddress, done?: (err: Error | null) => void): void {
    if (!this.unplugged) this.inner.send(data, peer, done);
  }
  onMessage(h: (data: Buffer, peer: PeerAddress) => void): void {
    this.inner.onMessage((d, p) => {
      if (!this.unplugged) h(d, p);
    });
  }
  address(): PeerAddress {
    return this.inner.address();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Whether this host has an IPv6 loopback (CI containers may not). */
const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const s = createSocket('udp6');
  s.once('error', () => resolve(false));
  s.bind(0, '::1', () => {
    s.close();
    resolve(true);
  });
});

describe('DtlsClient <-> DtlsServer on loopback', () => {
  it.skipIf(!hasIpv6Loopback)('works over IPv6 (::1), binding the loopback (skipped where the host has no IPv6 loopback)', async () => {
    const e = await server({ host: '::1' });
    const c = await client(e.port, { host: '::1' });
    expect(c.address().address).toBe('::1');
    const reply = nextDatagram(c);
    await c.send(c.peer, Buffer.from('v6'));
    expect(await reply).toBe('echo:v6');
    expect(e.sessions[0]).toMatchObject({ kind: 'up', peer: { address: '::1' } });
  });

  const suites: CipherSuiteName[] = ['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_AES_128_CCM', 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'TLS_PSK_WITH_AES_128_CBC_SHA256'];
  for (const suite of suites) {
    it(`${suite}: both directions, identity and suite reported`, async () => {
      const e = await server();
      const c = await client(e.port, { cipherSuites: [suite] });
      expect(c.cipherSuite).toBe(suite);
      const reply = nextDatagram(c);
      await c.send(c.peer, Buffer.from('ping'));
      expect(await reply).toBe('echo:ping');
      const up = e.sessions[0];
      expect(up?.kind).toBe('up');
      expect(up?.kind === 'up' && up.security).toEqual({ pskIdentity: 'dev1', cipherSuite: suite });
      expect(e.server.sessionInfo(c.address())).toEqual({ pskIdentity: 'dev1', cipherSuite: suite });
    });
  }

  it('fragments and reassembles handshake messages when the MTU is tiny', async () => {
    const longId = `dev-${'x'.repeat(120)}`;
    KEYS[longId] = Buffer.from('long-identity-key');
    const e = await server({ mtu: 60 });
    const c = await client(e.port, { mtu: 60, identity: longId, key: KEYS[longId] });
    const reply = nextDatagram(c);
    await c.send(c.peer, Buffer.from('frag'));
    expect(await reply).toBe('echo:frag');
    expect(e.sessions[0]?.kind === 'up' && e.sessions[0].security.pskIdentity).toBe(longId);
  });

  it('a fresh handshake from the same address and port replaces the old session (no close_notify)', async () => {
    const e = await server();
    const sock1 = new Unpluggable(await NodeUdpSocket.bind({ host: '127.0.0.1', port: 0 }));
    const port = sock1.address().port;
    const c1 = await DtlsClient.connect({ host: '127.0.0.1', port: e.port, identity: 'dev1', key: KEYS.dev1 as Buffer, socket: sock1 });
    expect(c1.connected).toBe(true);
    sock1.unplugged = true; // device reboots: old session state gone, no close_notify
    await sock1.close();
    const c2 = await client(e.port, { localPort: port });
    const reply = nextDatagram(c2);
    await c2.send(c2.peer, Buffer.from('again'));
    expect(await reply).toBe('echo:again');
    expect(e.sessions.map((s) => s.kind)).toEqual(['up', 'down', 'up']);
    expect(e.sessions[1]?.kind === 'down' && e.sessions[1].reason).toMatch(/replaced/);
    expect(e.server.stats().sessions).toBe(1);
  });

  it('dropSession sends close_notify and forgets the session; send then rejects', async () => {
    const e = await server();
    const c = await client(e.port);
    const down = new Promise<SessionEvent>((resolve) => c.onSession(resolve));
    expect(e.server.dropSession(c.address(), 'revoked')).toBe(true);
    expect((await down).kind).toBe('down');
    expect(e.server.stats().sessions).toBe(0);
    expect(e.sessions[e.sessions.length - 1]).toMatchObject({ kind: 'down', reason: 'revoked' });
    const err = await e.server.send(c.address(), Buffer.from('x')).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DtlsError);
    expect((err as DtlsError).code).toBe('DTLS_NO_SESSION');
    expect(e.server.dropSession(c.address())).toBe(false);
  });

  it('dropSessionsByIdentity drops only that identity', async () => {
    const e = await server();
    await client(e.port);
    await client(e.port);
    const other = await client(e.port, { identity: 'text-id', key: KEYS['text-id'] });
    expect(e.server.dropSessionsByIdentity('dev1')).toBe(2);
    expect(e.server.stats().sessions).toBe(1);
    const reply = nextDatagram(other);
    await other.send(other.peer, Buffer.from('still here'));
    expect(await reply).toBe('echo:still here');
  });

  it('client close sends close_notify: the server reports the session down', async () => {
    const e = await server();
    const c = await client(e.port);
    const down = new Promise<SessionEvent>((resolve) => e.server.onSession((s) => s.kind === 'down' && resolve(s)));
    await c.close();
    expect(await down).toMatchObject({ kind: 'down', reason: 'close_notify' });
  });

  it('no identity oracle: an unknown identity and a wrong key get the same alert (decrypt_error) by default', async () => {
    const e = await server({ cipherSuites: ['TLS_PSK_WITH_AES_128_CCM_8'] });
    const attempt = (o: Partial<Parameters<typeof DtlsClient.connect>[0]>): Promise<unknown> => client(e.port, { timeoutMs: 3000, ...o }).catch((x: unknown) => x);
    const unknown = await attempt({ identity: 'nobody' });
    const wrongKey = await attempt({ key: Buffer.from('wrong') });
    expect(unknown).toMatchObject({ code: 'DTLS_ALERT', details: { alert: 51 } });
    expect(wrongKey).toMatchObject({ code: 'DTLS_ALERT', details: { alert: 51 } });
    expect((unknown as Error).message).toBe((wrongKey as Error).message);
    // The operator still learns which it was.
    expect(e.failures.map((f) => [f.identity, f.alert, f.reason])).toEqual([
      ['nobody', 51, 'unknown PSK identity'],
      ['dev1', 51, 'client Finished does not authenticate (wrong key?)'],
    ]);
    expect(e.server.stats()).toMatchObject({ sessions: 0, handshakes: 0 });
  });

  it('with unknownIdentityAlert: unknown_psk_identity, our client gets the right alert codes from our server', async () => {
    const e = await server({ cipherSuites: ['TLS_PSK_WITH_AES_128_CCM_8'], unknownIdentityAlert: 'unknown_psk_identity' });
    const attempt = (o: Partial<Parameters<typeof DtlsClient.connect>[0]>): Promise<unknown> => client(e.port, { timeoutMs: 3000, ...o }).catch((x: unknown) => x);
    const unknown = await attempt({ identity: 'nobody' });
    expect(unknown).toMatchObject({ code: 'DTLS_ALERT', details: { alert: 115 } });
    const wrongKey = await attempt({ key: Buffer.from('wrong') });
    expect(wrongKey).toMatchObject({ code: 'DTLS_ALERT', details: { alert: 51 } });
    const wrongSuite = await attempt({ cipherSuites: ['TLS_PSK_WITH_AES_128_GCM_SHA256'] });
    expect(wrongSuite).toMatchObject({ code: 'DTLS_ALERT', details: { alert: 40 } });
    expect(e.failures.map((f) => f.alert)).toEqual([115, 51, 40]);
    expect(e.server.stats()).toMatchObject({ sessions: 0, handshakes: 0 });
    await client(e.port);
    expect(e.server.stats().sessions).toBe(1);
  });

  it('an exception in the upper layer is contained and counted', async () => {
    const e = await server();
    let calls = 0;
    e.server.onDatagram((d) => {
      calls += 1;
      if (calls === 1) throw new Error('upper layer bug');
      void e.server.send(d.peer, Buffer.from('fine'));
    });
    const c = await client(e.port);
    const reply = nextDatagram(c);
    await c.send(c.peer, Buffer.from('first'));
    await c.send(c.peer, Buffer.from('second'));
    expect(await reply).toBe('fine');
    expect(e.server.stats()).toMatchObject({ handlerErrors: 1, sessions: 1 });
  });

  it('sends a ServerKeyExchange with the identity hint only when configured', async () => {
    const e = await server({ identityHint: 'lwm2m-hint' });
    const c = await client(e.port);
    expect(c.connected).toBe(true);
  });
});
