/** A DtlsServer on 127.0.0.1:0 whose upper layer echoes every datagram with a prefix. */
import { DtlsServer, type DtlsServerOptions, type HandshakeFailedEvent, type SessionEvent } from '../../src/index.js';

export const PSK_HEX = '00112233445566778899aabbccddeeff';
export const KEYS: Record<string, Buffer> = {
  dev1: Buffer.from(PSK_HEX, 'hex'),
  'text-id': Buffer.from('secretKey', 'utf8'),
};

export interface EchoServer {
  server: DtlsServer;
  port: number;
  failures: HandshakeFailedEvent[];
  sessions: SessionEvent[];
  received: string[];
}

export async function startEchoServer(opts: Partial<DtlsServerOptions> = {}, reply: (data: Buffer) => Buffer = (d) => Buffer.concat([Buffer.from('echo:'), d])): Promise<EchoServer> {
  const server = await DtlsServer.listen({
    host: '127.0.0.1',
    port: 0,
    pskResolver: async (identity) => KEYS[identity],
    ...opts,
  });
  const e: EchoServer = { server, port: server.address().port, failures: [], sessions: [], received: [] };
  server.on('handshakeFailed', (f) => e.failures.push(f));
  server.onSession((s) => e.sessions.push(s));
  server.onDatagram((d) => {
    e.received.push(Buffer.from(d.data).toString('latin1'));
    void server.send(d.peer, reply(Buffer.from(d.data))).catch(() => {});
  });
  return e;
}
