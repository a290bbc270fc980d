import type { LatencyStats, SimulationProgress, SimulationResult } from './runSimulation.js';

const ms = (x: number): string => (Number.isNaN(x) ? '-' : x < 10 ? `${x.toFixed(1)} ms` : `${Math.round(x)} ms`);

/** One live progress line, e.g. `sim 120/1000 started · 118 bootstrapped · 110 registered · 2 failed · 45.3 dev/s · 2.4 s`. */
export function formatSimulationProgress(p: SimulationProgress): string {
  const width = String(p.total).length;
  return [
    `sim ${String(p.started).padStart(width)}/${p.total} started`,
    `${String(p.bootstrapped).padStart(width)} bootstrapped`,
    `${String(p.registered).padStart(width)} registered`,
    `${p.failed} failed`,
    `${p.perSecond.toFixed(1)} dev/s`,
    `${(p.elapsedMs / 1000).toFixed(1)} s`,
  ].join(' · ');
}

const latency = (name: string, s: LatencyStats): string => `${name}: p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (n=${s.n})`;

/** The end-of-run summary lines. */
export function formatSimulationSummary(r: SimulationResult): string[] {
  const lines = [
    `${r.total} devices: ${r.bootstrapped} bootstrapped, ${r.registered} registered, ${r.failed} failed in ${(r.durationMs / 1000).toFixed(1)} s`,
    latency('bootstrap', r.bootstrapMs),
    latency('registration', r.registerMs),
  ];
  const errs = Object.entries(r.errors);
  if (errs.length > 0) lines.push('failures: ' + errs.map(([code, n]) => `${code} x${n}`).join(', '));
  return lines;
}
