/**
 * Device simulator benchmark: `runSimulation` (the load driver) bootstraps and registers N
 * simulated devices from this process against the real bootstrap server and LwM2M server
 * (`startBootstrapServer`, `startLwm2mServer`, in-memory security store, all on loopback in this
 * same process, 2 cores shared by devices and servers). Each device: DTLS handshake + POST /bs +
 * Bootstrap-Delete/Write/Finish, then a second handshake + POST /rd; then it de-registers.
 *
 * Runs: (1) paced — 64 devices in flight; (2) burst — all N at once; (3) memory — heap per idle
 * SimDevice (objects 0/1/3/3303/3311, no session) and per kept-running registered device (its
 * DTLS session, CoAP endpoint and the servers' state for it included), after a full GC.
 * Baseline: raw UDP round trips on loopback in the same run.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startBootstrapServer } from '../packages/bootstrap-server/src/index.js';
import { deriveSimCredentials, runSimulation, SimDevice, simulationEndpoints, type SimulationResult } from '../packages/client-sim/src/index.js';
import { InMemorySecurityStore, type SecurityInfo } from '../packages/lwm2m/src/index.js';
import { startLwm2mServer } from '../packages/lwm2m-server/src/index.js';
import { report } from './lib/stats.js';
import { udpRoundTrips } from './lib/udpBaseline.js';

const DEVICES = Number(process.env.SIM_BENCH_DEVICES ?? 1000);
const PACED = 64;
const IDLE_DEVICES = 5000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const baseline = await udpRoundTrips({ durationMs: 1000, concurrency: 32, size: 64 });
  const store = new InMemorySecurityStore([]);
  const lwm2m = await startLwm2mServer({
    securityStore: store,
    host: '127.0.0.1',
    port: 0,
    dtls: { maxHandshakes: 4 * DEVICES, maxSessions: 4 * DEVICES },
  });
  const bs = await startBootstrapServer({
    securityStore: store,
    host: '127.0.0.1',
    port: 0,
    dtls: { maxHandshakes: 4 * DEVICES, maxSessions: 4 * DEVICES },
    maxSessions: 4 * DEVICES,
  });
  const bsUri = `coaps://127.0.0.1:${bs.address.port}`;
  const serverUri = `coaps://127.0.0.1:${lwm2m.addresses.coaps.port}`;
  const infoFor = (endpoint: string): SecurityInfo => {
    const c = deriveSimCredentials(endpoint);
    return {
      endpoint,
      bootstrap: { serverUri: bsUri, ...c.bootstrap },
      server: { serverUri, ...c.server, shortServerId: 101, lifetime: 300, binding: 'U' },
      clearance: 1,
      registrar: 'bench',
      createdAt: 1_700_000_000,
      updatedAt: 1_700_000_000,
    };
  };
  const all = [...simulationEndpoints('warm-', 20), ...simulationEndpoints('p-', DEVICES), ...simulationEndpoints('b-', DEVICES), ...simulationEndpoints('k-', DEVICES)];
  await store.addMany(all.map(infoFor));

  let paced: SimulationResult, burst: SimulationResult;
  let keptPerDeviceB = 0;
  let keptRegistered = 0;
  try {
    await runSimulation({ devices: 20, prefix: 'warm-', bootstrapUri: bsUri, concurrency: 4 }); // JIT warm-up
    paced = await runSimulation({ devices: DEVICES, prefix: 'p-', bootstrapUri: bsUri, concurrency: PACED });
    burst = await runSimulation({ devices: DEVICES, prefix: 'b-', bootstrapUri: bsUri, concurrency: DEVICES });
    const before = heap();
    const kept = await runSimulation({ devices: DEVICES, prefix: 'k-', bootstrapUri: bsUri, concurrency: PACED, keepRunning: true });
    await new Promise((r) => setTimeout(r, 200));
    keptRegistered = kept.registered;
    keptPerDeviceB = (heap() - before) / Math.max(1, kept.registered);
    await kept.stop();
  } finally {
    await bs.close();
    await lwm2m.close();
  }

  const idleBefore = heap();
  const idle: SimDevice[] = [];
  for (let i = 0; i < IDLE_DEVICES; i++) {
    const d = new SimDevice({ endpoint: `idle-${i}`, bootstrap: { uri: bsUri, identity: `idle-${i}-bs`, key: new Uint8Array(16) } });
    d.configureServer({ uri: serverUri, identity: `idle-${i}-srv`, key: new Uint8Array(16) });
    idle.push(d);
  }
  const idlePerDeviceB = (heap() - idleBefore) / IDLE_DEVICES;
  idle.length = 0;

  const view = (r: SimulationResult) => ({
    registered: r.registered,
    failed: r.failed,
    errors: r.errors,
    wallMs: round(r.durationMs, 0),
    devicesPerSec: round((r.registered * 1000) / r.durationMs),
    bootstrapMs: { p50: round(r.bootstrapMs.p50), p99: round(r.bootstrapMs.p99), max: round(r.bootstrapMs.max) },
    registerMs: { p50: round(r.registerMs.p50), p99: round(r.registerMs.p99), max: round(r.registerMs.max) },
  });
  const line = (name: string, r: SimulationResult): string =>
    `${name}: ${r.registered}/${r.total} registered in ${round(r.durationMs, 0)} ms = ${round((r.registered * 1000) / r.durationMs, 0)} devices/s; ` +
    `bootstrap p50 ${round(r.bootstrapMs.p50)} / p99 ${round(r.bootstrapMs.p99)} ms, registration p50 ${round(r.registerMs.p50)} / p99 ${round(r.registerMs.p99)} ms`;
  report(
    'sim',
    {
      devices: DEVICES,
      paced: { concurrency: PACED, ...view(paced) },
      burst: { concurrency: DEVICES, ...view(burst) },
      memory: { idleDeviceBytes: round(idlePerDeviceB, 0), registeredDeviceBytesInclServers: round(keptPerDeviceB, 0), keptRegistered },
      baseline: { udpRoundTripsPerSec: round(baseline.perSec, 0), udpP50Us: round(baseline.latencyUs.p50, 0), udpP99Us: round(baseline.latencyUs.p99, 0) },
    },
    [
      line(`paced (${PACED} in flight)`, paced),
      line(`burst (${DEVICES} at once)`, burst),
      `memory: ${round(idlePerDeviceB / 1024)} KiB per idle SimDevice; ${round(keptPerDeviceB / 1024)} KiB per registered device kept running (its DTLS session + CoAP endpoint + the servers' state for it)`,
      `baseline raw UDP: ${round(baseline.perSec, 0)} round trips/s, p50 ${round(baseline.latencyUs.p50, 0)} µs (a device = 2 handshakes (3 round trips each) + 6 CoAP exchanges)`,
    ],
  );
}

await main();
