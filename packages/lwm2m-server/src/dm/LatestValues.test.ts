import { singleResource } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { LatestValues, type LatestValue } from './LatestValues.js';

const T0 = Date.parse('2026-12-04T18:00:00Z');
const v = (path: string, value: number, time?: number): LatestValue => ({ path, node: singleResource(Number(path.split('/')[3]), 'float', value), receivedAt: T0, ...(time !== undefined ? { time } : {}) });

describe('LatestValues', () => {
  it('keeps the latest per path by the device time, filters by path prefix', () => {
    const l = new LatestValues();
    expect(l.record('m1', [v('/3303/0/5700', 20, T0), v('/3303/1/5700', 5, T0), v('/3/0/9', 80)])).toHaveLength(3);
    expect(l.record('m1', [v('/3303/0/5700', 19, T0 - 1000)])).toEqual([]); // older: kept out
    l.record('m1', [v('/3303/0/5700', 21, T0 + 1000)]);
    expect(l.get('m1', '/3303/0').map((x) => (x.node as { value: number }).value)).toEqual([21]);
    expect(l.get('m1', '/3303').map((x) => x.path)).toEqual(['/3303/0/5700', '/3303/1/5700']);
    expect(l.get('m1', '/330')).toEqual([]); // a prefix of ids, not of characters
    expect(l.get('m1')).toHaveLength(3);
    expect(l.get('m2')).toEqual([]);
  });

  it('is bounded in paths per endpoint and in endpoints', () => {
    const l = new LatestValues({ maxPathsPerEndpoint: 100, maxEndpoints: 50 });
    l.record('m1', Array.from({ length: 150 }, (_, i) => v(`/3303/${i}/5700`, i)));
    expect(l.get('m1')).toHaveLength(100);
    expect(l.get('m1', '/3303/0')).toEqual([]); // the oldest went first
    for (let i = 0; i < 60; i++) l.record(`dev-${i}`, [v('/3/0/9', i)]);
    expect(l.get('m1')).toEqual([]);
    expect(l.get('dev-59')).toHaveLength(1);
    l.forget('dev-59');
    expect(l.get('dev-59')).toEqual([]);
  });
});
