import { describeSecurityStore, makeSecurityInfo, uniqueName } from '@chainm2m/lwm2m/testing';
import type { SecurityChange } from '@chainm2m/lwm2m';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChainSecurityStore } from '../../src/stores/ChainSecurityStore.js';
import { ChainBootstrapConfigStore } from '../../src/stores/ChainBootstrapConfigStore.js';
import { generateSealingKeyPair } from '../../src/sealing/seal.js';
import { connectChain } from '../../src/chain/ChainConnection.js';
import { startChainFixture, type ChainFixture } from './fixture.js';

let f: ChainFixture;
const opened: ChainSecurityStore[] = [];

async function openStore(extra: Partial<Parameters<typeof ChainSecurityStore.open>[0]> = {}): Promise<ChainSecurityStore> {
  const s = await ChainSecurityStore.open({ connection: await f.connect(), sealingKey: f.sealingKey, pollIntervalMs: 50, ...extra });
  opened.push(s);
  return s;
}

beforeAll(async () => {
  f = await startChainFixture();
}, 30_000);

afterAll(async () => {
  for (const s of opened) s.close();
  await f?.cleanup();
});

describeSecurityStore('ChainSecurityStore (anvil)', () => openStore(), { teardown: (s) => (s as ChainSecurityStore).close() });
describeSecurityStore('ChainSecurityStore (anvil, preload: false)', () => openStore({ preload: false }), {
  teardown: (s) => (s as ChainSecurityStore).close(),
});

