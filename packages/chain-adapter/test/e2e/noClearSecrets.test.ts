/**
 * No PSK, password or password verifier appears in clear on chain: registers endpoints (one by
 * one, batched, rotated) and users with known secrets, then scans every block's transactions'
 * calldata and every log (topics and data) for them as raw bytes, hex text and base64 text.
 */
import { randomBytes } from 'node:crypto';
import { makeSecurityInfo, uniqueName } from '@chainm2m/lwm2m/testing';
import type { SecurityInfo } from '@chainm2m/lwm2m';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordVerifier, parsePasswordVerifier } from '../../src/sealing/passwordVerifier.js';
import { ChainSecurityStore } from '../../src/stores/ChainSecurityStore.js';
import { ChainUserDirectory } from '../../src/stores/ChainUserDirectory.js';
import { startChainFixture, type ChainFixture } from './fixture.js';

let f: ChainFixture;
beforeAll(async () => {
  f = await startChainFixture();
}, 30_000);
afterAll(async () => {
  await f?.cleanup();
});

function withKeys(info: SecurityInfo): SecurityInfo {
  return { ...info, bootstrap: { ...info.bootstrap, key: new Uint8Array(randomBytes(16)) }, server: { ...info.server, key: new Uint8Array(randomBytes(32)) } };
}

/** Every form a secret could leak in. */
function forms(secret: Buffer): Buffer[] {
  const hex = secret.toString('hex');
  return [secret, Buffer.from(hex, 'utf8'), Buffer.from(hex.toUpperCase(), 'utf8'), Buffer.from(secret.toString('base64'), 'utf8')];
}

describe('no secret in clear on chain', () => {
  it('finds no PSK, password or verifier hash in any calldata or log', async () => {
    const conn = await f.connect();
    const store = await ChainSecurityStore.open({ connection: conn, sealingKey: f.sealingKey, pollIntervalMs: 0 });
    const infos = Array.from({ length: 6 }, () => withKeys(makeSecurityInfo(uniqueName('secret'))));
    const [one, ...rest] = infos;
    if (!one) throw new Error('no info');
    await store.add(one);
    await store.addMany(rest);
    const rotated = withKeys(one);
    await store.update(rotated);
    const users = new ChainUserDirectory({ connection: conn, sealingKey: f.sealingKey });
    const passwords = ['correct horse battery staple', 'Tr0ub4dor&3'];
    const verifiers: string[] = [];
    for (const [i, pw] of passwords.entries()) {
      const v = await createPasswordVerifier(pw);
      verifiers.push(v);
      await users.add({ username: `user${i}`, role: 'user', clearance: 0, verifier: v, email: '' });
    }
    await users.update('user0', { verifier: await createPasswordVerifier('a new password 123') });
    passwords.push('a new password 123');
    store.close();

    const secrets: Buffer[] = [];
    for (const i of [...infos, rotated]) secrets.push(Buffer.from(i.bootstrap.key), Buffer.from(i.server.key));
    for (const pw of passwords) secrets.push(Buffer.from(pw, 'utf8'));
    for (const v of verifiers) {
      secrets.push(Buffer.from(v, 'utf8'));
      const parsed = parsePasswordVerifier(v);
      secrets.push(parsed.hash, parsed.salt);
    }
    const needles = secrets.flatMap(forms);

    // Sanity: the scanner does find a secret where one is (a control transaction with a key in clear).
    const control = Buffer.from(randomBytes(16));
    const signer = conn.signer();
    const controlReceipt = await signer.send({ to: signer.address, data: control, gasLimit: 100_000n, contract: 'none', method: 'control' });

    const head = await conn.blockNumber();
    let txs = 0;
    let logs = 0;
    let controlFound = false;
    const leaks: string[] = [];
    for (let n = 0; n <= head; n++) {
      const block = await conn.rpc.request<{ transactions: { hash: string; input: string }[] }>('eth_getBlockByNumber', [`0x${n.toString(16)}`, true]);
      for (const tx of block.transactions) {
        txs++;
        const input = Buffer.from(tx.input.slice(2), 'hex');
        if (tx.hash === controlReceipt.hash) {
          controlFound = forms(control).some((needle) => input.includes(needle));
          continue;
        }
        if (needles.some((needle) => input.includes(needle))) leaks.push(`calldata of ${tx.hash}`);
        const receipt = await conn.rpc.request<{ logs: { topics: string[]; data: string }[] }>('eth_getTransactionReceipt', [tx.hash]);
        for (const log of receipt.logs) {
          logs++;
          const bytes = Buffer.concat([...log.topics, log.data].map((h) => Buffer.from(h.slice(2), 'hex')));
          if (needles.some((needle) => bytes.includes(needle))) leaks.push(`log of ${tx.hash}`);
        }
      }
    }
    expect(controlFound).toBe(true);
    expect(txs).toBeGreaterThanOrEqual(8);
    expect(logs).toBeGreaterThanOrEqual(infos.length + 3);
    expect(leaks).toEqual([]);
  });
});
