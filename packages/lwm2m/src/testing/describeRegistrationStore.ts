import { describe, expect, it } from 'vitest';
import type { EditableRegistrationStore } from '../store/RegistrationStore.js';
import { makeRegistration, uniqueName } from './fixtures.js';

export interface RegistrationStoreSuiteOptions {
  readonly teardown?: (store: EditableRegistrationStore) => Promise<void> | void;
  /**
   * Number of registrations in the scale test (add all, expire them in waves). Default 100,000;
   * 0 skips it (for slow backends, with a reason in the caller's report).
   */
  readonly scale?: number;
}

const T0 = 1_700_000_000_000;

/**
 * The behaviour every `EditableRegistrationStore` must have. The factory must hand out an
 * empty store for each test (expiry is checked against absolute times).
 */
export function describeRegistrationStore(
  name: string,
  factory: () => Promise<EditableRegistrationStore> | EditableRegistrationStore,
  options: RegistrationStoreSuiteOptions = {},
): void {
  const scale = options.scale ?? 100_000;

  async function withStore(fn: (store: EditableRegistrationStore) => Promise<void>): Promise<void> {
    const store = await factory();
    try {
      await fn(store);
    } finally {
      await options.teardown?.(store);
    }
  }

  describe(`${name} behaves like a RegistrationStore`, () => {
    it('finds a registration by id and by endpoint', () =>
      withStore(async (store) => {
        const ep = uniqueName('dev');
        const reg = makeRegistration('r1', ep, T0);
        expect(await store.add(reg)).toBeUndefined();
        expect((await store.getById('r1'))?.endpoint).toBe(ep);
        expect((await store.getByEndpoint(ep))?.id).toBe('r1');
        expect((await store.getById('r1'))?.objectLinks.map((l) => l.path)).toEqual(['/1/0', '/3/0']);
        expect(await store.getById('nope')).toBeUndefined();
        expect(await store.getByEndpoint('nope')).toBeUndefined();
        expect(await store.count()).toBe(1);
      }));

    it('replaces the registration of an endpoint that registers again, and returns the old one', () =>
      withStore(async (store) => {
        await store.add(makeRegistration('old', 'dev', T0));
        const replaced = await store.add(makeRegistration('new', 'dev', T0 + 1000));
        expect(replaced?.id).toBe('old');
        expect(await store.getById('old')).toBeUndefined();
        expect((await store.getByEndpoint('dev'))?.id).toBe('new');
        expect(await store.count()).toBe(1);
        // The replaced registration's expiry no longer applies.
        expect(await store.removeExpired(T0 + 300_000)).toEqual([]);
        expect((await store.removeExpired(T0 + 301_000)).map((r) => r.id)).toEqual(['new']);
      }));

    it('applies an update and keeps the id; unknown ids answer undefined', () =>
      withStore(async (store) => {
        await store.add(makeRegistration('r1', 'dev', T0));
        const next = await store.update({
          id: 'r1',
          lifetime: 600,
          binding: 'UQ',
          address: { address: '127.0.0.1', port: 40001 },
          objectLinks: [{ path: '/3303/0', objectId: 3303, instanceId: 0 }],
          at: T0 + 5000,
        });
        expect(next?.id).toBe('r1');
        expect(next?.lifetime).toBe(600);
        expect(next?.binding).toBe('UQ');
        expect(next?.address.port).toBe(40001);
        expect(next?.lastUpdateAt).toBe(T0 + 5000);
        expect(next?.registeredAt).toBe(T0);
        expect(next?.objectLinks.map((l) => l.path)).toEqual(['/3303/0']);
        expect((await store.getByEndpoint('dev'))?.lifetime).toBe(600);
        // Fields not in the update are kept.
        const same = await store.update({ id: 'r1', at: T0 + 6000 });
        expect(same?.binding).toBe('UQ');
        expect(same?.objectLinks.map((l) => l.path)).toEqual(['/3303/0']);
        expect(await store.update({ id: 'ghost', at: T0 })).toBeUndefined();
      }));

    it('removes by id', () =>
      withStore(async (store) => {
        await store.add(makeRegistration('r1', 'dev', T0));
        expect((await store.remove('r1'))?.endpoint).toBe('dev');
        expect(await store.remove('r1')).toBeUndefined();
        expect(await store.getByEndpoint('dev')).toBeUndefined();
        expect(await store.count()).toBe(0);
        expect(await store.removeExpired(T0 + 10_000_000)).toEqual([]);
      }));

    it('removes exactly the registrations whose lifetime has run out, counting from the last update', () =>
      withStore(async (store) => {
        await store.add(makeRegistration('short', 'a', T0, 60));
        await store.add(makeRegistration('long', 'b', T0, 3600));
        await store.add(makeRegistration('refreshed', 'c', T0, 60));
        await store.update({ id: 'refreshed', at: T0 + 50_000 });
        expect(await store.removeExpired(T0 + 59_999)).toEqual([]);
        expect((await store.removeExpired(T0 + 60_000)).map((r) => r.id)).toEqual(['short']);
        expect(await store.getById('short')).toBeUndefined();
        expect(await store.removeExpired(T0 + 109_999)).toEqual([]);
        expect((await store.removeExpired(T0 + 110_000)).map((r) => r.id)).toEqual(['refreshed']);
        expect((await store.getById('long'))?.endpoint).toBe('b');
        expect(await store.count()).toBe(1);
        // A shorter lifetime in an update brings the expiry forward.
        await store.update({ id: 'long', lifetime: 10, at: T0 + 200_000 });
        expect((await store.removeExpired(T0 + 210_000)).map((r) => r.id)).toEqual(['long']);
        expect(await store.count()).toBe(0);
      }));

    it('lists in pages that cover every registration once', () =>
      withStore(async (store) => {
        for (let i = 0; i < 7; i++) await store.add(makeRegistration(`r${i}`, `dev${i}`, T0));
        expect(await store.count()).toBe(7);
        const seen: string[] = [];
        for (let offset = 0; offset < 9; offset += 3) {
          const page = await store.list(offset, 3);
          expect(page.length).toBeLessThanOrEqual(3);
          seen.push(...page.map((r) => r.id));
        }
        expect(seen.sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
        expect(await store.list(7, 3)).toEqual([]);
      }));

    if (scale > 0) {
      it(`holds ${scale} registrations and expires them in waves`, () =>
        withStore(async (store) => {
          // Lifetimes 60..159 s, updates on every 10th: each wave removes exactly the due ones.
          for (let i = 0; i < scale; i++) await store.add(makeRegistration(`r${i}`, `dev${i}`, T0, 60 + (i % 100)));
          for (let i = 0; i < scale; i += 10) await store.update({ id: `r${i}`, at: T0 + 1000 });
          expect(await store.count()).toBe(scale);
          let removed = 0;
          for (let s = 60; s <= 161; s++) {
            const wave = await store.removeExpired(T0 + s * 1000);
            for (const r of wave) expect(r.lastUpdateAt + r.lifetime * 1000).toBeLessThanOrEqual(T0 + s * 1000);
            removed += wave.length;
            expect(await store.count()).toBe(scale - removed);
          }
          expect(removed).toBe(scale);
        }));
    }
  });
}
