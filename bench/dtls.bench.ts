/**
 * DTLS 1.2 PSK on loopback: full handshakes per second (many concurrent clients from one process,
 * server in a worker thread so the two sides use the two cores) and encrypted request/response round
 * trips per second, beside the same run's plain-UDP round trips (bench/lib/udpBaseline.ts).
 * Round trips are measured twice: server in the same thread as the clients (like the UDP baseline)
 * and server in a worker thread.
 */
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { DtlsClient, DtlsServer, NodeUdpSocket, type CipherSuiteName } from '../packages/dtls/src/index.js';
import { report, summarize } from './lib/stats.js';
import { udpRoundTrips } from './lib/udpBaseline.js';

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const SUITE: CipherSuiteName = 'TLS_PSK_WITH_AES_128_CCM_8';

async function startServer(): Promise<DtlsServer> {
  const server = await DtlsServer.listen({ host: '127.0.0.1', port: 0, pskResolver: async () => KEY, maxSessions: 1_000_000, maxHandshakes: 100_000 });
  server.onDatagram((d) => void server.send(d.peer, d.data));
  return server;
}

if (!isMainThread) {
  const server = await startServer();
  parentPort?.postMessage({ port: server.address().port });
  parentPort?.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'stats') parentPort?.postMessage({ stats: server.stats() });
  });
} else {
  await main();
}

async function workerServer(): Promise<{ port: number; stats: () => Promise<unknown>; stop: () => Promise<void> }> {
  // Workers on Node 20 do not inherit tsx's loader: register it, then load this file.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const w = new Worker(boot, { eval: true });
  const port = await new Promise<number>((resolve) => w.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    port,
    stats: () => new Promise((resolve) => {
      w.once('message', (m: { stats: unknown }) => resolve(m.stats));
      w.postMessage({ cmd: 'stats' });
    }),
    stop: async () => void (await w.terminate()),
  };
}

async function handshakes(port: number, concurrency: number, durationMs: number): Promise<{ perSec: number; failed: number; latencyMs: ReturnType<typeof summarize> }> {
  const sockets = await Promise.all(Array.from({ length: concurrency }, () => NodeUdpSocket.bind({ host: '127.0.0.1', port: 0 })));
  const samples: number[] = [];
  let failed = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    sockets.map(async (socket) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          // Each socket re-handshakes from the same port: the server replaces that peer's session.
          await DtlsClient.connect({ host: '127.0.0.1', port, identity: 'bench', key: KEY, cipherSuites: [SUITE], socket, timeoutMs: 10_000 });
          samples.push(performance.now() - t0);
        } catch {
          failed += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  await Promise.all(sockets.map((s) => s.close()));
  return { perSec: samples.length / elapsed, failed, latencyMs: summarize(samples) };
}

async function roundTrips(port: number, clients: number, inFlightPerClient: number, durationMs: number): Promise<{ perSec: number; latencyUs: ReturnType<typeof summarize> }> {
  const conns = await Promise.all(Array.from({ length: clients }, () => DtlsClient.connect({ host: '127.0.0.1', port, identity: 'bench', key: KEY, cipherSuites: [SUITE] })));
  const samples: number[] = [];
  let done = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    conns.map(
      (c) =>
        new Promise<void>((resolve) => {
          const payload = Buffer.alloc(64, 0x42);
          const sentAt = new Map<number, number>();
          let seq = 0;
          const sendOne = (): void => {
            const id = seq++ & 0xffffffff;
            payload.writeUInt32BE(id, 0);
            sentAt.set(id, performance.now());
            void c.send(c.peer, payload);
          };
          c.onDatagram((d) => {
            const id = Buffer.from(d.data.buffer, d.data.byteOffset, d.data.length).readUInt32BE(0);
            const t0 = sentAt.get(id);
            if (t0 !== undefined) {
              sentAt.delete(id);
              samples.push((performance.now() - t0) * 1000);
              done += 1;
            }
            if (performance.now() < deadline) sendOne();
            else if (sentAt.size === 0) resolve();
          });
          for (let i = 0; i < inFlightPerClient; i++) sendOne();
          setTimeout(resolve, durationMs + 1000).unref();
        }),
    ),
  );
  const elapsed = (performance.now() - start) / 1000;
  await Promise.all(conns.map((c) => c.close()));
  return { perSec: done / elapsed, latencyUs: summarize(samples) };
}

async function main(): Promise<void> {
  const udp = await udpRoundTrips({ durationMs: 2000, concurrency: 32, size: 64 });

  const w = await workerServer();
  // warm-up
  await handshakes(w.port, 16, 500);
  const hs = await handshakes(w.port, 64, 3000);
  const rtWorker = await roundTrips(w.port, 8, 4, 2000);
  const serverStats = await w.stats();
  await w.stop();

  const local = await startServer();
  const rtLocal = await roundTrips(local.address().port, 8, 4, 2000);
  await local.close();

  const ratioLocal = rtLocal.perSec / udp.perSec;
  const ratioWorker = rtWorker.perSec / udp.perSec;
  report(
    'dtls',
    {
      suite: SUITE,
      udpRoundTripsPerSec: udp.perSec,
      handshakesPerSec: hs.perSec,
      handshakeFailures: hs.failed,
      handshakeLatencyMs: hs.latencyMs,
      dtlsRoundTripsPerSecSameThread: rtLocal.perSec,
      dtlsRoundTripsSameThreadLatencyUs: rtLocal.latencyUs,
      dtlsRoundTripsPerSecServerInWorker: rtWorker.perSec,
      dtlsRoundTripsServerInWorkerLatencyUs: rtWorker.latencyUs,
      ratioSameThread: ratioLocal,
      ratioServerInWorker: ratioWorker,
      serverStats,
    },
    [
      `plain UDP round trips: ${Math.round(udp.perSec)}/s (32 in flight, 64 B, one thread)`,
      `full PSK handshakes (${SUITE}, 64 concurrent clients, server in a worker): ${Math.round(hs.perSec)}/s, p50 ${hs.latencyMs.p50.toFixed(1)} ms, p99 ${hs.latencyMs.p99.toFixed(1)} ms, ${hs.failed} failed`,
      `DTLS round trips, same thread as clients: ${Math.round(rtLocal.perSec)}/s = ${(ratioLocal * 100).toFixed(0)}% of plain UDP (p50 ${rtLocal.latencyUs.p50.toFixed(0)} µs)`,
      `DTLS round trips, server in a worker:     ${Math.round(rtWorker.perSec)}/s = ${(ratioWorker * 100).toFixed(0)}% of plain UDP (p50 ${rtWorker.latencyUs.p50.toFixed(0)} µs)`,
    ],
  );
}
