/** Raw UDP round trips on loopback: the ceiling the protocol benchmarks compare with. */
import { udpRoundTrips } from './lib/udpBaseline.js';
import { report } from './lib/stats.js';

const r = await udpRoundTrips({ durationMs: 2000, concurrency: 32, size: 64 });
report('baseline', { udpRoundTripsPerSec: r.perSec, latencyUs: r.latencyUs }, [
  `plain UDP round trips: ${Math.round(r.perSec)}/s (p50 ${r.latencyUs.p50.toFixed(0)} µs, p99 ${r.latencyUs.p99.toFixed(0)} µs)`,
]);
