import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

describe('Metrics', () => {
  it('a counter kept elsewhere is read at each scrape and typed counter', () => {
    const m = new Metrics();
    let failed = 0;
    m.counterProbe('chainm2m_bootstrap_failures_total', 'Bootstrap sessions that ended without an accepted Bootstrap-Finish', () => failed);
    expect(m.render()).toContain('# TYPE chainm2m_bootstrap_failures_total counter\nchainm2m_bootstrap_failures_total 0\n');
    failed = 3;
    expect(m.render()).toContain('chainm2m_bootstrap_failures_total 3\n');
  });
});
