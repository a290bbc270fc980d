import { describe, expect, it } from 'vitest';
import { FakeClock, seededRandom } from './Clock.js';

describe('FakeClock', () => {
  it('fires due timers in time order and skips cancelled ones', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('c'));
    clock.setTimer(10, () => {
      fired.push('a');
      clock.setTimer(5, () => fired.push('b'));
    });
    const d = clock.setTimer(20, () => fired.push('cancelled'));
    d.cancel();
    clock.advance(29);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(1029);
    clock.advance(1);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.pending).toBe(0);
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const seq = (r: typeof a) => [r.next(), r.next(), ...r.bytes(4)];
    const first = seq(a);
    expect(seq(b)).toEqual(first);
    expect(seq(c)).not.toEqual(first);
    expect(first.slice(0, 2).every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
