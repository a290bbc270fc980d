/**
 * DTLS 1.2 PSK on loopback, beside the same run's plain-UDP round trips (bench/lib/udpBaseline.ts):
 * - full PSK handshakes per second: many concurrent clients from this process, the server in its own
 *   process (as in production), so each side has a core;
 * - encrypted request/response round trips per second: server in this thread (like the UDP baseline)
 *   and in its own process.
 * Wall-clock rates depend on what else the machine is doing, so CPU time per operation is reported
 * too (process.cpuUsage on each side), with the capacity it implies for one server core.
 */
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DtlsClient, DtlsServer, NodeUdpSocket, type CipherSuiteName } from '../packages/dtls/src/index.js';
import { report, summarize, type LatencySummary } from './lib/stats.js';
import { echoLoop } from './lib/echoLoop.js';
import { udpRoundTrips } from './lib/udpBaseline.js';

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const SUITE: CipherSuiteName = 'TLS_PSK_WITH_AES_128_CCM_8';

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function startServer(): Promise<DtlsServer> {
  const server = await DtlsServer.listen({ host: '127.0.0.1', port: 0, pskResolver: async () => KEY, maxSessions: 1_000_000, maxHandshakes: 100_000 });
  server.onDatagram((d) => void server.send(d.peer, d.data));
  return server;
}

if (process.argv.includes('--server')) {
  const server = await startServer();
  process.send?.({ port: server.address().port });
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'stats') process.send?.({ stats: server.stats(), cpu: cpuMicros() });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

interface ServerSnapshot {
  stats: ReturnType<DtlsServer['stats']>;
  cpu: number;
}

/** The server in its own process. */
async function serverProcess(): Promise<{ port: number; snapshot: () => Promise<ServerSnapshot>; stop: () => void }> {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  return {
    port,
    snapshot: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as ServerSnapshot));
        child.send({ cmd: 'stats' });
      }),
    stop: () => void child.kill('SIGKILL'),
  };
}

async function handshakes(port: number, concurrency: number, durationMs: number): Promise<{ n: number; perSec: number; failed: number; latencyMs: LatencySummary; clientCpuUs: number }> {
  const sockets = await Promise.all(Array.from({ length: concurrency }, () => NodeUdpSocket.bind({ host: '127.0.0.1', port: 0, bufferBytes: 1 << 20 })));
  const samples: number[] = [];
  let failed = 0;
  const cpu0 = cpuMicros();
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
  const clientCpuUs = cpuMicros() - cpu0;
  await Promise.all(sockets.map((s) => s.close()));
  return { n: samples.length, perSec: samples.length / elapsed, failed, latencyMs: summarize(samples), clientCpuUs };
}

async function roundTrips(port: number, clients: number, inFlightPerClient: number, durationMs: number, suite: CipherSuiteName = SUITE): Promise<{ n: number; perSec: number; latencyUs: LatencySummary; cpuUs: number }> {
  const conns = await Promise.all(Array.from({ length: clients }, () => DtlsClient.connect({ host: '127.0.0.1', port, identity: 'bench', key: KEY, cipherSuites: [suite] })));
  const samples: number[] = [];
  const cpu0 = cpuMicros();
  const start = performance.now();
  const deadline = start + durationMs;
  const counts = await Promise.all(
    conns.map((c) => echoLoop({ send: (payload) => void c.send(c.peer, payload), onReply: (h) => c.onDatagram((d) => h(d.data)) }, { inFlight: inFlightPerClient, size: 64, deadline, samples })),
  );
  const done = counts.reduce((a, b) => a + b, 0);
  const elapsed = (performance.now() - start) / 1000;
  const cpuUs = cpuMicros() - cpu0;
  await Promise.all(conns.map((c) => c.close()));
  return { n: done, perSec: done / elapsed, latencyUs: summarize(samples), cpuUs };
}

/** CPU per plain-UDP round trip, both ends in this thread (the same shape as the DTLS same-thread run). */
async function udpCpuPerRoundTrip(count: number): Promise<number> {
  const server = createSocket('udp4');
  server.on('message', (m, r) => server.send(m, r.port, r.address));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  const port = server.address().port;
  const payload = Buffer.alloc(64, 0x42);
  let done = 0;
  const cpu0 = cpuMicros();
  await new Promise<void>((resolve) => {
    client.on('message', () => {
      done += 1;
      if (done >= count) resolve();
      else client.send(payload, port, '127.0.0.1');
    });
    for (let i = 0; i < 32; i++) client.send(payload, port, '127.0.0.1');
    setTimeout(resolve, 20_000).unref();
  });
  const cpu = cpuMicros() - cpu0;
  client.close();
  server.close();
  return cpu / done;
}

