/**
 * A cookie'd-handshake flood from one address, as fast as one process can send: every socket sends a
 * ClientHello (one outstanding per socket), answers each HelloVerifyRequest with the cookie'd ClientHello (which makes the server
 * allocate a handshake and send flight 4), never goes on, and starts again with a new random.
 *
 *   node --import tsx helloFlood.ts <targetPort> <durationMs> [sourceAddress=127.0.0.2] [sockets=256]
 *
 * Prints `flooding` once every socket is bound, then a JSON summary every second and when done.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { encodeHandshake } from '../../src/handshake/HandshakeFragment.js';
import { encodeClientHello } from '../../src/handshake/messages/ClientHello.js';
import { plainRecord } from '../../src/record/Record.js';

const [port = '0', durationMs = '20000', source = '127.0.0.2', nSockets = '512'] = process.argv.slice(2);
const target = Number(port);

function hello(random: Buffer, cookie: Buffer, recordSeq: number): Buffer {
  const body = encodeClientHello({
    version: 0xfefd,
    random,
    sessionId: Buffer.alloc(0),
    cookie,
    cipherSuites: [0xc0a8],
    compressionMethods: Buffer.from([0]),
    extensions: [{ type: 23, data: Buffer.alloc(0) }],
  });
  return plainRecord(22, 0, recordSeq, encodeHandshake(1, cookie.length > 0 ? 1 : 0, body));
}

const stats = { hellos: 0, cookied: 0, helloVerifyRequests: 0, serverHellos: 0, alerts: 0 };
const sockets: Socket[] = [];
/**
 * The random of each ClientHello by its record sequence number (the cookie is bound to the random; the
 * HelloVerifyRequest echoes the record number), and when each socket last sent one.
 */
const randoms = new Map<number, Buffer>();
const sentAt = new Map<Socket, number>();
let nextSeq = 1;

function fresh(s: Socket): void {
  const r = randomBytes(32);
  const seq = nextSeq++;
  randoms.set(seq, r);
  randoms.delete(seq - 100_000); // bounded
  sentAt.set(s, Date.now());
  s.send(hello(r, Buffer.alloc(0), seq), target, '127.0.0.1');
  stats.hellos += 1;
}

await Promise.all(
  Array.from({ length: Number(nSockets) }, async () => {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, source, resolve));
    s.on('error', () => {});
    s.on('message', (d) => {
      if (d[0] === 21) stats.alerts += 1;
      if (d[0] !== 22 || d.length < 13 + 12) return;
      if (d[13] === 3) {
        stats.helloVerifyRequests += 1;
        const cookieLen = d[13 + 12 + 2] as number;
        const cookie = d.subarray(13 + 12 + 3, 13 + 12 + 3 + cookieLen);
        const seq = d.readUIntBE(5, 6);
        const random = randoms.get(seq);
        if (!random) return;
        randoms.delete(seq);
        s.send(hello(random, Buffer.from(cookie), seq), target, '127.0.0.1');
        stats.cookied += 1;
        fresh(s); // abandon the handshake just started and go again
      } else if (d[13] === 2) stats.serverHellos += 1;
    });
    sockets.push(s);
  }),
);
process.stdout.write('flooding\n');
const end = Date.now() + Number(durationMs);
let lastReport = Date.now();
while (Date.now() < end) {
  if (Date.now() - lastReport >= 1000) {
    lastReport = Date.now();
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  }
  // Every socket keeps one ClientHello outstanding; one unanswered for 50 ms is replaced.
  const now = Date.now();
  for (const s of sockets) if (now - (sentAt.get(s) ?? 0) > 50) fresh(s);
  await new Promise<void>((r) => setImmediate(r));
}
for (const s of sockets) s.close();
process.stdout.write(`${JSON.stringify(stats)}\n`);
