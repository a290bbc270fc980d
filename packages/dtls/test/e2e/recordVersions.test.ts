/**
 * Record-layer versions (RFC 5246 Appendix E.1, RFC 6347 §4.1): a ClientHello in a record of any
 * 0xfe version — `fe 00` as mbedTLS 2.x clients send by default, `fe ff`, `fe fd` — gets a
 * HelloVerifyRequest; other versions are dropped, counted and logged with the peer.
 */
import { describe, expect, it } from 'vitest';
import { DtlsClient, DtlsServer } from '../../src/index.js';
import { FakeClock } from '../helpers/FakeClock.js';
import { MemoryNetwork, settle } from '../helpers/MemoryNetwork.js';

/**
 * A DTLS ClientHello offering TLS_PSK_WITH_AES_128_CCM_8, built byte by byte (as mbedTLS 2.28 lays it
 * out: client_version fe fd, empty session id and cookie) inside a record of version `recordVersion`.
 */
function clientHelloDatagram(recordVersion: string): Buffer {
  const random = '6b'.repeat(32);
  const body =
    'fefd' + // client_version DTLS 1.2
    random +
    '00' + // session_id
    '00' + // cookie
    '0004' + 'c0a8' + '00ff' + // cipher suites: PSK-AES128-CCM8, EMPTY_RENEGOTIATION_INFO_SCSV
    '0100' + // compression: null
    '0004' + '0017' + '0000'; // extensions: extended_master_secret
  const bodyLen = body.length / 2;
  const len3 = bodyLen.toString(16).padStart(6, '0');
  const handshake = '01' + len3 + '0000' + '000000' + len3 + body;
  const recLen = (handshake.length / 2).toString(16).padStart(4, '0');
  return Buffer.from('16' + recordVersion + '0000' + '000000000000' + recLen + handshake, 'hex');
}

async function send(datagram: Buffer): Promise<{ replies: Buffer[]; server: DtlsServer; logs: string[] }> {
  const net = new MemoryNetwork();
  const logs: string[] = [];
  const server = await DtlsServer.listen({ socket: net.socket(5684), clock: new FakeClock(), pskResolver: async () => Buffer.alloc(16, 1), logger: { debug: (l) => logs.push(l) } });
  const sock = net.socket(40123);
  const replies: Buffer[] = [];
  sock.onMessage((d) => replies.push(d));
  sock.send(datagram, { address: '127.0.0.1', port: 5684 });
  await settle();
  return { replies, server, logs };
}

describe('record versions of a ClientHello', () => {
  for (const v of ['fe00', 'feff', 'fefd']) {
    it(`a ClientHello in a ${v.slice(0, 2)} ${v.slice(2)} record gets a HelloVerifyRequest`, async () => {
      const { replies, server } = await send(clientHelloDatagram(v));
      expect(replies).toHaveLength(1);
      const hvr = replies[0] as Buffer;
      expect(hvr.subarray(0, 3).toString('hex')).toBe('16fefd'); // handshake record, DTLS 1.2
      expect(hvr[13]).toBe(3); // HelloVerifyRequest
      expect(hvr.subarray(13 + 12, 13 + 12 + 2).toString('hex')).toBe('feff'); // server_version DTLS 1.0 (RFC 6347 §4.2.1)
      expect(server.stats()).toMatchObject({ helloVerifyRequestsSent: 1 });
      await server.close();
    });
  }

  for (const v of ['0303', '0100', 'fd00']) {
    it(`a record of version ${v} is dropped, counted as unknownVersion and logged with the peer`, async () => {
      const { replies, server, logs } = await send(clientHelloDatagram(v));
      expect(replies).toHaveLength(0);
      expect(server.stats().drops.unknownVersion).toBe(1);
      expect(logs).toEqual(['dtls: dropped 1 record(s) from 127.0.0.1:40123: unknownVersion']);
      await server.close();
    });
  }

  it('a truncated datagram counts as malformed, an oversized record as tooBig', async () => {
    const hello = clientHelloDatagram('fefd');
    const a = await send(hello.subarray(0, hello.length - 3));
    expect(a.server.stats().drops.malformed).toBe(1);
    await a.server.close();
    const big = Buffer.from(hello);
    big.writeUInt16BE(0xffff, 11);
    const b = await send(big);
    expect(b.server.stats().drops.tooBig).toBe(1);
    await b.server.close();
  });

  it('a protected record from a stranger counts as noSession; after a handshake a bad epoch, a forgery and a replay each count', async () => {
    const net = new MemoryNetwork();
    const clock = new FakeClock();
    const server = await DtlsServer.listen({ socket: net.socket(5684), clock, pskResolver: async () => Buffer.alloc(16, 7) });
    const stranger = net.socket(40200);
    const rec = Buffer.from('17fefd0001000000000005' + '0010' + '00'.repeat(16), 'hex');
    stranger.send(rec, { address: '127.0.0.1', port: 5684 });
    await settle();
    expect(server.stats().drops.noSession).toBe(1);

    let sent: Buffer | undefined;
    net.filter = (from, _to, d) => {
      if (from.port === 40300 && d[0] === 23) sent = Buffer.from(d);
      return true;
    };
    const clientSock = net.socket(40300);
    const c = await DtlsClient.connect({ host: '127.0.0.1', port: 5684, identity: 'dev1', key: Buffer.alloc(16, 7), socket: clientSock, clock });
    const got: string[] = [];
    server.onDatagram((d) => got.push(Buffer.from(d.data).toString()));
    await c.send(c.peer, Buffer.from('hi'));
    await settle();
    expect(got).toEqual(['hi']);
    const copy = Buffer.from(sent as Buffer);
    clientSock.send(copy, { address: '127.0.0.1', port: 5684 }); // replay
    const forged = Buffer.from(copy);
    forged.writeUIntBE(99, 5, 6);
    forged.writeUInt8((forged.at(-1) as number) ^ 1, forged.length - 1);
    clientSock.send(forged, { address: '127.0.0.1', port: 5684 }); // forgery
    const epoch2 = Buffer.from(copy);
    epoch2.writeUInt16BE(2, 3);
    clientSock.send(epoch2, { address: '127.0.0.1', port: 5684 }); // bad epoch
    const v10 = Buffer.from(copy);
    v10.writeUInt16BE(0xfe00, 1);
    clientSock.send(v10, { address: '127.0.0.1', port: 5684 }); // protected records must be fe fd
    await settle();
    expect(got).toEqual(['hi']);
    expect(server.stats().drops).toMatchObject({ replay: 1, badMac: 1, badEpoch: 1, unknownVersion: 1, noSession: 1 });
    await c.close();
    await server.close();
  });
});