async function main(): Promise<void> {
  const udp = await udpRoundTrips({ durationMs: 2000, concurrency: 32, size: 64 });
  const udpCpu = await udpCpuPerRoundTrip(40_000);

  const srv = await serverProcess();
  await handshakes(srv.port, 16, 500); // warm-up
  const before = await srv.snapshot();
  const hs = await handshakes(srv.port, 256, 4000);
  const after = await srv.snapshot();
  const serverCpuPerHandshake = (after.cpu - before.cpu) / Math.max(1, after.stats.handshakesCompleted - before.stats.handshakesCompleted);
  const rtProc = await roundTrips(srv.port, 8, 4, 2000);
  srv.stop();

  const local = await startServer();
  const rtLocal = await roundTrips(local.address().port, 8, 4, 2000);
  const rtLocalGcm = await roundTrips(local.address().port, 8, 4, 2000, 'TLS_PSK_WITH_AES_128_GCM_SHA256');
  await local.close();

  const dtlsCpu = rtLocal.cpuUs / rtLocal.n;
  const dtlsCpuGcm = rtLocalGcm.cpuUs / rtLocalGcm.n;
  const clientCpuPerHandshake = hs.clientCpuUs / Math.max(1, hs.n);
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
  report(
    'dtls',
    {
      suite: SUITE,
      udpRoundTripsPerSec: udp.perSec,
      udpCpuUsPerRoundTrip: udpCpu,
      handshakesPerSec: hs.perSec,
      handshakeFailures: hs.failed,
      handshakeLatencyMs: hs.latencyMs,
      serverCpuUsPerHandshake: serverCpuPerHandshake,
      clientCpuUsPerHandshake: clientCpuPerHandshake,
      serverHandshakeCapacityPerCore: 1e6 / serverCpuPerHandshake,
      dtlsRoundTripsPerSecSameThread: rtLocal.perSec,
      dtlsRoundTripsSameThreadLatencyUs: rtLocal.latencyUs,
      dtlsCpuUsPerRoundTrip: dtlsCpu,
      dtlsRoundTripsPerSecSameThreadGcm: rtLocalGcm.perSec,
      dtlsCpuUsPerRoundTripGcm: dtlsCpuGcm,
      dtlsRoundTripsPerSecServerProcess: rtProc.perSec,
      dtlsRoundTripsServerProcessLatencyUs: rtProc.latencyUs,
      ratioSameThread: rtLocal.perSec / udp.perSec,
      ratioServerProcess: rtProc.perSec / udp.perSec,
      ratioCpu: udpCpu / dtlsCpu,
      serverStats: after.stats,
    },
    [
      `plain UDP round trips: ${Math.round(udp.perSec)}/s (32 in flight, 64 B, one thread); ${udpCpu.toFixed(1)} µs CPU per round trip`,
      `full PSK handshakes (${SUITE}, 256 concurrent clients, server in its own process): ${Math.round(hs.perSec)}/s, p50 ${hs.latencyMs.p50.toFixed(1)} ms, p99 ${hs.latencyMs.p99.toFixed(1)} ms, ${hs.failed} failed`,
      `  CPU per handshake: server ${serverCpuPerHandshake.toFixed(0)} µs (= ${Math.round(1e6 / serverCpuPerHandshake)} handshakes/s per server core), client ${clientCpuPerHandshake.toFixed(0)} µs`,
      `DTLS round trips, server in this thread: ${Math.round(rtLocal.perSec)}/s = ${pct(rtLocal.perSec / udp.perSec)} of plain UDP (p50 ${rtLocal.latencyUs.p50.toFixed(0)} µs); ${dtlsCpu.toFixed(1)} µs CPU each (plain UDP needs ${pct(udpCpu / dtlsCpu)} of that)`,
      `DTLS round trips, server in own process: ${Math.round(rtProc.perSec)}/s = ${pct(rtProc.perSec / udp.perSec)} of plain UDP (p50 ${rtProc.latencyUs.p50.toFixed(0)} µs)`,
      `DTLS round trips, this thread, AES-128-GCM: ${Math.round(rtLocalGcm.perSec)}/s = ${pct(rtLocalGcm.perSec / udp.perSec)} of plain UDP; ${dtlsCpuGcm.toFixed(1)} µs CPU each`,
    ],
  );
}
