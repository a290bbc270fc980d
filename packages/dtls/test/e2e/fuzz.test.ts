/**
 * Robustness against hostile input. A live server on loopback takes >= 100,000 random and mutated
 * records (random bytes, truncated headers, bad lengths, wrong epochs, replays of a real client's
 * records, mutated handshake datagrams, out-of-order and overlapping handshake fragments aimed at a
 * handshake in progress, ClientHellos with forged cookies) while a good client completes its
 * handshake; state stays bounded. Then a flood of spoofed ClientHellos allocates no per-peer state.
 */
import { createSocket, type Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { DtlsClient, DtlsServer, NodeUdpSocket, type PeerAddress, type UdpSocket } from '../../src/index.js';
import { encodeHandshake } from '../../src/handshake/HandshakeFragment.js';
import { encodeClientHello } from '../../src/handshake/messages/ClientHello.js';
import { plainRecord } from '../../src/record/Record.js';
import { KEYS, startEchoServer } from '../helpers/echoServer.js';
import { FakeClock } from '../helpers/FakeClock.js';
import { MemoryNetwork, settle } from '../helpers/MemoryNetwork.js';

/** Deterministic PRNG (mulberry32) so a failure can be reproduced. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function clientHello(random: Buffer, cookie: Buffer, seq: number): Buffer {
  const body = encodeClientHello({
    version: 0xfefd,
    random,
    sessionId: Buffer.alloc(0),
    cookie,
    cipherSuites: [0xc0a8],
    compressionMethods: Buffer.from([0]),
    extensions: [{ type: 23, data: Buffer.alloc(0) }],
  });
  return plainRecord(22, 0, seq, encodeHandshake(1, seq, body));
}

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

describe('fuzzing a live server', () => {
  it('survives >= 100,000 hostile records with bounded state while a good client connects', async () => {
    const rnd = prng(0xd715);
    const int = (n: number): number => Math.floor(rnd() * n);
    const bytes = (n: number): Buffer => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    };
    const MAX_HANDSHAKES = 32;
    const e = await startEchoServer({ maxHandshakes: MAX_HANDSHAKES });
    const target = e.port;
    const sockets: Socket[] = [];
    try {
      // A victim client whose real datagrams we record, to mutate and to replay from its own address.
      const inner = await NodeUdpSocket.bind({ host: '127.0.0.1', port: 0 });
      const captured: Buffer[] = [];
      const spy: UdpSocket = {
        send: (d: Uint8Array, p: PeerAddress, done?: (err: Error | null) => void) => {
          captured.push(Buffer.from(d));
          inner.send(d, p, done);
        },
        onMessage: (h) => inner.onMessage(h),
        address: () => inner.address(),
        close: () => inner.close(),
      };
      const victim = await DtlsClient.connect({ host: '127.0.0.1', port: target, identity: 'dev1', key: KEYS.dev1 as Buffer, socket: spy });
      let echoes = 0;
      victim.onDatagram(() => (echoes += 1));
      for (let i = 0; i < 10; i++) await victim.send(victim.peer, Buffer.from(`victim ${i}`));
      for (let i = 0; i < 2000 && echoes < 10; i++) await new Promise((r) => setTimeout(r, 5));
      expect(echoes).toBe(10);
      const appRecords = captured.filter((d) => d[0] === 23);
      const handshakeDatagrams = captured.filter((d) => d[0] === 22);

      for (let i = 0; i < 8; i++) sockets.push(await udp());
      const [s0, s1, s2, s3, s4, s5, s6, hsSock] = sockets as [Socket, Socket, Socket, Socket, Socket, Socket, Socket, Socket];

      // hsSock gets a real handshake in progress (cookie exchange done) to aim fragments at.
      const random = bytes(32);
      const hvr = new Promise<Buffer>((resolve) => hsSock.once('message', (m) => resolve(m)));
      hsSock.send(clientHello(random, Buffer.alloc(0), 0), target, '127.0.0.1');
      const hvrMsg = await hvr;
      const cookie = hvrMsg.subarray(13 + 12 + 3, 13 + 12 + 3 + (hvrMsg[13 + 12 + 2] as number));
      const ch2 = clientHello(random, Buffer.from(cookie), 1);
      hsSock.send(ch2, target, '127.0.0.1');

      const header = (type: number, epoch: number, seq: number, len: number, version = 0xfefd): Buffer => {
        const h = Buffer.alloc(13);
        h[0] = type;
        h.writeUInt16BE(version, 1);
        h.writeUInt16BE(epoch, 3);
        h.writeUIntBE(seq, 5, 6);
        h.writeUInt16BE(len, 11);
        return h;
      };
      const generators: (() => [Socket, Buffer, number])[] = [
        // random bytes
        () => [s0, bytes(int(120)), 1],
        // truncated header
        () => [s1, header(22, 0, int(1000), 40).subarray(0, int(13)), 1],
        // bad length (claims more or fewer bytes than present)
        () => {
          const body = bytes(int(60));
          return [s1, Buffer.concat([header(20 + int(4), int(2), int(1e6), body.length + 1 + int(100)), body]), 1];
        },
        // several records per datagram, wrong epochs, random content types and versions
        () => {
          const parts: Buffer[] = [];
          const n = 1 + int(6);
          for (let i = 0; i < n; i++) {
            const body = bytes(int(80));
            parts.push(header(18 + int(8), int(65536), int(2 ** 40), body.length, rnd() < 0.8 ? 0xfefd : int(65536)), body);
          }
          return [s2, Buffer.concat(parts), n];
        },
        // replays of the victim's application records, from the victim's own address
        () => {
          const d = appRecords[int(appRecords.length)] as Buffer;
          inner.send(d, { address: '127.0.0.1', port: target });
          return [s3, Buffer.alloc(0), 1];
        },
        // mutated handshake datagrams of the victim
        () => {
          const d = Buffer.from(handshakeDatagrams[int(handshakeDatagrams.length)] as Buffer);
          for (let i = 0, n = 1 + int(4); i < n; i++) d[int(d.length)] = int(256);
          return [s4, rnd() < 0.2 ? d.subarray(0, int(d.length)) : d, 1];
        },
        // ClientHellos with forged cookies (stateless path)
        () => [s5, clientHello(bytes(32), bytes(int(2) ? 16 : int(40)), int(4)), 1],
        // out-of-order, overlapping, inconsistent handshake fragments at the handshake in progress
        () => {
          const parts: Buffer[] = [];
          const n = 1 + int(4);
          for (let i = 0; i < n; i++) {
            const length = int(3) === 0 ? 20_000 : int(300);
            const offset = int(length + 1);
            const frag = bytes(Math.min(int(100), length - offset));
            const h = Buffer.alloc(12);
            h[0] = [16, 16, 20, 1, int(256)][int(5)] as number;
            h.writeUIntBE(length, 1, 3);
            h.writeUInt16BE(int(8), 4);
            h.writeUIntBE(offset, 6, 3);
            h.writeUIntBE(frag.length, 9, 3);
            const payload = Buffer.concat([h, frag]);
            parts.push(header(22, int(8) === 0 ? 1 : 0, 2 + int(1e6), payload.length), payload);
          }
          return [hsSock, Buffer.concat(parts), n];
        },
        // random epoch-1 records at the established session (fail authentication)
        () => {
          const body = bytes(8 + int(64));
          inner.send(Buffer.concat([header(23, 1, 1000 + int(1e6), body.length), body]), { address: '127.0.0.1', port: target });
          return [s6, Buffer.alloc(0), 1];
        },
      ];

      let records = 0;
      let datagrams = 0;
      let goodClient: Promise<DtlsClient | Error> | undefined;
      let goodDone = false;
      const peakHeap = { v: 0 };
      const statsSeen = { maxHandshakes: 0, maxReassembly: 0, maxPeers: 0 };
      for (let round = 0; round < 2000 && (records < 100_000 || !goodDone); round++) {
        for (let i = 0; i < 60; i++) {
          const [sock, data, n] = (generators[int(generators.length)] as () => [Socket, Buffer, number])();
          if (data.length > 0) sock.send(data, target, '127.0.0.1');
          records += n;
          datagrams += 1;
        }
        if (round % 40 === 0) hsSock.send(ch2, target, '127.0.0.1'); // keep a handshake in progress
        if (records > 30_000 && !goodClient) {
          goodClient = DtlsClient.connect({ host: '127.0.0.1', port: target, identity: 'text-id', key: KEYS['text-id'] as Buffer, timeoutMs: 20_000 }).then(
            (c) => {
              goodDone = true;
              return c;
            },
            (err: unknown) => {
              goodDone = true;
              return err as Error;
            },
          );
        }
        await new Promise((r) => setTimeout(r, 0));
        const st = e.server.stats();
        statsSeen.maxHandshakes = Math.max(statsSeen.maxHandshakes, st.handshakes);
        statsSeen.maxReassembly = Math.max(statsSeen.maxReassembly, st.reassemblyBytes);
        statsSeen.maxPeers = Math.max(statsSeen.maxPeers, e.server.peerStateCount);
        peakHeap.v = Math.max(peakHeap.v, process.memoryUsage().heapUsed);
      }
      expect(records).toBeGreaterThanOrEqual(100_000);
      const good = await goodClient;
      expect(good).toBeInstanceOf(DtlsClient);
      const g = good as DtlsClient;
      const reply = new Promise<string>((resolve) => g.onDatagram((d) => resolve(Buffer.from(d.data).toString())));
      await g.send(g.peer, Buffer.from('after the storm'));
      expect(await reply).toBe('echo:after the storm');
      await g.close();

      // The victim's session survived replays and forgeries.
      const before = echoes;
      await victim.send(victim.peer, Buffer.from('victim still here'));
      for (let i = 0; i < 2000 && echoes === before; i++) await new Promise((r) => setTimeout(r, 5));
      expect(echoes).toBe(before + 1);

      const st = e.server.stats();
      if (process.env.DTLS_FUZZ_DEBUG) console.log({ records, datagrams, st, statsSeen, peakHeap });
      // Most of the storm actually reached the server (loopback may drop a little under load).
      expect(st.datagramsIn).toBeGreaterThan(datagrams / 2);
      expect(st.drops.replay).toBeGreaterThan(0);
      expect(st.drops.badMac).toBeGreaterThan(0);
      expect(st.drops.malformed).toBeGreaterThan(0);
      expect(st.helloVerifyRequestsSent).toBeGreaterThan(1000);
      // Bounded state: only the peers that proved their address hold anything.
      expect(statsSeen.maxHandshakes).toBeLessThanOrEqual(2);
      expect(statsSeen.maxReassembly).toBeLessThanOrEqual(16_384);
      expect(statsSeen.maxPeers).toBeLessThanOrEqual(3);
      expect(st.sessions).toBe(1);
      await victim.close();
    } finally {
      for (const s of sockets) s.close();
      await e.server.close();
    }
  }, 60_000);
});

describe('spoofed ClientHello flood', () => {
  it('allocates no per-peer state and never answers with more bytes than it received', async () => {
    const net = new MemoryNetwork();
    const clock = new FakeClock();
    const serverSocket = net.socket(5684);
    const server = await DtlsServer.listen({ socket: serverSocket, clock, pskResolver: async () => KEYS.dev1 });
    let maxRatio = 0;
    let lastIn = 0;
    net.filter = (from, _to, d) => {
      if (from.port === 5684) maxRatio = Math.max(maxRatio, d.length / lastIn);
      return true;
    };
    const rnd = prng(7);
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      const random = Buffer.alloc(32, i & 0xff);
      random.writeUInt32BE(i, 0);
      // half without a cookie, half with a forged one
      const cookie = i % 2 === 0 ? Buffer.alloc(0) : Buffer.from(Array.from({ length: 16 }, () => Math.floor(rnd() * 256)));
      const ch = clientHello(random, cookie, 0);
      lastIn = ch.length;
      serverSocket.deliver(ch, { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 50_000) });
      if (i % 16 === 15) await settle(1); // as a socket delivers them: a batch per event-loop turn
    }
    await settle(5);
    expect(server.stats()).toMatchObject({ handshakes: 0, sessions: 0, helloVerifyRequestsSent: N, reassemblyBytes: 0 });
    expect(server.peerStateCount).toBe(0);
    expect(maxRatio).toBeGreaterThan(0);
    expect(maxRatio).toBeLessThan(1);
    await server.close();
  });
});
