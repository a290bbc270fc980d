import { Interface, MaxUint256, id, toBeHex } from 'ethers';
import type { Contract, Wallet } from 'ethers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPORTER_ROLE, Roles, SERVER_ROLE, loadArtifact } from '../src/index.js';
import { blockTime, deploy, eventsOf, expectRevert, send, startChain, toObject } from './helpers.js';
import type { Chain } from './helpers.js';

interface NewAnomaly {
  endpoint: string;
  collectedAt: number;
  severity: number;
  kind: string;
  value: string;
}

const HOUR = 3600;
const T0 = HOUR * 470_000; // start of an hour bucket

function anomaly(endpoint: string, collectedAt: number, kind = 'temperature-out-of-range', severity = 2): NewAnomaly {
  return { endpoint, collectedAt, severity, kind, value: `${endpoint}@${collectedAt}` };
}

function expected(a: NewAnomaly, reporter: string, recordedAt: bigint): Record<string, unknown> {
  return { ...a, collectedAt: BigInt(a.collectedAt), severity: BigInt(a.severity), reporter, recordedAt };
}

describe('AnomalyStore', () => {
  let chain: Chain;
  let store: Contract;
  let asOther: Contract;
  let owner: Wallet;
  let other: Wallet;
  let snap: string;
  const iface = new Interface(loadArtifact('AnomalyStore').abi);

  beforeAll(async () => {
    chain = await startChain();
    [owner, other] = chain.wallets as [Wallet, Wallet];
    store = await deploy('AnomalyStore', owner);
    asOther = store.connect(other) as Contract;
    snap = await chain.snapshot();
  });
  beforeEach(async () => {
    await chain.revert(snap);
    snap = await chain.snapshot();
  });
  afterAll(async () => {
    await chain?.close();
  });

  async function getAnomaly(i: number | bigint): Promise<Record<string, unknown>> {
    return toObject(await store.getFunction('getAnomaly').staticCall(i));
  }
  const values = (items: unknown): string[] => Array.from(items as unknown[], (a) => (a as { value: string }).value);

  describe('access', () => {
    it('grants the deployer every role and supports IAnomalyStore', async () => {
      for (const [name, value] of Object.entries(Roles)) {
        expect(await store.getFunction('hasRole').staticCall(value, owner.address), name).toBe(true);
        if (name !== 'DEFAULT_ADMIN_ROLE') expect(await store.getFunction(name).staticCall()).toBe(value);
      }
      const fns = [
        'addAnomaly', 'addAnomalies', 'anomalyCount', 'getAnomaly', 'listAnomalies',
        'anomalyCountByEndpoint', 'listAnomaliesByEndpoint', 'listAnomaliesByTime',
      ];
      let interfaceId = 0n;
      for (const f of fns) interfaceId ^= BigInt(iface.getFunction(f)?.selector ?? '0x');
      expect(await store.getFunction('supportsInterface').staticCall(toBeHex(interfaceId, 4))).toBe(true);
      expect(await store.getFunction('supportsInterface').staticCall('0x12345678')).toBe(false);
    });

    it('requires REPORTER_ROLE or SERVER_ROLE', async () => {
      const args = [other.address, REPORTER_ROLE];
      const name = 'AccessControlUnauthorizedAccount';
      await expectRevert(asOther.getFunction('addAnomaly').send(anomaly('d', T0)), iface, name, args);
      await expectRevert(asOther.getFunction('addAnomalies').send([anomaly('d', T0)]), iface, name, args);
      await send(store, 'grantRole', SERVER_ROLE, other.address);
      await send(asOther, 'addAnomaly', anomaly('d', T0));
      await send(store, 'revokeRole', SERVER_ROLE, other.address);
      await expectRevert(asOther.getFunction('addAnomaly').send(anomaly('d', T0)), iface, name, args);
      await send(store, 'grantRole', REPORTER_ROLE, other.address);
      await send(asOther, 'addAnomalies', [anomaly('d', T0)]);
      expect(await store.getFunction('anomalyCount').staticCall()).toBe(2n);
      expect((await getAnomaly(1))['reporter']).toBe(other.address);
    });
  });

  describe('addAnomaly / addAnomalies', () => {
    it('appends with ids from 0, sets reporter and recordedAt, emits AnomalyAdded', async () => {
      const a = anomaly('dev-1', T0 + 5, 'bad-reading', 4);
      expect(await store.getFunction('addAnomaly').staticCall(a)).toBe(0n);
      const r = await send(store, 'addAnomaly', a);
      const t = await blockTime(chain.provider, r.blockNumber);
      expect(await getAnomaly(0)).toEqual(expected(a, owner.address, t));
      expect(eventsOf(r, store, 'AnomalyAdded').map((e) => e.args.toArray())).toEqual([
        [0n, id('dev-1'), 'dev-1', BigInt(T0 + 5), 4n, 'bad-reading', owner.address],
      ]);
      expect(await store.getFunction('addAnomaly').staticCall(a)).toBe(1n);
    });

    it('appends a batch with consecutive ids and returns the first', async () => {
      await send(store, 'addAnomaly', anomaly('x', T0));
      const batch = [anomaly('a', T0 + 1), anomaly('b', T0 + 2), anomaly('a', T0 + 3)];
      expect(await store.getFunction('addAnomalies').staticCall(batch)).toBe(1n);
      const r = await send(store, 'addAnomalies', batch);
      const t = await blockTime(chain.provider, r.blockNumber);
      expect(eventsOf(r, store, 'AnomalyAdded').map((e) => e.args[0] as bigint)).toEqual([1n, 2n, 3n]);
      for (let i = 0; i < batch.length; i++) expect(await getAnomaly(i + 1)).toEqual(expected(batch[i]!, owner.address, t));
      expect(await store.getFunction('anomalyCount').staticCall()).toBe(4n);
    });

    it('reverts InvalidInput (all or nothing for batches)', async () => {
      await expectRevert(store.getFunction('addAnomaly').send(anomaly('', T0)), iface, 'AnomalyStore__InvalidInput', ['endpoint']);
      await expectRevert(store.getFunction('addAnomaly').send(anomaly('d', T0, '')), iface, 'AnomalyStore__InvalidInput', ['kind']);
      await expectRevert(store.getFunction('addAnomalies').send([]), iface, 'AnomalyStore__InvalidInput', ['empty batch']);
      const batch = [anomaly('a', T0), anomaly('b', T0, '')];
      await expectRevert(store.getFunction('addAnomalies').send(batch), iface, 'AnomalyStore__InvalidInput', ['kind']);
      expect(await store.getFunction('anomalyCount').staticCall()).toBe(0n);
      expect(await store.getFunction('anomalyCountByEndpoint').staticCall('a')).toBe(0n);
    });
  });

  describe('reads', () => {
    it('getAnomaly reverts NotFound(id) past the end', async () => {
      await expectRevert(store.getFunction('getAnomaly').staticCall(0), iface, 'AnomalyStore__NotFound', [0n]);
      await send(store, 'addAnomaly', anomaly('d', T0));
      await expectRevert(store.getFunction('getAnomaly').staticCall(1), iface, 'AnomalyStore__NotFound', [1n]);
      await expectRevert(store.getFunction('getAnomaly').staticCall(MaxUint256), iface, 'AnomalyStore__NotFound', [MaxUint256]);
    });

    it('listAnomalies paginates by id', async () => {
      const list = store.getFunction('listAnomalies');
      expect(values(await list.staticCall(0, 3))).toEqual([]);
      const batch = [0, 1, 2, 3, 4].map((i) => anomaly(`d${i}`, T0 + i));
      await send(store, 'addAnomalies', batch);
      const v = batch.map((a) => a.value);
      expect(values(await list.staticCall(0, 2))).toEqual(v.slice(0, 2));
      expect(values(await list.staticCall(3, 5))).toEqual(v.slice(3));
      expect(values(await list.staticCall(5, 1))).toEqual([]);
      expect(values(await list.staticCall(MaxUint256, MaxUint256))).toEqual([]);
      expect(values(await list.staticCall(2, 0))).toEqual([]);
      expect(values(await list.staticCall(1, MaxUint256))).toEqual(v.slice(1));
    });

    it('counts and lists by endpoint with ids', async () => {
      const batch = [anomaly('a', T0), anomaly('b', T0 + 1), anomaly('a', T0 + 2), anomaly('c', T0 + 3), anomaly('a', T0 + 4)];
      await send(store, 'addAnomalies', batch);
      const count = store.getFunction('anomalyCountByEndpoint');
      expect(await count.staticCall('a')).toBe(3n);
      expect(await count.staticCall('b')).toBe(1n);
      expect(await count.staticCall('nope')).toBe(0n);
      const byEp = store.getFunction('listAnomaliesByEndpoint');
      const page = async (ep: string, o: bigint | number, l: bigint | number): Promise<[string[], bigint[]]> => {
        const [items, ids] = (await byEp.staticCall(ep, o, l)) as unknown as [unknown, bigint[]];
        return [values(items), Array.from(ids)];
      };
      expect(await page('a', 0, 10)).toEqual([[batch[0]!.value, batch[2]!.value, batch[4]!.value], [0n, 2n, 4n]]);
      expect(await page('a', 1, 1)).toEqual([[batch[2]!.value], [2n]]);
      expect(await page('a', 2, MaxUint256)).toEqual([[batch[4]!.value], [4n]]);
      expect(await page('a', 3, 1)).toEqual([[], []]);
      expect(await page('a', MaxUint256, 1)).toEqual([[], []]);
      expect(await page('a', 0, 0)).toEqual([[], []]);
      expect(await page('nope', 0, 10)).toEqual([[], []]);
    });
  });

  describe('listAnomaliesByTime', () => {
    async function scan(from: number, to: number, limit: number): Promise<{ ids: bigint[]; values: string[]; pages: number }> {
      const byTime = store.getFunction('listAnomaliesByTime');
      const out = { ids: [] as bigint[], values: [] as string[], pages: 0 };
      let cursor = 0n;
      for (let i = 0; i < 100; i++) {
        const [items, ids, next] = (await byTime.staticCall(from, to, cursor, limit)) as unknown as [unknown, bigint[], bigint];
        out.pages++;
        out.ids.push(...Array.from(ids));
        out.values.push(...values(items));
        if (next === 0n) return out;
        expect(next).not.toBe(cursor);
        cursor = next;
      }
      throw new Error('cursor did not terminate');
    }

    it('returns records in [from, to] by hour bucket, then id, across pages of any size', async () => {
      const batch = [
        anomaly('a', T0 + 10), // 0, bucket 0
        anomaly('b', T0 + HOUR), // 1, bucket 1
        anomaly('c', T0 - 1), // 2, bucket -1
        anomaly('d', T0 + HOUR - 1), // 3, bucket 0
        anomaly('e', T0 + 5 * HOUR + 1), // 4, bucket 5
        anomaly('f', T0 + 10), // 5, bucket 0
        anomaly('g', T0 + 2 * HOUR + 7), // 6, bucket 2
      ];
      await send(store, 'addAnomalies', batch);
      const all = await scan(T0 - HOUR, T0 + 6 * HOUR, 100);
      expect(all.ids).toEqual([2n, 0n, 3n, 5n, 1n, 6n, 4n]);
      expect(all.values).toEqual([2, 0, 3, 5, 1, 6, 4].map((i) => batch[i]!.value));
      expect(all.pages).toBe(1);
      // bounds are inclusive and filter inside the edge buckets
      expect((await scan(T0 + 10, T0 + HOUR, 100)).ids).toEqual([0n, 3n, 5n, 1n]);
      expect((await scan(T0 + 11, T0 + HOUR - 1, 100)).ids).toEqual([3n]);
      expect((await scan(T0 + 3 * HOUR, T0 + 4 * HOUR, 100)).ids).toEqual([]);
      expect((await scan(T0 + 2 * HOUR + 7, T0 + 2 * HOUR + 7, 1)).ids).toEqual([6n]);
      // every page size gives the same sequence
      for (const limit of [1, 2, 3]) {
        const paged = await scan(T0 - HOUR, T0 + 6 * HOUR, limit);
        expect(paged.ids, `limit ${limit}`).toEqual(all.ids);
        expect(paged.pages).toBeGreaterThanOrEqual(Math.ceil(7 / limit));
      }
      // limit bounds the records examined, not only the matches: b matches, a and f are skipped
      const byTime = store.getFunction('listAnomaliesByTime');
      const [, ids1, next1] = (await byTime.staticCall(T0 + HOUR - 1, T0 + HOUR, 0, 2)) as unknown as [unknown, bigint[], bigint];
      expect(Array.from(ids1)).toEqual([3n]);
      expect(next1).not.toBe(0n);
      expect((await scan(T0 + HOUR - 1, T0 + HOUR, 2)).ids).toEqual([3n, 1n]);
    });

    it('visits a bounded number of buckets per call', async () => {
      const maxBuckets = Number(await store.getFunction('MAX_BUCKETS_PER_CALL').staticCall());
      expect(Number(await store.getFunction('BUCKET_SECONDS').staticCall())).toBe(HOUR);
      const far = T0 + (maxBuckets + 10) * HOUR;
      await send(store, 'addAnomalies', [anomaly('early', T0), anomaly('late', far)]);
      const byTime = store.getFunction('listAnomaliesByTime');
      const [, ids, next] = (await byTime.staticCall(T0 + 1, far, 0, 10)) as unknown as [unknown, bigint[], bigint];
      expect(Array.from(ids)).toEqual([]);
      expect(next).not.toBe(0n);
      const [, ids2, next2] = (await byTime.staticCall(T0 + 1, far, next, 10)) as unknown as [unknown, bigint[], bigint];
      expect(Array.from(ids2)).toEqual([1n]);
      expect(next2).toBe(0n);
      expect((await scan(T0, far, 1)).ids).toEqual([0n, 1n]);
    });

    it('reverts InvalidInput for from > to, limit 0 and a foreign cursor', async () => {
      const byTime = store.getFunction('listAnomaliesByTime');
      await expectRevert(byTime.staticCall(T0 + 1, T0, 0, 10), iface, 'AnomalyStore__InvalidInput', ['from > to']);
      await expectRevert(byTime.staticCall(T0, T0 + 1, 0, 0), iface, 'AnomalyStore__InvalidInput', ['limit']);
      const bucket = BigInt(T0 / HOUR);
      const before = ((bucket - 1n) << 64n) | 1n;
      const after = ((bucket + 2n) << 64n) | 1n;
      const noIndex = bucket << 64n;
      const highBits = (1n << 200n) | (bucket << 64n) | 1n;
      for (const cursor of [before, after, noIndex, highBits]) {
        await expectRevert(byTime.staticCall(T0, T0 + HOUR, cursor, 10), iface, 'AnomalyStore__InvalidInput', ['cursor']);
      }
      // a cursor inside the range is accepted
      const [items] = (await byTime.staticCall(T0, T0 + HOUR, (bucket << 64n) | 1n, 10)) as unknown as [unknown];
      expect(values(items)).toEqual([]);
    });
  });
});
