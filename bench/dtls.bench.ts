/**
 * DTLS 1.2 PSK on loopback: full handshakes per second (many concurrent clients from one process,
 * server in its own process so the two sides use the two cores) and encrypted request/response round
 * trips per second, beside the same run's plain-UDP round trips (bench/lib/udpBaseline.ts).
 * Round trips are measured twice: server in the same thread as the clients (like the UDP baseline)
 * and server in its own process.
 */
import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

if (process.argv.includes('--server')) {
  const server = await startServer();
  process.send?.({ port: server.address().port });
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'stats') process.send?.({ stats: server.stats() });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

/** The server in its own process (as in production), so clients and server each get a core. */
async function serverProcess(): Promise<{ port: number; stats: () => Promise<unknown>; stop: () => void }> {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  return {
    port,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { stats: unknown }).stats));
        child.send({ cmd: 'stats' });
      }),
    stop: () => void child.kill('SIGKILL'),
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

async function roundTrips(port: number, clients: number, inFlightPerClient: number, durationMs: number, suite: CipherSuiteName = SUITE): Promise<{ perSec: number; latencyUs: ReturnType<typeof summarize> }> {
  const conns = await Promise.all(Array.from({ length: clients }, () => DtlsClient.connect({ host: '127.0.0.1', port, identity: 'bench', key: KEY, cipherSuites: [suite] })));
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

  const w = await serverProcess();
  // warm-up
  await handshakes(w.port, 16, 500);
  const hs = await handshakes(w.port, 64, 3000);
  const rtProc = await roundTrips(w.port, 8, 4, 2000);
  const serverStats = await w.stats();
  w.stop();

  const local = await startServer();
  const rtLocal = await roundTrips(local.address().port, 8, 4, 2000);
  const rtLocalGcm = await roundTrips(local.address().port, 8, 4, 2000, 'TLS_PSK_WITH_AES_128_GCM_SHA256');
  await local.close();

  const ratioLocal = rtLocal.perSec / udp.perSec;
  const ratioProc = rtProc.perSec / udp.perSec;
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
      dtlsRoundTripsPerSecSameThreadGcm: rtLocalGcm.perSec,
      dtlsRoundTripsPerSecServerProcess: rtProc.perSec,
      dtlsRoundTripsServerProcessLatencyUs: rtProc.latencyUs,
      ratioSameThread: ratioLocal,
      ratioServerProcess: ratioProc,
      serverStats,
    },
    [
      `plain UDP round trips: ${Math.round(udp.perSec)}/s (32 in flight, 64 B, one thread)`,
      `full PSK handshakes (${SUITE}, 64 concurrent clients, server in its own process): ${Math.round(hs.perSec)}/s, p50 ${hs.latencyMs.p50.toFixed(1)} ms, p99 ${hs.latencyMs.p99.toFixed(1)} ms, ${hs.failed} failed`,
      `DTLS round trips, same thread as clients: ${Math.round(rtLocal.perSec)}/s = ${(ratioLocal * 100).toFixed(0)}% of plain UDP (p50 ${rtLocal.latencyUs.p50.toFixed(0)} µs)`,
      `DTLS round trips, server in own process: ${Math.round(rtProc.perSec)}/s = ${(ratioProc * 100).toFixed(0)}% of plain UDP (p50 ${rtProc.latencyUs.p50.toFixed(0)} µs)`,
      `DTLS round trips, same thread, AES-128-GCM: ${Math.round(rtLocalGcm.perSec)}/s = ${((rtLocalGcm.perSec / udp.perSec) * 100).toFixed(0)}% of plain UDP`,
    ],
  );
}
