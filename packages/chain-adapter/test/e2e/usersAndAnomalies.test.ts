import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NEW_ANOMALY_TYPE, encodeCall } from '../../src/chain/fastAbi.js';
import { signRawTransaction } from '../../src/chain/rlpTx.js';
import { createPasswordVerifier, verifyPassword } from '../../src/sealing/passwordVerifier.js';
import { ChainAnomalyLog, ANOMALY_OUTBOX_FILE, ANOMALY_OUTBOX_LOCK, ANOMALY_SPOOL_DIR } from '../../src/stores/ChainAnomalyLog.js';
import { connectChain } from '../../src/chain/ChainConnection.js';
import { ChainUserDirectory } from '../../src/stores/ChainUserDirectory.js';
import { startChainFixture, type ChainFixture } from './fixture.js';

let f: ChainFixture;
beforeAll(async () => {
  f = await startChainFixture();
}, 30_000);
afterAll(async () => {
  await f?.cleanup();
});

describe('ChainUserDirectory', () => {
  it('adds, reads (verifier unsealed), updates, disables and lists users; rejects duplicates and unknowns', async () => {
    const users = new ChainUserDirectory({ connection: await f.connect(), sealingKey: f.sealingKey });
    const verifier = await createPasswordVerifier('hunter2-long');
    await users.add({ username: 'bob', role: 'user', clearance: 1, verifier, email: 'bob@example.com' });
    const bob = await users.get('bob');
    expect(bob).toMatchObject({ username: 'bob', role: 'user', clearance: 1, verifier, email: 'bob@example.com', active: true });
    expect(await verifyPassword('hunter2-long', bob?.verifier ?? '')).toBe(true);
    expect(await verifyPassword('hunter3-long', bob?.verifier ?? '')).toBe(false);
    await expect(users.add({ username: 'bob', role: 'admin', clearance: 0, verifier, email: '' })).rejects.toMatchObject({ code: 'LWM2M_STORE_DUPLICATE' });
    const updated = await users.update('bob', { role: 'application', email: 'b@example.org' });
    expect(updated).toMatchObject({ role: 'application', email: 'b@example.org', clearance: 1, active: true });
    expect((await users.get('bob'))?.role).toBe('application');
    await users.disable('bob');
    expect((await users.get('bob'))?.active).toBe(false);
    await expect(users.update('nobody', { role: 'admin' })).rejects.toMatchObject({ code: 'LWM2M_STORE_NOT_FOUND' });
    await expect(users.disable('nobody')).rejects.toMatchObject({ code: 'LWM2M_STORE_NOT_FOUND' });
    await expect(users.add({ username: '', role: 'user', clearance: 0, verifier, email: '' })).rejects.toMatchObject({ code: 'LWM2M_STORE_INVALID' });
    expect(await users.get('nobody')).toBeUndefined();
    await users.add({ username: 'carol', role: 'admin', clearance: 2, verifier: await createPasswordVerifier('pw-carol'), email: '' });
    const page = await users.list(0, 10);
    expect(page.total).toBe(2);
    expect(page.items.map((u) => u.username).sort()).toEqual(['bob', 'carol']);
  });
});

