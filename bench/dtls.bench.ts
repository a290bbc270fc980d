/**
 * DTLS 1.2 PSK on loopback, beside the same run's plain-UDP round trips (bench/lib/udpBaseline.ts):
 * - full PSK handshakes per second: many concurrent clients from this process, the server in its own
 *   process (as in production), so each side has a core;
 * - encrypted request/response round trips per second: server in this thread (like the UDP baseline)
 *   and in its own process.
 * Wall-clock rates depend on what else the machine is doing, so CPU time per operation is reported
 * too (process.cpuUsage on each side), with the capacity it implies for one server core.
 */
import { fork, spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DtlsClient, DtlsServer, NodeUdpSocket, sealSessions, unsealSessions, type CipherSuiteName, type ResumableSession, type SavedSession, type SessionSeal } from '../packages/dtls/src/index.js';
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
  // All bench clients share 127.0.0.1: lift the per-source fairness caps (they would throttle this one source).
  const server = await DtlsServer.listen({
    host: '127.0.0.1',
    port: 0,
    pskResolver: async () => KEY,
    maxSessions: 1_000_000,
    maxHandshakes: 100_000,
    maxHandshakesPerSource: 100_000,
    inbox: { perSource: 8192 },
  });
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

async function handshakes(
  port: number,
  concurrency: number,
  durationMs: number,
  opts: { resume?: boolean; identity?: string; key?: Buffer; freshSocket?: boolean; ready?: () => Promise<void> } = {},
): Promise<{ n: number; perSec: number; failed: number; latencyMs: LatencySummary; clientCpuUs: number }> {
  const sockets = await Promise.all(Array.from({ length: concurrency }, () => NodeUdpSocket.bind({ host: '127.0.0.1', port: 0, bufferBytes: 1 << 20 })));
  const identity = opts.identity ?? 'bench';
  const key = opts.key ?? KEY;
  // Resumption: each socket first gets a session by a full handshake (not counted), then resumes it.
  const saved = new Map<NodeUdpSocket, ResumableSession | undefined>();
  if (opts.resume) {
    for (const socket of sockets) saved.set(socket, (await DtlsClient.connect({ host: '127.0.0.1', port, identity, key, cipherSuites: [SUITE], socket, timeoutMs: 10_000 })).resumable());
  }
  await opts.ready?.();
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
          const resume = saved.get(socket);
          if (opts.freshSocket) {
            // A new source port per handshake (libcoap keeps one session per address and ignores a new hello on it).
            const c = await DtlsClient.connect({ host: '127.0.0.1', port, identity, key, cipherSuites: [SUITE], timeoutMs: 10_000, ...(resume ? { resume } : {}) });
            samples.push(performance.now() - t0);
            await c.close();
            continue;
          }
          await DtlsClient.connect({ host: '127.0.0.1', port, identity, key, cipherSuites: [SUITE], socket, timeoutMs: 10_000, ...(resume ? { resume } : {}) });
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

async function roundTrips(
  port: number,
  clients: number,
  inFlightPerClient: number,
  durationMs: number,
  suite: CipherSuiteName = SUITE,
  connectionId = false,
): Promise<{ n: number; perSec: number; latencyUs: LatencySummary; cpuUs: number }> {
  const conns = await Promise.all(Array.from({ length: clients }, () => DtlsClient.connect({ host: '127.0.0.1', port, identity: 'bench', key: KEY, cipherSuites: [suite], connectionId })));
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

/** AES-256-GCM standing in for the deployment's sealing key. */
function benchSeal(): SessionSeal {
  const k = randomBytes(32);
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', k, iv);
      const ct = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), ct]);
    },
    unseal(sealed) {
      const b = Buffer.from(sealed);
      const d = createDecipheriv('aes-256-gcm', k, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]);
    },
  };
}

