import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registration } from '@chainm2m/lwm2m';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileRegistrationStore } from './FileRegistrationStore.js';

function reg(id: string, endpoint: string, over: Partial<Registration> = {}): Registration {
  return {
    id,
    endpoint,
    lifetime: 60,
    lwm2mVersion: '1.1',
    binding: 'U',
    queueMode: false,
    objectLinks: [{ path: '/3/0', objectId: 3, instanceId: 0 }, { path: '/3303', objectId: 3303, version: '1.1' }],
    rootPath: '/',
    address: { address: '127.0.0.1', port: 5000 },
    identity: `${endpoint}-id`,
    registeredAt: 1000,
    lastUpdateAt: 1000,
    ...over,
  };
}

describe('FileRegistrationStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regstore-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds, replaces by endpoint, updates, removes and pages', async () => {
    const s = await FileRegistrationStore.open();
    expect(await s.add(reg('a', 'ep1'))).toBeUndefined();
    expect(await s.add(reg('b', 'ep2'))).toBeUndefined();
    const replaced = await s.add(reg('c', 'ep1'));
    expect(replaced?.id).toBe('a');
    expect(await s.getById('a')).toBeUndefined();
    expect((await s.getByEndpoint('ep1'))?.id).toBe('c');
    expect(await s.count()).toBe(2);
    const u = await s.update({ id: 'c', lifetime: 10, at: 2000, address: { address: '127.0.0.1', port: 6000 } });
    expect(u).toMatchObject({ id: 'c', lifetime: 10, lastUpdateAt: 2000, registeredAt: 1000, address: { port: 6000 } });
    expect(await s.update({ id: 'zz', at: 1 })).toBeUndefined();
    const all = [...(await s.list(0, 1)), ...(await s.list(1, 10))].map((r) => r.id).sort();
    expect(all).toEqual(['b', 'c']);
    expect((await s.remove('b'))?.endpoint).toBe('ep2');
    expect(await s.remove('b')).toBeUndefined();
    expect(await s.count()).toBe(1);
  });

  it('removes exactly the expired registrations', async () => {
    const s = await FileRegistrationStore.open();
    await s.add(reg('a', 'ep1', { lifetime: 10, lastUpdateAt: 0 })); // deadline 10,000
    await s.add(reg('b', 'ep2', { lifetime: 20, lastUpdateAt: 0 })); // deadline 20,000
    await s.update({ id: 'a', at: 15_000 }); // deadline 25,000
    expect(s.nextExpiry()).toBe(20_000);
    expect(await s.removeExpired(19_999)).toEqual([]);
    expect((await s.removeExpired(20_000)).map((r) => r.id)).toEqual(['b']);
    expect((await s.removeExpired(30_000)).map((r) => r.id)).toEqual(['a']);
    expect(await s.count()).toBe(0);
  });

  it('survives a restart: same ids (location paths), endpoints and state', async () => {
    const s1 = await FileRegistrationStore.open({ dataDir: dir });
    await s1.add(reg('a', 'ep1'));
    await s1.add(reg('b', 'ep2'));
    await s1.add(reg('c', 'ep1')); // replaces a
    await s1.update({ id: 'b', lifetime: 99, at: 5000 });
    await s1.update({ id: 'c', at: 7000 }); // keep-alive: journaled as its time only
    await s1.add(reg('d', 'ep3'));
    await s1.remove('d');
    await s1.close();
    const s2 = await FileRegistrationStore.open({ dataDir: dir });
    expect(await s2.count()).toBe(2);
    expect(await s2.getByEndpoint('ep1')).toMatchObject({ id: 'c', lastUpdateAt: 7000, lifetime: 60 });
    expect(s2.nextExpiry()).toBe(67_000); // c: 7000 + 60 s (b: 5000 + 99 s)
    expect(await s2.getById('b')).toMatchObject({ lifetime: 99, lastUpdateAt: 5000, endpoint: 'ep2', identity: 'ep2-id' });
    expect((await s2.getById('b'))?.objectLinks).toEqual(reg('x', 'y').objectLinks);
    expect(await s2.getById('d')).toBeUndefined();
    await s2.close();
  });

  it('compacts the journal and skips a torn last line', async () => {
    const s1 = await FileRegistrationStore.open({ dataDir: dir, minCompactLines: 10, compactFactor: 2 });
    for (let i = 0; i < 50; i++) await s1.update({ id: 'none', at: i }); // no-ops: nothing journaled
    await s1.add(reg('a', 'ep1'));
    for (let i = 0; i < 30; i++) await s1.update({ id: 'a', at: 1000 + i });
    await s1.flush();
    expect(s1.stats().journal?.compactions).toBeGreaterThan(0);
    await s1.close();
    const lines = (await readFile(join(dir, 'registrations.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThan(10);
    await appendFile(join(dir, 'registrations.jsonl'), '{"p":{"id":"b","endp'); // crash mid-write
    const s2 = await FileRegistrationStore.open({ dataDir: dir });
    expect(s2.stats().journal?.skippedOnReplay).toBe(1);
    expect((await s2.getById('a'))?.lastUpdateAt).toBe(1029);
    await s2.add(reg('e', 'ep5'));
    await s2.close();
    const s3 = await FileRegistrationStore.open({ dataDir: dir });
    expect((await s3.getById('e'))?.endpoint).toBe('ep5');
    expect(await s3.count()).toBe(2);
    await s3.close();
  });

  it('shares equal object-link lists between registrations', async () => {
    const s = await FileRegistrationStore.open();
    await s.add(reg('a', 'ep1'));
    await s.add(reg('b', 'ep2'));
    const [a, b] = [await s.getById('a'), await s.getById('b')];
    expect(a?.objectLinks).toBe(b?.objectLinks);
    expect(Object.isFrozen(a)).toBe(true);
  });
});
