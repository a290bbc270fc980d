import { describe, expect, it } from 'vitest';
import { FakeClock } from './Clock.js';

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
