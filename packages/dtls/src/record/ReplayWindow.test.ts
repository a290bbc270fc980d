import { describe, expect, it } from 'vitest';
import { ReplayWindow } from './ReplayWindow.js';

describe('ReplayWindow', () => {
  it('accepts new numbers once, in any order within 64', () => {
    const w = new ReplayWindow();
    for (const n of [0, 5, 3, 70, 40, 69]) {
      expect(w.check(n)).toBe(true);
      w.mark(n);
      expect(w.check(n)).toBe(false);
    }
    expect(w.check(4)).toBe(false); // 70 - 4 >= 64: too old
    expect(w.check(7)).toBe(true);
    expect(w.check(41)).toBe(true);
    expect(w.check(40)).toBe(false);
  });

  it('slides across the 32-bit word boundary', () => {
    const w = new ReplayWindow();
    w.mark(10);
    w.mark(45); // shift 35
    expect(w.check(10)).toBe(false);
    expect(w.check(11)).toBe(true);
    w.mark(11);
    w.mark(60); // shift 15
    expect(w.check(10)).toBe(false);
    expect(w.check(11)).toBe(false);
    expect(w.check(12)).toBe(true);
    w.mark(200);
    expect(w.check(137)).toBe(true);
    expect(w.check(136)).toBe(false);
    expect(w.check(60)).toBe(false);
  });

  it('handles 48-bit sequence numbers', () => {
    const w = new ReplayWindow();
    const big = 2 ** 48 - 2;
    w.mark(big);
    expect(w.check(big)).toBe(false);
    expect(w.check(big + 1)).toBe(true);
    expect(w.check(big - 63)).toBe(true);
  });
});
