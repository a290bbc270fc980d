import { describe, expect, it } from 'vitest';
import type { BootstrapConfig, BootstrapConfigStore, EditableBootstrapConfigStore } from '../store/BootstrapConfigStore.js';
import { bootstrapConfigFromSecurityInfo } from '../store/BootstrapConfigStore.js';
import type { SecurityInfo } from '../store/SecurityStore.js';
import { makeSecurityInfo, uniqueName } from './fixtures.js';

export interface BootstrapConfigStoreFixture {
  readonly store: BootstrapConfigStore;
  /**
   * Makes an endpoint known to the backend the store derives configurations from (e.g. adds it to
   * the security store / the chain). Omit for stores with explicit configurations only.
   */
  readonly addEndpoint?: (info: SecurityInfo) => Promise<void>;
  readonly teardown?: () => Promise<void> | void;
}

function isEditable(s: BootstrapConfigStore): s is EditableBootstrapConfigStore {
  const e = s as Partial<EditableBootstrapConfigStore>;
  return typeof e.set === 'function' && typeof e.remove === 'function';
}

function plain(c: BootstrapConfig | undefined): unknown {
  return c === undefined
    ? undefined
    : JSON.parse(JSON.stringify(c, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)));
}

/**
 * The behaviour every `BootstrapConfigStore` must have. With `addEndpoint`, the configuration of a
 * known endpoint must be the one `bootstrapConfigFromSecurityInfo` derives; editable stores must
 * also store, replace and remove explicit configurations.
 */
export interface BootstrapConfigStoreSuiteOptions {
  /** The store derives configurations of endpoints added with the fixture's `addEndpoint`. */
  readonly derived: boolean;
  /** The store is an `EditableBootstrapConfigStore`. */
  readonly editable: boolean;
}

export function describeBootstrapConfigStore(
  name: string,
  factory: () => Promise<BootstrapConfigStoreFixture> | BootstrapConfigStoreFixture,
  options: BootstrapConfigStoreSuiteOptions,
): void {
  async function withFixture(fn: (f: BootstrapConfigStoreFixture) => Promise<void>): Promise<void> {
    const f = await factory();
    try {
      await fn(f);
    } finally {
      await f.teardown?.();
    }
  }

  describe(`${name} behaves like a BootstrapConfigStore`, () => {
    it('has nothing for an unknown endpoint', () =>
      withFixture(async ({ store }) => {
        expect(await store.get({ endpoint: uniqueName('nobody') })).toBeUndefined();
      }));

    if (options.derived) {
      it('derives the standard configuration of a known endpoint (bootstrap and server accounts, server instance)', () =>
        withFixture(async ({ store, addEndpoint }) => {
          expect(addEndpoint, 'a derived store needs addEndpoint in its fixture').toBeTypeOf('function');
          if (!addEndpoint) return;
          const info = makeSecurityInfo(uniqueName('bs'));
          await addEndpoint(info);
          const config = await store.get({ endpoint: info.endpoint, identity: info.bootstrap.identity });
          expect(plain(config)).toEqual(plain(bootstrapConfigFromSecurityInfo(info)));
          expect(plain(await store.get({ endpoint: info.endpoint }))).toEqual(plain(bootstrapConfigFromSecurityInfo(info)));
        }));

      it("gives nothing to a session authenticated with another identity (not even the endpoint's server identity)", () =>
        withFixture(async ({ store, addEndpoint }) => {
          if (!addEndpoint) throw new Error('a derived store needs addEndpoint in its fixture');
          const info = makeSecurityInfo(uniqueName('bs'));
          await addEndpoint(info);
          expect(await store.get({ endpoint: info.endpoint, identity: info.server.identity })).toBeUndefined();
          expect(await store.get({ endpoint: info.endpoint, identity: uniqueName('intruder') })).toBeUndefined();
        }));
    }

    if (options.editable) {
      it('stores, replaces and removes explicit configurations', () =>
        withFixture(async ({ store }) => {
          expect(isEditable(store), 'an editable store has set() and remove()').toBe(true);
          if (!isEditable(store)) return;
          const info = makeSecurityInfo(uniqueName('explicit'));
          const first: BootstrapConfig = { ...bootstrapConfigFromSecurityInfo(info), toDelete: ['/0/1', '/1'] };
          await store.set(first);
          expect(plain(await store.get({ endpoint: info.endpoint }))).toEqual(plain(first));
          const second: BootstrapConfig = { ...first, servers: [{ instanceId: 0, shortServerId: 7, lifetime: 60, binding: 'UQ' }] };
          await store.set(second);
          expect(plain(await store.get({ endpoint: info.endpoint }))).toEqual(plain(second));
          expect(await store.remove(info.endpoint)).toBe(true);
          expect(await store.remove(info.endpoint)).toBe(false);
          expect(await store.get({ endpoint: info.endpoint })).toBeUndefined();
        }));
    }
  });
}