describe('ChainAnomalyLog', () => {
  it('appends (ids in order) and queries by endpoint, by time range and in pages', async () => {
    const log = await ChainAnomalyLog.open({ connection: await f.connect(), dataDir: join(f.dataDir, 'a1') });
    try {
      const base = await log.count();
      const r = await log.appendMany([
        { endpoint: 'dev-a', collectedAt: 1_000, severity: 1, kind: 'temp', value: '81' },
        { endpoint: 'dev-b', collectedAt: 5_000, severity: 2, kind: 'temp', value: '82' },
        { endpoint: 'dev-a', collectedAt: 9_000, severity: 3, kind: 'unauthorized-bootstrap', value: 'id x' },
      ]);
      expect(r).toEqual([0, 1, 2].map((i) => ({ committed: true, id: base + i })));
      expect(await log.count()).toBe(base + 3);
      const a = await log.query({ endpoint: 'dev-a' });
      expect(a.total).toBe(2);
      expect(a.items.map((x) => [x.id, x.value])).toEqual([[base, '81'], [base + 2, 'id x']]);
      expect(a.items[0]?.reporter.toLowerCase()).toBe(f.deployment.deployer.toLowerCase());
      const t = await log.query({ from: 4_000, to: 10_000 });
      expect(t.items.map((x) => x.value)).toEqual(['82', 'id x']);
      const at = await log.query({ endpoint: 'dev-a', from: 4_000 });
      expect(at.items.map((x) => x.value)).toEqual(['id x']);
      const p = await log.query({ offset: base + 1, limit: 1 });
      expect(p.items.map((x) => x.id)).toEqual([base + 1]);
      await expect(log.append({ endpoint: '', collectedAt: 1, severity: 1, kind: 'k', value: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(log.append({ endpoint: 'e', collectedAt: 1, severity: 300, kind: 'k', value: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    } finally {
      await log.close();
    }
  });

  it('after a crash between broadcast and acknowledgement, neither loses nor doubles a record', async () => {
    const conn = await f.connect();
    const dataDir = join(f.dataDir, 'crash');
    mkdirSync(dataDir, { recursive: true });
    const before = Number((await conn.call('AnomalyStore', 'anomalyCount', []))[0]);
    const selector = conn.interfaces.AnomalyStore.getFunction('addAnomalies')?.selector ?? '';
    const signer = conn.signer();
    const key = signer.wallet.signingKey;
    const fees = { maxFeePerGas: 50_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
    const tx = (value: string, nonce: number) =>
      signRawTransaction(key, {
        chainId: f.deployment.chainId,
        nonce,
        to: f.deployment.addresses.AnomalyStore,
        data: encodeCall(selector, [{ array: NEW_ANOMALY_TYPE }], [[['crash', 7, 1, 'k', value]]]),
        gasLimit: 1_000_000n,
        ...fees,
      });
    const nonce = Number(await conn.rpc.request<string>('eth_getTransactionCount', [signer.address, 'pending']));
    // A: journaled, broadcast and mined, but the process died before writing "done".
    const a = tx('mined', nonce);
    await conn.rpc.request('eth_sendRawTransaction', [a.raw]);
    await signer.waitForReceipt(a.hash);
    // B: journaled as sent, but the process died before the broadcast reached the node.
    const b = tx('never-sent', nonce + 1);
    // C: journaled only (never signed).
    const journal = join(dataDir, ANOMALY_OUTBOX_FILE);
    const add = (k: string, value: string) => JSON.stringify({ t: 'add', k, a: { endpoint: 'crash', collectedAt: 7, severity: 1, kind: 'k', value } });
    writeFileSync(
      journal,
      [
        add('ka', 'mined'),
        add('kb', 'never-sent'),
        add('kc', 'journal-only'),
        JSON.stringify({ t: 'sent', k: ['ka'], h: a.hash, raw: a.raw }),
        JSON.stringify({ t: 'sent', k: ['kb'], h: b.hash, raw: b.raw }),
      ].join('\n') + '\n',
    );
    appendFileSync(journal, '{"t":"add","k":"torn'); // a torn last line from the crash
    signer.resetNonce();
    const log = await ChainAnomalyLog.open({ connection: conn, dataDir, retryIntervalMs: 100 });
    try {
      expect(log.pending()).toBe(3);
      await vi.waitFor(() => expect(log.pending()).toBe(0), { timeout: 10_000 });
      expect(await log.count()).toBe(Number(before) + 3);
      const items = (await log.query({ endpoint: 'crash' })).items.map((x) => x.value);
      expect(items).toEqual(['mined', 'never-sent', 'journal-only']);
    } finally {
      await log.close();
    }
  });

  it('lets one log own the outbox; a second one on the same data dir works in direct mode; a dead owner\'s lock is taken over', async () => {
    const dataDir = join(f.dataDir, 'lock');
    mkdirSync(dataDir, { recursive: true });
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dataDir, ANOMALY_OUTBOX_LOCK), String(deadPid));
    const owner = await ChainAnomalyLog.open({ connection: await f.connect(), dataDir });
    const second = await ChainAnomalyLog.open({ connection: await f.connect(), dataDir });
    try {
      expect(owner.hasOutbox()).toBe(true);
      expect(second.hasOutbox()).toBe(false);
      const [r] = await second.appendMany([{ endpoint: 'lock', collectedAt: 1, severity: 1, kind: 'k', value: 'direct' }]);
      expect(r?.committed).toBe(true);
      expect((await owner.query({ endpoint: 'lock' })).items.map((x) => [x.id, x.value])).toEqual([[r?.id, 'direct']]);
    } finally {
      await second.close();
      await owner.close();
    }
    expect(existsSync(join(dataDir, ANOMALY_OUTBOX_LOCK))).toBe(false);
  });

  it('a direct-mode log spools records while the chain is unreachable; the outbox owner sends them', async () => {
    const dataDir = join(f.dataDir, 'spool');
    mkdirSync(dataDir, { recursive: true });
    const owner = await ChainAnomalyLog.open({ connection: await f.connect(), dataDir, retryIntervalMs: 100 });
    // Another process whose chain connection fails (the node is down for it).
    const down = await connectChain({ rpcUrl: 'http://127.0.0.1:1', privateKey: f.privateKey, deployment: f.deployment, requestTimeoutMs: 500, verify: false });
    const cli = await ChainAnomalyLog.open({ connection: down, dataDir });
    try {
      expect(cli.hasOutbox()).toBe(false);
      const collectedAt = Math.floor(Date.UTC(2026, 11, 4, 18, 40) / 1000);
      const r = await cli.appendMany([
        { endpoint: 'spooled', collectedAt, severity: 4, kind: 'battery-low', value: '3.1 V' },
        { endpoint: 'spooled', collectedAt: collectedAt + 1, severity: 4, kind: 'battery-low', value: '3.0 V' },
      ]);
      expect(r).toEqual([{ committed: false }, { committed: false }]);
      await vi.waitFor(async () => expect((await owner.query({ endpoint: 'spooled' })).items.map((x) => x.value)).toEqual(['3.1 V', '3.0 V']), { timeout: 10_000, interval: 100 });
      expect(readdirSync(join(dataDir, ANOMALY_SPOOL_DIR))).toEqual([]);
    } finally {
      await cli.close();
      down.close();
      await owner.close();
    }
  });
});