/** Restore then save (export + seal) of `n` sessions, and the heap each restored session takes. */
async function persistence(n: number): Promise<{ restoreMs: number; saveMs: number; unsealMs: number; sealedBytes: number; heapBytesPerSession: number }> {
  const records: SavedSession[] = Array.from({ length: n }, (_, i) => ({
    peer: { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 5000 + (i % 60000) },
    identity: `dev-${i}`,
    suite: SUITE,
    master: randomBytes(48).toString('hex'),
    clientRandom: randomBytes(32).toString('hex'),
    serverRandom: randomBytes(32).toString('hex'),
    pskHash: '',
    readEpoch: 1,
    writeEpoch: 1,
    writeSeq: 17,
    window: { top: 23, lo: 0xffffff, hi: 0 },
  }));
  const pskHash = (await import('node:crypto')).createHash('sha256').update(KEY).digest().subarray(0, 16).toString('hex');
  for (const r of records) (r as { pskHash: string }).pskHash = pskHash;
  const sealer = benchSeal();
  const sealed0 = await sealSessions(records, sealer);
  const server = await DtlsServer.listen({ host: '127.0.0.1', port: 0, pskResolver: async () => KEY, maxSessions: 1_000_000 });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const list = await unsealSessions(sealed0, sealer);
  const t1 = performance.now();
  const r = await server.restoreSessions(list);
  const t2 = performance.now();
  if (r.restored !== n) throw new Error(`restored ${r.restored} of ${n}`);
  gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  const t3 = performance.now();
  const sealed = await sealSessions(server.exportSessions(), sealer);
  const t4 = performance.now();
  await server.close();
  return { restoreMs: t2 - t0, unsealMs: t1 - t0, saveMs: t4 - t3, sealedBytes: sealed.length, heapBytesPerSession: (heap1 - heap0) / n };
}

/** CPU seconds a process used so far (utime + stime from /proc, clock ticks of 10 ms). */
function procCpuUs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

