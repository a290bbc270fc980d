/** ClientHello checks after the cookie: version, compression, renegotiation_info (RFC 5246, 5746). */
import { describe, expect, it } from 'vitest';
import { DtlsServer, type HandshakeFailedEvent } from '../../src/index.js';
import { encodeHandshake } from '../../src/handshake/HandshakeFragment.js';
import { encodeClientHello, type ClientHello } from '../../src/handshake/messages/ClientHello.js';
import { plainRecord } from '../../src/record/Record.js';
import { FakeClock } from '../helpers/FakeClock.js';
import { MemoryNetwork, settle } from '../helpers/MemoryNetwork.js';

function record(h: ClientHello, seq: number): Buffer {
  return plainRecord(22, 0, seq, encodeHandshake(1, seq, encodeClientHello(h)));
}

async function exchange(variant: Partial<ClientHello>): Promise<{ alert: number | undefined; failures: HandshakeFailedEvent[]; handshakes: number }> {
  const net = new MemoryNetwork();
  const server = await DtlsServer.listen({ socket: net.socket(5684), clock: new FakeClock(), pskResolver: async () => Buffer.alloc(16, 1) });
  const failures: HandshakeFailedEvent[] = [];
  server.on('handshakeFailed', (f) => failures.push(f));
  const sock = net.socket();
  const inbox: Buffer[] = [];
  sock.onMessage((d) => inbox.push(d));
  const base: ClientHello = {
    version: 0xfefd,
    random: Buffer.alloc(32, 5),
    sessionId: Buffer.alloc(0),
    cookie: Buffer.alloc(0),
    cipherSuites: [0xc0a8],
    compressionMethods: Buffer.from([0]),
    extensions: [],
    ...variant,
  };
  sock.send(record(base, 0), { address: '127.0.0.1', port: 5684 });
  await settle();
  const hvr = inbox.shift() as Buffer;
  expect(hvr[13]).toBe(3); // HelloVerifyRequest
  const cookie = hvr.subarray(13 + 12 + 3, 13 + 12 + 3 + (hvr[13 + 12 + 2] as number));
  sock.send(record({ ...base, cookie: Buffer.from(cookie) }, 1), { address: '127.0.0.1', port: 5684 });
  await settle();
  const reply = inbox.shift();
  const alert = reply && reply[0] === 21 ? reply[14] : undefined;
  const handshakes = server.stats().handshakes;
  await server.close();
  return { alert, failures, handshakes };
}

describe('ClientHello checks', () => {
  it('a DTLS 1.0-only client gets protocol_version', async () => {
    const r = await exchange({ version: 0xfeff });
    expect(r.alert).toBe(70);
    expect(r.failures[0]?.reason).toMatch(/DTLS 1\.2/);
    expect(r.handshakes).toBe(0);
  });

  it('no null compression: illegal_parameter', async () => {
    expect((await exchange({ compressionMethods: Buffer.from([1]) })).alert).toBe(47);
  });

  it('a non-empty renegotiation_info in an initial handshake: handshake_failure (RFC 5746 §3.6)', async () => {
    expect((await exchange({ extensions: [{ type: 0xff01, data: Buffer.from([1, 9]) }] })).alert).toBe(40);
  });

  it('a well-formed hello gets a ServerHello (the control case)', async () => {
    const r = await exchange({ extensions: [{ type: 0xff01, data: Buffer.from([0]) }, { type: 0x1234, data: Buffer.from('?') }] });
    expect(r.alert).toBeUndefined();
    expect(r.handshakes).toBe(1);
  });
});
