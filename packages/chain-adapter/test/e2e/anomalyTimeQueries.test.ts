/**
 * Time-range queries on real timestamps (2026-12-04): open ranges, ranges over hour-bucket
 * boundaries and paging over 10,000 records, against anvil.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyQuery, NewAnomaly } from '@chainm2m/lwm2m';
import { connectChain, type ChainConnection } from '../../src/chain/ChainConnection.js';
import { ChainAnomalyLog } from '../../src/stores/ChainAnomalyLog.js';
import { startChainFixture, type ChainFixture } from './fixture.js';

const NOW = Math.floor(Date.UTC(2026, 11, 4, 18, 0, 0) / 1000);
const N = 10_000;
// One record every 37 s over the last ~4.3 days: ~103 hour buckets, several records on each boundary side.
const START = NOW - N * 37;
const records: NewAnomaly[] = Array.from({ length: N }, (_, i) => ({
  endpoint: `meter-${i % 50}`,
  collectedAt: START + i * 37,
  severity: i % 256,
  kind: i % 3 === 0 ? 'temperature-out-of-range' : 'unauthorized-registration',
  value: `${(20 + (i % 17) * 0.5).toFixed(1)} C`,
}));

let f: ChainFixture;
let log: ChainAnomalyLog;
let conn: ChainConnection;
let base = 0;

beforeAll(async () => {
  f = await startChainFixture();
  // Batches of 500 records: estimating one takes seconds on a loaded machine, so a patient connection.
  conn = await connectChain({ rpcUrl: f.chain.rpcUrl, privateKey: f.privateKey, deployment: f.deployment, requestTimeoutMs: 30_000, receiptTimeoutMs: 60_000 });
  log = await ChainAnomalyLog.open({ connection: conn, dataDir: join(f.dataDir, 'time'), maxBatchSize: 500, commitWaitMs: 100_000 });
  base = await log.count();
  const results = await log.appendMany(records);
  expect(results.every((r) => r.committed)).toBe(true);
}, 180_000);
afterAll(async () => {
  await log?.close();
  conn?.close();
  await f?.cleanup();
});

function expected(q: AnomalyQuery): number[] {
  const ids: number[] = [];
  records.forEach((r, i) => {
    if ((q.from === undefined || r.collectedAt >= q.from) && (q.to === undefined || r.collectedAt <= q.to) && (q.endpoint === undefined || r.endpoint === q.endpoint)) ids.push(base + i);
  });
  return ids;
}

async function all(q: AnomalyQuery): Promise<number[]> {
  const ids: number[] = [];
  for (let offset = 0; ; offset += 1_000) {
    const page = await log.query({ ...q, offset, limit: 1_000 });
    ids.push(...page.items.map((r) => r.id));
    if (page.items.length < 1_000) return ids;
  }
}

describe('anomaly time queries on real timestamps', () => {
  it('an open range from an hour ago (what `anomalies list --since 1h` asks)', async () => {
    const q = { from: NOW - 3_600 };
    const page = await log.query({ ...q, limit: 100 });
    expect(page.items.map((r) => r.id)).toEqual(expected(q).slice(0, 100));
    expect(page.items.length).toBeGreaterThan(90);
    expect(page.items.every((r) => r.collectedAt >= NOW - 3_600)).toBe(true);
  });

  it('an open range ending at a time (from unset)', async () => {
    const q = { to: START + 2_000 * 37 };
    expect(await all(q)).toEqual(expected(q));
  });

  it('ranges over hour-bucket boundaries, paged with offsets', async () => {
    const boundary = Math.ceil((START + 5_000 * 37) / 3_600) * 3_600;
    for (const q of [
      { from: boundary - 100, to: boundary + 100 },
      { from: boundary - 3_600 * 5 - 1, to: boundary + 3_600 * 7 + 1 },
      { from: boundary, to: boundary },
    ]) {
      const want = expected(q);
      expect(await all(q)).toEqual(want);
      const second = await log.query({ ...q, offset: 3, limit: 5 });
      expect(second.items.map((r) => r.id)).toEqual(want.slice(3, 8));
    }
  });

  it('every one of 10,000 records with the widest ranges, and endpoint with time', async () => {
    expect(await all({ from: 0 })).toEqual(expected({}));
    expect(await all({ from: START, to: NOW })).toEqual(expected({ from: START, to: NOW }));
    const q = { endpoint: 'meter-7', from: NOW - 86_400 };
    expect((await log.query({ ...q, limit: 1_000 })).items.map((r) => r.id)).toEqual(expected(q));
    expect((await log.query({ from: NOW + 1, to: NOW + 86_400 })).items).toEqual([]);
    expect((await log.query({ from: NOW, to: NOW - 1 })).items).toEqual([]);
  });
});