/** libcoap's coap-server (openssl or gnutls build) under the same handshake load, with its CPU per handshake. */
async function libcoapHandshakes(binary: string, durationMs: number): Promise<{ perSec: number; failed: number; serverCpuUsPerHandshake: number } | { error: string }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(binary, ['-A', '127.0.0.1', '-p', String(port - 1), '-k', 'bench-key-16byte', '-v', '0'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 500));
    if (child.exitCode !== null || child.pid === undefined) return { error: `${binary} did not start` };
    const key = Buffer.from('bench-key-16byte');
    await handshakes(port, 16, 300, { key, freshSocket: true }); // warm-up
    const cpu0 = procCpuUs(child.pid);
    const hs = await handshakes(port, 64, durationMs, { key, freshSocket: true });
    const cpu1 = procCpuUs(child.pid);
    return { perSec: hs.perSec, failed: hs.failed, serverCpuUsPerHandshake: (cpu1 - cpu0) / Math.max(1, hs.n) };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    child.kill('SIGKILL');
  }
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
  let beforeResumed = after;
  // A device comes back from a new port and resumes (the same shape as the full run below it compares with).
  const hsResumed = await handshakes(srv.port, 64, 4000, { resume: true, freshSocket: true, ready: async () => void (beforeResumed = await srv.snapshot()) });
  const afterResumed = await srv.snapshot();
  const serverCpuPerResumed = (afterResumed.cpu - beforeResumed.cpu) / Math.max(1, afterResumed.stats.handshakesResumed - beforeResumed.stats.handshakesResumed);
  const rtProc = await roundTrips(srv.port, 8, 4, 2000);
  srv.stop();
  const libcoap = {
    openssl: await libcoapHandshakes('coap-server-openssl', 4000),
    gnutls: await libcoapHandshakes('coap-server-gnutls', 4000),
  };
  // Ours under the libcoap load shape (64 concurrent, a new source port per handshake), same run.
  const oursFresh = await serverProcess();
  const ours0 = await oursFresh.snapshot();
  const hsFresh = await handshakes(oursFresh.port, 64, 4000, { freshSocket: true });
  const ours1 = await oursFresh.snapshot();
  oursFresh.stop();
  const oursLibcoapShape = { perSec: hsFresh.perSec, failed: hsFresh.failed, serverCpuUsPerHandshake: (ours1.cpu - ours0.cpu) / Math.max(1, ours1.stats.handshakesCompleted - ours0.stats.handshakesCompleted) };
  const persisted = await persistence(10_000);

  const local = await startServer();
  const rtLocal = await roundTrips(local.address().port, 8, 4, 2000);
  const rtLocalGcm = await roundTrips(local.address().port, 8, 4, 2000, 'TLS_PSK_WITH_AES_128_GCM_SHA256');
  const rtLocalCid = await roundTrips(local.address().port, 8, 4, 2000, SUITE, true);
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
      resumedHandshakesPerSec: hsResumed.perSec,
      resumedHandshakeFailures: hsResumed.failed,
      resumedHandshakeLatencyMs: hsResumed.latencyMs,
      serverCpuUsPerResumedHandshake: serverCpuPerResumed,
      resumedOverFull: hsResumed.perSec / hsFresh.perSec,
      serverCpuResumedOverFull: oursLibcoapShape.serverCpuUsPerHandshake / serverCpuPerResumed,
      dtlsRoundTripsPerSecSameThreadCid: rtLocalCid.perSec,
      cidOverAddressKeyed: rtLocalCid.perSec / rtLocal.perSec,
      libcoap,
      oursLibcoapShape,
      persistence10k: persisted,
      serverStats: afterResumed.stats,
    },
    [
      `plain UDP round trips: ${Math.round(udp.perSec)}/s (32 in flight, 64 B, one thread); ${udpCpu.toFixed(1)} µs CPU per round trip`,
      `full PSK handshakes (${SUITE}, 256 concurrent clients, server in its own process): ${Math.round(hs.perSec)}/s, p50 ${hs.latencyMs.p50.toFixed(1)} ms, p99 ${hs.latencyMs.p99.toFixed(1)} ms, ${hs.failed} failed`,
      `  CPU per handshake: server ${serverCpuPerHandshake.toFixed(0)} µs (= ${Math.round(1e6 / serverCpuPerHandshake)} handshakes/s per server core), client ${clientCpuPerHandshake.toFixed(0)} µs`,
      `DTLS round trips, server in this thread: ${Math.round(rtLocal.perSec)}/s = ${pct(rtLocal.perSec / udp.perSec)} of plain UDP (p50 ${rtLocal.latencyUs.p50.toFixed(0)} µs); ${dtlsCpu.toFixed(1)} µs CPU each (plain UDP needs ${pct(udpCpu / dtlsCpu)} of that)`,
      `DTLS round trips, server in own process: ${Math.round(rtProc.perSec)}/s = ${pct(rtProc.perSec / udp.perSec)} of plain UDP (p50 ${rtProc.latencyUs.p50.toFixed(0)} µs)`,
      `DTLS round trips, this thread, AES-128-GCM: ${Math.round(rtLocalGcm.perSec)}/s = ${pct(rtLocalGcm.perSec / udp.perSec)} of plain UDP; ${dtlsCpuGcm.toFixed(1)} µs CPU each`,
      `resumed handshakes (session id, 64 concurrent, new port each): ${Math.round(hsResumed.perSec)}/s = ${(hsResumed.perSec / hsFresh.perSec).toFixed(2)}x full in the same shape, p50 ${hsResumed.latencyMs.p50.toFixed(1)} ms, ${hsResumed.failed} failed; server CPU ${serverCpuPerResumed.toFixed(0)} µs each (${(oursLibcoapShape.serverCpuUsPerHandshake / serverCpuPerResumed).toFixed(1)}x less than full)`,
      `DTLS round trips with Connection ID (this thread): ${Math.round(rtLocalCid.perSec)}/s = ${pct(rtLocalCid.perSec / rtLocal.perSec)} of address-keyed`,
      `10,000 sessions: restore ${persisted.restoreMs.toFixed(0)} ms (unseal ${persisted.unsealMs.toFixed(0)} ms), save ${persisted.saveMs.toFixed(0)} ms (${Math.round(persisted.sealedBytes / 1024)} KiB sealed), heap ${Math.round(persisted.heapBytesPerSession)} B per restored session`,
      `ours under the same load (64 concurrent, new port each): ${Math.round(oursLibcoapShape.perSec)} handshakes/s, ${oursLibcoapShape.failed} failed, server CPU ${oursLibcoapShape.serverCpuUsPerHandshake.toFixed(0)} µs per handshake`,
      ...Object.entries(libcoap).map(([k, v]) =>
        'error' in v ? `libcoap coap-server-${k}: ${v.error}` : `libcoap coap-server-${k} (same client load, 64 concurrent): ${Math.round(v.perSec)} handshakes/s, ${v.failed} failed, server CPU ${v.serverCpuUsPerHandshake.toFixed(0)} µs per handshake`,
      ),
    ],
  );
}
