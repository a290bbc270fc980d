import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/Clock.js';
import { AnomalyReporter } from './AnomalyReporter.js';
import { InMemoryAnomalyLog } from './InMemoryAnomalyLog.js';
import type { AnomalyLog } from './AnomalyLog.js';

const a = (endpoint: string, value = 'v') => ({ endpoint, collectedAt: 1, severity: 3, kind: 'unauthorized-registration', value });

describe('AnomalyReporter', () => {
  it('writes one record per key per window and caps the total per window', async () => {
    const clock = new FakeClock();
    const log = new InMemoryAnomalyLog();
    const r = new AnomalyReporter({ log, clock, windowMs: 60_000, maxPerWindow: 3 });
    expect(r.report('dev-1', a('dev-1', 'first'))).toBe(true);
    expect(r.report('dev-1', a('dev-1', 'repeat'))).toBe(false);
    expect(r.report('dev-2', a('dev-2'))).toBe(true);
    expect(r.report('dev-3', a('dev-3'))).toBe(true);
    expect(r.report('dev-4', a('dev-4', 'over the cap'))).toBe(false);
    await r.flush();
    expect(await log.count()).toBe(3);
    expect(r.stats()).toEqual({ appended: 3, suppressed: 2, errors: 0 });
    clock.advance(60_000);
    expect(r.report('dev-1', a('dev-1', 'next window'))).toBe(true);
    await r.flush();
    expect((await log.query({ endpoint: 'dev-1' })).items.map((x) => x.value)).toEqual(['first', 'next window']);
  });

  it('counts failed appends without throwing', async () => {
    const failing: AnomalyLog = { ...new InMemoryAnomalyLog(), append: () => Promise.reject(new Error('chain down')), appendMany: async () => [], count: async () => 0, query: async () => ({ items: [] }) };
    const r = new AnomalyReporter({ log: failing, clock: new FakeClock() });
    r.report('k', a('dev-1'));
    await r.flush();
    expect(r.stats()).toEqual({ appended: 0, suppressed: 0, errors: 1 });
  });
});
