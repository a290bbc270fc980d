import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSecurityInfo, uniqueName } from '@chainm2m/lwm2m/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deploy } from '../../src/chain/Deployment.js';
import { createPasswordVerifier, verifyPassword } from '../../src/sealing/passwordVerifier.js';
import { ChainAnomalyLog, ANOMALY_OUTBOX_FILE } from '../../src/stores/ChainAnomalyLog.js';
import { ChainSecurityStore } from '../../src/stores/ChainSecurityStore.js';
import { ChainUserDirectory } from '../../src/stores/ChainUserDirectory.js';
import { startChainFixture, type ChainFixture } from './fixture.js';

let f: ChainFixture | undefined;
const closers: (() => unknown)[] = [];

afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await f?.cleanup();
  f = undefined;
});

async function store(fx: ChainFixture, extra: Partial<Parameters<typeof ChainSecurityStore.open>[0]> = {}): Promise<ChainSecurityStore> {
  const s = await ChainSecurityStore.open({ connection: await fx.connect(), sealingKey: fx.sealingKey, pollIntervalMs: 50, ...extra });
  closers.push(() => s.close());
  return s;
}

async function anomalyLog(fx: ChainFixture, extra: Partial<Parameters<typeof ChainAnomalyLog.open>[0]> = {}): Promise<ChainAnomalyLog> {
  const l = await ChainAnomalyLog.open({ connection: await fx.connect(false), dataDir: fx.dataDir, retryIntervalMs: 100, commitWaitMs: 3_000, ...extra });
  closers.push(() => l.close());
  return l;
}

/** The dev chain's state file holds everything before now (a checkpoint; they also run every second when blocks were added). */
async function stateDumped(fx: ChainFixture): Promise<void> {
  await fx.chain.checkpoint();
}

describe('dev chain restarts', () => {
  it('keeps every endpoint, user and anomaly across stop and kill -9, and deploy() reuses the deployment', async () => {
    const fx = (f = await startChainFixture());
    const s1 = await store(fx);
    const batch = Array.from({ length: 10 }, () => makeSecurityInfo(uniqueName('keep')));
    await s1.addMany(batch);
    const single = makeSecurityInfo(uniqueName('keep1'));
    await s1.add(single);
    const users = new ChainUserDirectory({ connection: await fx.connect(), sealingKey: fx.sealingKey });
    await users.add({ username: 'alice', role: 'admin', clearance: 3, verifier: await createPasswordVerifier('s3cret!'), email: 'a@example.com' });
    const log1 = await anomalyLog(fx);
    const appended = await log1.appendMany([1, 2, 3].map((i) => ({ endpoint: single.endpoint, collectedAt: 1_700_000_000 + i, severity: i, kind: 'k', value: `v${i}` })));
    expect(appended.map((r) => r.committed)).toEqual([true, true, true]);

    await fx.restart('stop');
    const again = await deploy({ rpcUrl: fx.chain.rpcUrl, privateKey: fx.privateKey, dataDir: fx.dataDir });
    expect(again.reused).toBe(true);
    expect(again.deployment).toEqual(fx.deployment);
    const s2 = await store(fx);
    for (const info of [...batch, single]) expect(s2.peekByIdentity(info.server.identity)?.info.endpoint).toBe(info.endpoint);
    const alice = await new ChainUserDirectory({ connection: await fx.connect(), sealingKey: fx.sealingKey }).get('alice');
    expect(alice?.role).toBe('admin');
    expect(await verifyPassword('s3cret!', alice?.verifier ?? '')).toBe(true);
    expect(await log1.count()).toBe(3);

    // kill -9 after the periodic dump: still everything
    const late = makeSecurityInfo(uniqueName('late'));
    await s2.add(late);
    await stateDumped(fx);
    await fx.restart('kill');
    const s3 = await store(fx);
    for (const info of [...batch, single, late]) expect(s3.peekByEndpoint(info.endpoint)?.endpoint).toBe(info.endpoint);
    expect(await s3.count()).toBe(12);
  }, 60_000);
});

describe('chain unreachable', () => {
  it('serves cached reads (flagged stale), fails writes clearly, and flushes the anomaly outbox after the chain is back', async () => {
    const fx = (f = await startChainFixture());
    const s = await store(fx, { staleAfterMs: 300 });
    const info = makeSecurityInfo(uniqueName('cached'));
    await s.add(info);
    const log = await anomalyLog(fx);
    const first = await log.append({ endpoint: info.endpoint, collectedAt: 1_700_000_100, severity: 1, kind: 'before', value: 'v0' });
    expect(first).toEqual({ committed: true, id: 0 });

    await fx.chain.stop();
    expect((await s.getByEndpoint(info.endpoint))?.server.identity).toBe(info.server.identity);
    expect((await s.getByIdentity(info.bootstrap.identity))?.account).toBe('bootstrap');
    await vi.waitFor(() => expect(s.isStale()).toBe(true), { timeout: 5_000 });
    expect(s.health().lastError).toBe('CHAIN_UNREACHABLE');
    await expect(s.add(makeSecurityInfo(uniqueName('nope')))).rejects.toMatchObject({ code: 'CHAIN_UNREACHABLE' });
    await expect(s.getByEndpoint(uniqueName('unknown'))).rejects.toMatchObject({ code: 'CHAIN_UNREACHABLE' });

    const during = [1, 2, 3, 4, 5].map((i) => ({ endpoint: info.endpoint, collectedAt: 1_700_000_100 + i, severity: i, kind: 'during', value: `v${i}` }));
    const results = await log.appendMany(during.slice(0, 2));
    expect(results).toEqual([{ committed: false }, { committed: false }]);
    for (const a of during.slice(2)) expect(await log.append(a)).toEqual({ committed: false });
    expect(log.pending()).toBe(5);
    expect(log.isStale()).toBe(true);
    const journal = readFileSync(join(fx.dataDir, ANOMALY_OUTBOX_FILE), 'utf8');
    expect(journal.split('\n').filter((l) => l.includes('"t":"add"'))).toHaveLength(5);

    // the process "crashes" (outbox closed with records pending) and comes back before the chain
    await log.close();
    const log2 = await anomalyLog(fx);
    expect(log2.pending()).toBe(5);

    await fx.restart('stop');
    await vi.waitFor(() => expect(log2.pending()).toBe(0), { timeout: 10_000 });
    await vi.waitFor(() => expect(s.isStale()).toBe(false), { timeout: 5_000 });
    expect(await log2.count()).toBe(6);
    const page = await log2.query({ endpoint: info.endpoint, limit: 10 });
    expect(page.total).toBe(6);
    expect(page.items.map((r) => r.value)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(page.items.map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5]);
    // once flushed the journal is empty; a new append commits directly
    expect(readFileSync(join(fx.dataDir, ANOMALY_OUTBOX_FILE), 'utf8')).toBe('');
    expect(await log2.append({ endpoint: info.endpoint, collectedAt: 1_700_000_200, severity: 9, kind: 'after', value: 'v6' })).toEqual({ committed: true, id: 6 });
  }, 60_000);
});
