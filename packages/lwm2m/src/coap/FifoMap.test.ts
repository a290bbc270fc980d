import { describe, expect, it } from 'vitest';
import { FifoMap } from './FifoMap.js';

describe('FifoMap', () => {
  it('shifts in insertion order, skipping deleted and re-set keys', () => {
    const m = new FifoMap<string, number>();
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    m.delete('a');
    m.set('b', 4); // moves to the back
    expect(m.size).toBe(2);
    expect(m.shift()).toEqual({ key: 'c', value: 3 });
    expect(m.oldest()).toEqual({ key: 'b', value: 4 });
    expect(m.shift()).toEqual({ key: 'b', value: 4 });
    expect(m.shift()).toBeUndefined();
    expect(m.size).toBe(0);
  });

  it('stays consistent over many operations (compaction)', () => {
    const m = new FifoMap<number, number>();
    for (let i = 0; i < 10_000; i++) {
      m.set(i % 3000, i);
      if (m.size > 1000) m.shift();
    }
    expect(m.size).toBe(1000);
    const order: number[] = [];
    for (let it = m.shift(); it; it = m.shift()) order.push(it.value);
    expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => 9000 + i));
  });
});
