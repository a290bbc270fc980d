import { describe, expect, it } from 'vitest';
import { describeBootstrapConfigStore, describeRegistrationStore, describeSecurityStore, makeSecurityInfo } from '../testing/index.js';
import { InMemorySecurityStore } from './InMemorySecurityStore.js';
import { InMemoryRegistrationStore } from './InMemoryRegistrationStore.js';
import { DerivedBootstrapConfigStore, InMemoryBootstrapConfigStore } from './InMemoryBootstrapConfigStore.js';
import { bootstrapConfigFromSecurityInfo } from './BootstrapConfigStore.js';
import { MinHeap } from './MinHeap.js';

describeSecurityStore('InMemorySecurityStore', () => new InMemorySecurityStore());
describeRegistrationStore('InMemoryRegistrationStore', () => new InMemoryRegistrationStore());
describeBootstrapConfigStore('InMemoryBootstrapConfigStore', () => ({ store: new InMemoryBootstrapConfigStore() }), { derived: false, editable: true });
describeBootstrapConfigStore('InMemoryBootstrapConfigStore over a security store', () => {
  const security = new InMemorySecurityStore();
  return { store: new InMemoryBootstrapConfigStore({ securityStore: security }), addEndpoint: (info) => security.add(info) };
}, { derived: true, editable: true });
describeBootstrapConfigStore('DerivedBootstrapConfigStore', () => {
  const security = new InMemorySecurityStore();
  return { store: new DerivedBootstrapConfigStore(security), addEndpoint: (info) => security.add(info) };
}, { derived: true, editable: false });

describe('InMemorySecurityStore specifics', () => {
  it('copies keys on add, so a caller mutating its array does not change the store', async () => {
    const store = new InMemorySecurityStore();
    const info = makeSecurityInfo('dev');
    await store.add(info);
    (info.server.key as Uint8Array)[0] = 0xee;
    expect((await store.getByEndpoint('dev'))?.server.key[0]).not.toBe(0xee);
  });

  it('rejects an empty endpoint with LWM2M_STORE_INVALID and survives a throwing listener', async () => {
    const store = new InMemorySecurityStore();
    await expect(store.add(makeSecurityInfo(''))).rejects.toMatchObject({ code: 'LWM2M_STORE_INVALID' });
    store.addListener(() => {
      throw new Error('listener bug');
    });
    await store.add(makeSecurityInfo('ok'));
    expect(await store.count()).toBe(1);
  });
});

describe('InMemoryBootstrapConfigStore', () => {
  it('stores explicit configurations and removes them', async () => {
    const store = new InMemoryBootstrapConfigStore();
    const config = bootstrapConfigFromSecurityInfo(makeSecurityInfo('dev'));
    expect(await store.get({ endpoint: 'dev' })).toBeUndefined();
    await store.set(config);
    expect(await store.get({ endpoint: 'dev', identity: 'dev-bs' })).toBe(config);
    expect(await store.remove('dev')).toBe(true);
    expect(await store.remove('dev')).toBe(false);
    expect(await store.get({ endpoint: 'dev' })).toBeUndefined();
  });

  it('derives a configuration from the security store when none is set, explicit ones win', async () => {
    const security = new InMemorySecurityStore([makeSecurityInfo('dev'), makeSecurityInfo('other')]);
    const store = new InMemoryBootstrapConfigStore({ securityStore: security });
    const derived = await store.get({ endpoint: 'dev' });
    expect(derived?.security.map((s) => s.pskIdentity)).toEqual(['dev-bs', 'dev-dm']);
    expect(derived?.servers[0]?.shortServerId).toBe(101);
    const custom = { ...bootstrapConfigFromSecurityInfo(makeSecurityInfo('other')), toDelete: ['/0/1', '/1'] };
    await store.set(custom);
    expect((await store.get({ endpoint: 'other' }))?.toDelete).toEqual(['/0/1', '/1']);
    expect(await store.get({ endpoint: 'nobody' })).toBeUndefined();
    // Key rotation in the security store is visible to the next bootstrap.
    const info = makeSecurityInfo('dev');
    await security.update({ ...info, server: { ...info.server, identity: 'dev-dm2' } });
    expect((await new DerivedBootstrapConfigStore(security).get({ endpoint: 'dev' }))?.security[1]?.pskIdentity).toBe('dev-dm2');
    expect(await new DerivedBootstrapConfigStore(security).get({ endpoint: 'nobody' })).toBeUndefined();
  });
});

describe('MinHeap', () => {
  it('pops in key order for random input and after filtering', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const heap = new MinHeap<number>();
    const keys: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const k = Math.floor(rnd() * 500);
      keys.push(k);
      heap.push(k, k);
    }
    heap.filter((k) => k % 3 !== 0);
    const expected = keys.filter((k) => k % 3 !== 0).sort((a, b) => a - b);
    const got: number[] = [];
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) got.push(v);
    expect(got).toEqual(expected);
    expect(heap.size).toBe(0);
  });
});
