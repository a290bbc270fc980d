import { describe, expect, it } from 'vitest';
import { TypedEmitter } from './TypedEmitter.js';

type Events = { a: { n: number }; b: string };

describe('TypedEmitter', () => {
  it('delivers to listeners in order, unsubscribes, and once() resolves with the next payload', async () => {
    const e = new TypedEmitter<Events>();
    const got: string[] = [];
    const off = e.on('a', (p) => got.push(`1:${p.n}`));
    e.on('a', (p) => got.push(`2:${p.n}`));
    e.on('b', (p) => got.push(`b:${p}`));
    const next = e.once('a');
    e.emit('a', { n: 1 });
    off();
    e.emit('a', { n: 2 });
    e.emit('b', 'x');
    expect(got).toEqual(['1:1', '2:1', '2:2', 'b:x']);
    expect(await next).toEqual({ n: 1 });
  });

  it('isolates a throwing listener and counts it', () => {
    const e = new TypedEmitter<Events>();
    const got: number[] = [];
    e.on('a', () => {
      throw new Error('bug');
    });
    e.on('a', (p) => got.push(p.n));
    e.emit('a', { n: 7 });
    expect(got).toEqual([7]);
    expect(e.listenerErrors).toBe(1);
  });

  it('emitting an event nobody listens to is a no-op', () => {
    expect(() => new TypedEmitter<Events>().emit('b', 'nobody')).not.toThrow();
  });
});
