import { describe, expect, it } from 'vitest';
import { ExpiryQueue } from './ExpiryQueue.js';

describe('ExpiryQueue', () => {
  it('pops due keys earliest first and honours moved and deleted deadlines', () => {
    const q = new ExpiryQueue<string>();
    q.set('a', 30);
    q.set('b', 10);
    q.set('c', 20);
    q.set('b', 40); // moved later (Update)
    q.delete('c');
    expect(q.peek()).toBe(30);
    expect(q.popDue(29)).toEqual([]);
    expect(q.popDue(35)).toEqual(['a']);
    expect(q.size).toBe(1);
    expect(q.popDue(100)).toEqual(['b']);
    expect(q.peek()).toBeUndefined();
  });

  it('stays ordered over many random operations and compacts stale entries', () => {
    const q = new ExpiryQueue<number>();
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const truth = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      const k = Math.floor(rnd() * 300);
      const at = Math.floor(rnd() * 10_000);
      q.set(k, at);
      truth.set(k, at);
    }
    const order = q.popDue(Infinity);
    const expected = [...truth.entries()].sort((a, b) => a[1] - b[1]).map((e) => e[1]);
    expect(order.map((k) => truth.get(k))).toEqual(expected);
    expect(new Set(order).size).toBe(truth.size);
  });
});
