import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/helpers/FakeClock.js';
import { CookieFactory } from './CookieFactory.js';

const random = { next: () => 0.5, bytes: (n: number) => randomBytes(n) };

describe('CookieFactory', () => {
  it('binds the cookie to address, port and client random', () => {
    const f = new CookieFactory(new FakeClock(), random);
    const peer = { address: '127.0.0.1', port: 5000 };
    const r = randomBytes(32);
    const c = f.make(peer, r);
    expect(f.verify(peer, r, c)).toBe(true);
    expect(f.verify({ ...peer, port: 5001 }, r, c)).toBe(false);
    expect(f.verify({ ...peer, address: '127.0.0.2' }, r, c)).toBe(false);
    expect(f.verify(peer, randomBytes(32), c)).toBe(false);
    expect(f.verify(peer, r, Buffer.alloc(0))).toBe(false);
  });

  it('accepts cookies of the previous secret only, after rotation', () => {
    const clock = new FakeClock();
    const f = new CookieFactory(clock, random, 1000);
    const peer = { address: '::1', port: 1 };
    const r = randomBytes(32);
    const c = f.make(peer, r);
    clock.advance(1000);
    expect(f.verify(peer, r, c)).toBe(true); // previous secret
    clock.advance(1000);
    expect(f.verify(peer, r, c)).toBe(false); // two rotations later
    const fresh = f.make(peer, r);
    clock.advance(5000); // long silence: both secrets replaced
    expect(f.verify(peer, r, fresh)).toBe(false);
  });
});
