import { FakeClock } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { Scheduler } from './Scheduler.js';

describe('Scheduler', () => {
  it('runs many tasks in time order on a single clock timer, skipping cancelled ones', () => {
    const clock = new FakeClock(0);
    const s = new Scheduler(clock);
    const ran: number[] = [];
    const handles = [];
    for (let i = 0; i < 1000; i++) {
      const at = (i * 7919) % 1000;
      handles.push(s.at(at, () => ran.push(at)));
    }
    expect(clock.pending).toBe(1);
    for (let i = 0; i < 1000; i += 2) handles[i]?.cancel();
    expect(s.size).toBe(500);
    clock.advance(999);
    expect(ran).toHaveLength(500);
    expect([...ran].sort((a, b) => a - b)).toEqual(ran);
    expect(clock.pending).toBe(0);
  });

  it('re-arms for an earlier task and runs tasks scheduled while firing', () => {
    const clock = new FakeClock(0);
    const s = new Scheduler(clock);
    const ran: string[] = [];
    s.after(100, () => ran.push('late'));
    s.after(10, () => {
      ran.push('early');
      s.after(5, () => ran.push('chained'));
    });
    clock.advance(20);
    expect(ran).toEqual(['early', 'chained']);
    clock.advance(100);
    expect(ran).toEqual(['early', 'chained', 'late']);
  });

  it('keeps running after a task throws', () => {
    const clock = new FakeClock(0);
    const s = new Scheduler(clock);
    const ran: number[] = [];
    s.after(1, () => {
      throw new Error('boom');
    });
    s.after(1, () => ran.push(1));
    clock.advance(1);
    expect(ran).toEqual([1]);
  });
});
