import { describe, expect, it } from 'vitest';
import { FakeClock, InMemoryAnomalyLog } from '@chainm2m/lwm2m';
import { SecurityAnomalyReporter } from './securityAnomalies.js';

describe('SecurityAnomalyReporter', () => {
  it('records one anomaly per endpoint and kind per window and caps the total', async () => {
    const clock = new FakeClock();
    const log = new InMemoryAnomalyLog();
    const r = new SecurityAnomalyReporter(log, clock, () => 1000, 60_000, 3);
    r.report('dev-1', 'unauthorized-bootstrap', 'identity of dev-2');
    r.report('dev-1', 'unauthorized-bootstrap', 'again');
    r.report('dev-1', 'unauthorized-registration', 'x');
    r.report('dev-2', 'unauthorized-bootstrap', 'x');
    r.report('dev-3', 'unauthorized-bootstrap', 'over the cap');
    await Promise.resolve();
    expect(await log.count()).toBe(3);
    expect(r.suppressed).toBe(2);
    clock.advance(60_000);
    r.report('dev-1', 'unauthorized-bootstrap', 'next window');
    await Promise.resolve();
    expect(await log.count()).toBe(4);
    const { items } = await log.query({ endpoint: 'dev-1' });
    expect(items.map((a) => a.value)).toEqual(['identity of dev-2', 'x', 'next window']);
  });
});
