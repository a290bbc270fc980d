/**
 * Durable writes against anvil: what a journaled sender acknowledged survives `kill -9` of the
 * dev chain before its checkpoint (re-sent with the same hash on reconnect), the journal is
 * trimmed once a checkpoint holds it, and a transaction stuck above a rolled-back nonce heals.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSecurityInfo, uniqueName } from '@chainm2m/lwm2m/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { connectChain, type ChainConnection } from '../../src/chain/ChainConnection.js';
import { deploy, type Deployment } from '../../src/chain/Deployment.js';
import { startDevChain, type DevChain } from '../../src/chain/DevChain.js';
import { generateSealingKeyPair } from '../../src/sealing/seal.js';
import { ChainSecurityStore } from '../../src/stores/ChainSecurityStore.js';

const NOW = Math.floor(Date.UTC(2026, 11, 4, 18, 30) / 1000);
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ dataDir: string; journalDir: string; chain: DevChain; deployment: Deployment; key: string; port: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-durable-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  // Checkpoints only when asked: the loss window is as long as the test wants.
  const chain = await startDevChain({ dataDir, stateIntervalSec: 0 });
  const key = chain.privateKeys[0] as string;
  const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey: key, dataDir });
  await chain.checkpoint();
  return { dataDir, journalDir: join(dataDir, 'chain', 'tx-journal'), chain, deployment, key, port: Number(new URL(chain.rpcUrl).port) };
}

async function connect(rpcUrl: string, key: string, deployment: Deployment, journalDir?: string): Promise<ChainConnection> {
  const c = await connectChain({ rpcUrl, privateKey: key, deployment, requestTimeoutMs: 5_000, receiptTimeoutMs: 30_000, ...(journalDir ? { journalDir } : {}) });
  cleanups.push(() => c.close());
  return c;
}

function anomalyArgs(i: number): unknown[] {
  return [[[`meter-${i}`, NOW + i, 3, 'temperature-out-of-range', `${40 + i}.5 C`]]];
}

describe('durable writes (transaction journal)', () => {
  it('re-sends acknowledged transactions a kill -9 of the chain lost, with the same hashes, then trims the journal', async () => {
    const s = await setup();
    let chain = s.chain;
    cleanups.push(() => chain.kill());
    const conn = await connect(chain.rpcUrl, s.key, s.deployment, s.journalDir);
    const before = Number((await conn.call('AnomalyStore', 'anomalyCount', []))[0]);
    const hashes: string[] = [];
    for (let i = 0; i < 5; i++) hashes.push((await conn.send('AnomalyStore', 'addAnomalies', anomalyArgs(i))).hash);
    const checkpointed = await chain.checkpoint();
    for (let i = 5; i < 12; i++) hashes.push((await conn.send('AnomalyStore', 'addAnomalies', anomalyArgs(i))).hash);
    // Endpoints too (the security store's batch path).
    const sealingKey = generateSealingKeyPair();
    const store = await ChainSecurityStore.open({ connection: conn, sealingKey, pollIntervalMs: 0 });
    const endpoints = Array.from({ length: 20 }, () => makeSecurityInfo(uniqueName('durable')));
    await store.addMany(endpoints);
    store.close();
    expect(Number((await conn.call('AnomalyStore', 'anomalyCount', []))[0])).toBe(before + 12);

    await chain.kill(); // crash: the state file holds only what the checkpoint had
    conn.close();
    chain = await startDevChain({ dataDir: s.dataDir, port: s.port, stateIntervalSec: 0 });
    const raw = await connect(chain.rpcUrl, s.key, s.deployment); // no journal: what anvil alone kept
    expect(Number((await raw.call('AnomalyStore', 'anomalyCount', []))[0])).toBe(before + 5);

    const again = await connect(chain.rpcUrl, s.key, s.deployment, s.journalDir); // recovers
    expect(Number((await again.call('AnomalyStore', 'anomalyCount', []))[0])).toBe(before + 12);
    for (const h of hashes) expect(await again.signer().receipt(h)).toMatchObject({ hash: h });
    const page = await again.call('AnomalyStore', 'listAnomalies', [before, 12]);
    expect((page[0] as unknown[][]).map((a) => a[0])).toEqual(Array.from({ length: 12 }, (_, i) => `meter-${i}`));
    const reread = await ChainSecurityStore.open({ connection: again, sealingKey, pollIntervalMs: 0 });
    for (const e of endpoints) expect((await reread.getByEndpoint(e.endpoint))?.endpoint).toBe(e.endpoint);
    reread.close();

    // Trimmed once a checkpoint holds everything; nothing is replayed twice.
    expect(checkpointed.block).toBeGreaterThan(0);
    const cp = await chain.checkpoint();
    expect(await again.signer().trimJournal(cp.block)).toBeGreaterThan(0);
    expect(again.signer().journal?.size()).toBe(0);
    expect(await again.signer().recover()).toEqual({ replayed: 0, resent: 0 });
  }, 120_000);

  it('heals a nonce gap: a journaled transaction above the rolled-back nonce does not wait for others to fill it', async () => {
    const s = await setup();
    let chain = s.chain;
    cleanups.push(() => chain.kill());
    const conn = await connect(chain.rpcUrl, s.key, s.deployment, s.journalDir);
    for (let i = 0; i < 3; i++) await conn.send('AnomalyStore', 'addAnomalies', anomalyArgs(i));
    const before = Number((await conn.call('AnomalyStore', 'anomalyCount', []))[0]) - 3;
    await chain.kill();
    conn.close();
    // Lose the journal lines of the first two (as a journal-less writer, or a lost file, would).
    const file = join(s.journalDir, readdirSync(s.journalDir)[0] as string);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, `${lines.slice(2).join('\n')}\n`);
    chain = await startDevChain({ dataDir: s.dataDir, port: s.port, stateIntervalSec: 0 });
    const started = Date.now();
    const again = await connect(chain.rpcUrl, s.key, s.deployment, s.journalDir); // replays the 3rd; the gap is filled
    expect(Date.now() - started).toBeLessThan(25_000);
    const list = await again.call('AnomalyStore', 'listAnomalies', [before, 10]);
    expect((list[0] as unknown[][]).map((a) => a[0])).toEqual(['meter-2']);
    // And the next write goes through at once.
    await again.send('AnomalyStore', 'addAnomalies', anomalyArgs(3));
    expect(Number((await again.call('AnomalyStore', 'anomalyCount', []))[0])).toBe(before + 2);
    expect(existsSync(file)).toBe(true);
  }, 120_000);

  it('a pre-signed transaction re-broadcast above a rolled-back nonce (the anomaly outbox after a crash) is mined within seconds', async () => {
    const s = await setup();
    let chain = s.chain;
    cleanups.push(() => chain.kill());
    const conn = await connect(chain.rpcUrl, s.key, s.deployment); // no journal: as an outbox that kept only its own raw
    const raws: { hash: string; raw: string }[] = [];
    for (let i = 0; i < 2; i++) {
      await conn.send('AnomalyStore', 'addAnomalies', anomalyArgs(i), { onSigned: (hash, raw) => void raws.push({ hash, raw }) });
    }
    const before = Number((await conn.call('AnomalyStore', 'anomalyCount', []))[0]) - 2;
    await chain.kill();
    conn.close();
    chain = await startDevChain({ dataDir: s.dataDir, port: s.port, stateIntervalSec: 0 });
    const again = await connect(chain.rpcUrl, s.key, s.deployment);
    const second = raws[1] as { hash: string; raw: string };
    await again.signer().rebroadcast(second.raw, second.hash);
    const r = await again.signer().waitForReceipt(second.hash);
    expect(r.hash).toBe(second.hash);
    const list = await again.call('AnomalyStore', 'listAnomalies', [before, 10]);
    expect((list[0] as unknown[][]).map((a) => a[0])).toEqual(['meter-1']); // the gap was filled with a no-op
  }, 120_000);

  it('sends a journaled write again as a new transaction when another one took its nonce after the rollback', async () => {
    const s = await setup();
    let chain = s.chain;
    cleanups.push(() => chain.kill());
    const conn = await connect(chain.rpcUrl, s.key, s.deployment, s.journalDir);
    await conn.send('AnomalyStore', 'addAnomalies', anomalyArgs(0));
    const before = Number((await conn.call('AnomalyStore', 'anomalyCount', []))[0]) - 1;
    await chain.kill();
    conn.close();
    chain = await startDevChain({ dataDir: s.dataDir, port: s.port, stateIntervalSec: 0 });
    // A writer without a journal takes the nonce first.
    const other = await connect(chain.rpcUrl, s.key, s.deployment);
    await other.send('AnomalyStore', 'addAnomalies', anomalyArgs(1));
    const again = await connect(chain.rpcUrl, s.key, s.deployment, s.journalDir);
    const list = await again.call('AnomalyStore', 'listAnomalies', [before, 10]);
    expect((list[0] as unknown[][]).map((a) => a[0])).toEqual(['meter-1', 'meter-0']);
  }, 120_000);
});