describe('ChainSecurityStore across processes (two stores, one chain)', () => {
  it('an endpoint added by one store reaches the other by events, and by a cold eth_call before that', async () => {
    const writer = await openStore();
    const reader = await openStore();
    const coldOnly = await openStore({ pollIntervalMs: 0 });
    const seen: SecurityChange[] = [];
    reader.addListener((c) => seen.push(c));
    const info = makeSecurityInfo(uniqueName('x'));
    await writer.add(info);
    // no event sync in this one: the lookup is a cold eth_call, then cached
    expect(coldOnly.peekByEndpoint(info.endpoint)).toBeUndefined();
    const cold = await coldOnly.getByIdentity(info.server.identity);
    expect(cold?.account).toBe('server');
    expect(Buffer.from(cold?.info.server.key ?? [])).toEqual(Buffer.from(info.server.key));
    expect(coldOnly.peekByIdentity(info.server.identity)?.info.endpoint).toBe(info.endpoint);
    expect(coldOnly.health().coldLookups).toBe(1);
    await vi.waitFor(() => expect(reader.peekByEndpoint(info.endpoint)?.endpoint).toBe(info.endpoint), { timeout: 5_000 });
    expect(seen.map((c) => c.kind)).toEqual(['added']);
    const got = reader.peekByEndpoint(info.endpoint);
    expect(got?.registrar.toLowerCase()).toBe(writer['conn'].address?.toLowerCase());
    expect(got?.createdAt).toBeGreaterThan(1_700_000_000);
    // rotation by the writer: the reader's cache follows and the listener fires
    const rotated = { ...info, server: { ...info.server, identity: `${info.endpoint}-dm2`, key: new Uint8Array(16).fill(0x42) } };
    await writer.update(rotated);
    await vi.waitFor(() => expect(seen.map((c) => c.kind)).toEqual(['added', 'updated']), { timeout: 5_000 });
    expect(reader.peekByIdentity(info.server.identity)).toBeUndefined();
    expect(Buffer.from(reader.peekByIdentity(`${info.endpoint}-dm2`)?.info.server.key ?? [])).toEqual(Buffer.alloc(16, 0x42));
    // removal as compromised: listener fires with the flag and the previous record, lookups miss
    await writer.remove(info.endpoint, true);
    await vi.waitFor(() => expect(seen.map((c) => c.kind)).toEqual(['added', 'updated', 'removed']), { timeout: 5_000 });
    const removed = seen[2];
    expect(removed?.kind === 'removed' && removed.compromised).toBe(true);
    expect(removed?.kind === 'removed' && removed.previous?.server.identity).toBe(`${info.endpoint}-dm2`);
    expect(await reader.getByEndpoint(info.endpoint)).toBeUndefined();
    expect(await reader.getByIdentity(`${info.endpoint}-dm2`)).toBeUndefined();
    expect(reader.isStale()).toBe(false);
  });

  it('remembers a cold miss briefly (made-up identities cost one eth_call each), and forgets it when the record arrives', async () => {
    const writer = await openStore();
    const reader = await openStore({ pollIntervalMs: 0, negativeCacheMs: 60_000 });
    const info = makeSecurityInfo(uniqueName('neg'));
    for (let i = 0; i < 5; i++) expect(await reader.getByIdentity(info.server.identity)).toBeUndefined();
    expect(reader.health().coldLookups).toBe(1);
    await writer.add(info);
    // still remembered as missing until the reader sees the event...
    expect(await reader.getByIdentity(info.server.identity)).toBeUndefined();
    await reader.syncNow();
    // ...which forgets the miss and caches the record
    expect((await reader.getByIdentity(info.server.identity))?.info.endpoint).toBe(info.endpoint);
    expect(reader.health().coldLookups).toBe(1);
    const noMemory = await openStore({ pollIntervalMs: 0, negativeCacheMs: 0 });
    for (let i = 0; i < 3; i++) await noMemory.getByIdentity(`${info.server.identity}-none`);
    expect(noMemory.health().coldLookups).toBe(3);
  });

  it('loads everything already on chain at open (paginated), and bootstraps from it', async () => {
    const writer = await openStore();
    const batch = Array.from({ length: 25 }, () => makeSecurityInfo(uniqueName('load')));
    await writer.addMany(batch);
    const fresh = await openStore({ pageSize: 7, pollIntervalMs: 0 });
    for (const info of batch) expect(fresh.peekByIdentity(info.bootstrap.identity)?.account).toBe('bootstrap');
    expect(await fresh.count()).toBe(await writer.count());
    const bs = new ChainBootstrapConfigStore(fresh);
    const first = batch[0];
    if (!first) throw new Error('empty batch');
    const cfg = await bs.get({ endpoint: first.endpoint, identity: first.bootstrap.identity });
    expect(cfg?.security.map((s) => s.pskIdentity)).toEqual([first.bootstrap.identity, first.server.identity]);
    expect(Buffer.from(cfg?.security[1]?.pskKey ?? [])).toEqual(Buffer.from(first.server.key));
    expect(await bs.get({ endpoint: first.endpoint, identity: batch[1]?.bootstrap.identity })).toBeUndefined();
    expect(await bs.get({ endpoint: uniqueName('none') })).toBeUndefined();
  });

  it('splits a large addMany into several transactions and reports what the chain rejects, decoded', async () => {
    const writer = await openStore({ maxBatchBytes: 8_000 });
    const batch = Array.from({ length: 30 }, () => makeSecurityInfo(uniqueName('chunk')));
    const conn = await f.connect();
    const before = await conn.blockNumber();
    await writer.addMany(batch);
    // ~1.2 kB of calldata per record, 8 kB per transaction: at least 4 transactions (one block each)
    expect((await conn.blockNumber()) - before).toBeGreaterThanOrEqual(4);
    for (const info of batch) expect((await writer.getByEndpoint(info.endpoint))?.endpoint).toBe(info.endpoint);
    // a store whose cache does not know the record: the contract's revert is decoded
    const blind = await openStore({ pollIntervalMs: 0 });
    const dup = makeSecurityInfo(uniqueName('dup'));
    await writer.add(dup);
    const err = await blind.add({ ...dup, bootstrap: { ...dup.bootstrap, identity: uniqueName('other') }, server: { ...dup.server, identity: uniqueName('other') } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LWM2M_STORE_DUPLICATE' });
    expect((err as { cause?: { details?: { errorName?: string } } }).cause?.details?.errorName).toBe('ClientStore__AlreadyExists');
  });

  it('skips records sealed to another key (counted), without failing the others', async () => {
    const writer = await openStore();
    const info = makeSecurityInfo(uniqueName('foreign'));
    await writer.add(info);
    const errors: string[] = [];
    const other = await openStore({ sealingKey: generateSealingKeyPair(), pollIntervalMs: 0, onError: (e) => errors.push(e.code) });
    expect(other.peekByEndpoint(info.endpoint)).toBeUndefined();
    expect(other.health().unsealFailures).toBeGreaterThan(0);
    expect(errors).toContain('SEAL_WRONG_KEY');
    expect(await other.getByEndpoint(info.endpoint)).toBeUndefined();
  });

  it('notices a rewritten chain history (dev chain back to an older state) and reloads, firing listeners', async () => {
    const conn = await f.connect();
    const reader = await openStore({ pollIntervalMs: 0 });
    const seen: SecurityChange[] = [];
    reader.addListener((c) => seen.push(c));
    const snapshot = await conn.rpc.request<string>('evm_snapshot');
    const writer = await openStore({ pollIntervalMs: 0 });
    const lost = makeSecurityInfo(uniqueName('lost'));
    await writer.add(lost);
    await reader.syncNow();
    expect(reader.peekByEndpoint(lost.endpoint)).toBeDefined();
    expect(await conn.rpc.request<boolean>('evm_revert', [snapshot])).toBe(true);
    const writer2 = await openStore({ pollIntervalMs: 0 });
    const z = [makeSecurityInfo(uniqueName('z')), makeSecurityInfo(uniqueName('z'))];
    for (const info of z) await writer2.add(info); // two new blocks at the same heights
    await reader.syncNow();
    expect(reader.peekByEndpoint(lost.endpoint)).toBeUndefined();
    for (const info of z) expect(reader.peekByEndpoint(info.endpoint)?.endpoint).toBe(info.endpoint);
    const kinds = seen.map((c) => `${c.kind}:${c.kind === 'removed' ? c.endpoint : c.info.endpoint}`);
    expect(kinds).toContain(`removed:${lost.endpoint}`);
    for (const info of z) expect(kinds).toContain(`added:${info.endpoint}`);
  });

  it('re-sends a batch that ran out of its gas budget with an estimated limit', async () => {
    const stingy = await openStore({ gasPerRecord: () => 20_000n });
    const batch = Array.from({ length: 5 }, () => makeSecurityInfo(uniqueName('oog')));
    await stingy.addMany(batch);
    expect(stingy.health().outOfGasRetries).toBe(1);
    const reader = await openStore({ pollIntervalMs: 0 });
    for (const info of batch) expect(reader.peekByEndpoint(info.endpoint)?.endpoint).toBe(info.endpoint);
  });

  it('reports a signer without the registrar role with the decoded AccessControl error', async () => {
    const stranger = await connectChain({ rpcUrl: f.chain.rpcUrl, privateKey: f.chain.privateKeys[1] as string, deployment: f.deployment });
    try {
      const s = await ChainSecurityStore.open({ connection: stranger, sealingKey: f.sealingKey, pollIntervalMs: 0 });
      const err = await s.add(makeSecurityInfo(uniqueName('denied'))).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CHAIN_REVERTED' });
      expect((err as { details?: { errorName?: string; errorArgs?: unknown[] } }).details?.errorName).toBe('AccessControlUnauthorizedAccount');
      expect((err as { details?: { errorArgs?: unknown[] } }).details?.errorArgs?.[0]).toBe(stranger.address);
      s.close();
    } finally {
      stranger.close();
    }
  });
});
