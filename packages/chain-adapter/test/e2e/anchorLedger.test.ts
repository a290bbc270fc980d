import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '@chainm2m/lwm2m';
import { ProvenanceRecorder, RecordSigner, SERVER_PARTY, endpointParty, verifyLog, verifyReceipt, type Receipt } from '@chainm2m/provenance';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deploy, readDeployment } from '../../src/chain/Deployment.js';
import { connectChain } from '../../src/chain/ChainConnection.js';
import { ChainAnchorLedger, chainAnchorReader } from '../../src/stores/ChainAnchorLedger.js';
import { startChainFixture, type ChainFixture } from './fixture.js';

let f: ChainFixture | undefined;
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await f?.cleanup();
  f = undefined;
});

const sensor = endpointParty('urn:imei:356938035643809', 2);

async function recorder(fx: ChainFixture, dir: string, signer: RecordSigner, batchSize: number): Promise<{ rec: ProvenanceRecorder; ledger: ChainAnchorLedger }> {
  const ledger = new ChainAnchorLedger({ connection: await fx.connect(false) });
  const rec = await ProvenanceRecorder.open({ dir, signer, ledger, clock: SystemClock, batchSize, intervalMs: 60_000, retryMinMs: 50, retryMaxMs: 200 });
  closers.push(() => rec.close());
  return { rec, ledger };
}

describe('ChainAnchorLedger (AuditAnchor on anvil)', () => {
  it('anchors each batch in one transaction; receipts verify with one eth_call; the contract verifies the proofs too', async () => {
    const fx = (f = await startChainFixture());
    const dir = mkdtempSync(join(tmpdir(), 'prov-chain-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const signer = RecordSigner.generate();
    const { rec, ledger } = await recorder(fx, dir, signer, 250);
    expect(await ledger.publishSigningKey(signer.publicKeyBytes32)).toBe(true);
    expect(await ledger.publishSigningKey(signer.publicKeyBytes32)).toBe(false);
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => rec.record({ sender: sensor, receiver: SERVER_PARTY, operation: 'notify', path: '/3303/0/5700', outcome: '2.05', answer: `${20 + i / 100}` })));
    await rec.batcher?.whenAnchored();
    expect(rec.batcher?.stats).toMatchObject({ batches: 4, anchored: 4, pendingRecords: 0 });
    const conn = await fx.connect();
    expect(await conn.call('AuditAnchor', 'nextSeq', [])).toEqual([1001n]);
    expect(await conn.call('AuditAnchor', 'anchorCount', [])).toEqual([4n]);

    const receipt = JSON.parse(JSON.stringify(rec.receipt(777))) as Receipt;
    expect(receipt.anchor).toMatchObject({ chainId: fx.chain.chainId, contract: fx.deployment.addresses.AuditAnchor });
    const reader = chainAnchorReader(fx.chain.rpcUrl);
    closers.push(() => reader.close());
    const v = await verifyReceipt(receipt, reader.read);
    expect(v.valid, JSON.stringify(v.checks)).toBe(true);
    // the proof from @openzeppelin/merkle-tree is the one Solidity's MerkleProof accepts
    expect(await conn.call('AuditAnchor', 'verifyRecord', [receipt.batch.root, `0x${receipt.record.hash}`, receipt.proof])).toEqual([true]);
    // a root the chain does not hold
    const fake = { ...receipt, batch: { ...receipt.batch, root: `0x${'ab'.repeat(32)}` } };
    expect((await verifyReceipt(fake, reader.read)).checks.find((c) => c.name === 'anchor')).toMatchObject({ ok: false, detail: 'the root is not anchored on chain' });
    // the receipt's placement is the transaction that anchored the root
    const tx = await conn.rpc.request<{ to: string; blockNumber: string }>('eth_getTransactionByHash', [receipt.anchor.txHash]);
    expect([tx.to.toLowerCase(), Number(tx.blockNumber)]).toEqual([fx.deployment.addresses.AuditAnchor.toLowerCase(), receipt.anchor.blockNumber]);
    // anchoring the same batch again is idempotent (a retry after a lost receipt)
    const batch1 = rec.batcher?.batchOf(1);
    if (!batch1?.placement) throw new Error('batch 1 not anchored');
    const { placement: _p, ...b1 } = batch1;
    expect(await ledger.anchor(b1)).toEqual(batch1.placement);
    // verify --log against the chain
    expect(await verifyLog({ dir, publicKey: signer.publicKey, readAnchor: reader.read })).toMatchObject({ valid: true, records: 1_000, anchoredBatches: 4 });
    const gas = await Promise.all(
      (rec.batcher?.allBatches() ?? []).map(async (b) => BigInt((await conn.rpc.request<{ gasUsed: string }>('eth_getTransactionReceipt', [b.placement?.txHash])).gasUsed)),
    );
    console.log(`anchorRoot gas per batch of 250: ${gas.join(', ')}`);
  });

  it('batches made while the chain is down are anchored in order when it returns', async () => {
    const fx = (f = await startChainFixture());
    const dir = mkdtempSync(join(tmpdir(), 'prov-chain-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const signer = RecordSigner.generate();
    const errors: unknown[] = [];
    const ledger = new ChainAnchorLedger({ connection: await fx.connect(false) });
    await ledger.publishSigningKey(signer.publicKeyBytes32);
    const rec = await ProvenanceRecorder.open({ dir, signer, ledger, clock: SystemClock, batchSize: 10, intervalMs: 60_000, retryMinMs: 50, retryMaxMs: 200, onAnchorError: (e) => errors.push(e) });
    closers.push(() => rec.close());
    for (let i = 0; i < 10; i++) await rec.record({ sender: sensor, receiver: SERVER_PARTY, operation: 'register', outcome: '2.01' });
    await rec.batcher?.whenAnchored();
    const port = Number(new URL(fx.chain.rpcUrl).port);
    await fx.chain.stop();
    // records are acknowledged while the chain is out: they only wait for their anchor
    for (let i = 0; i < 35; i++) await rec.record({ sender: sensor, receiver: SERVER_PARTY, operation: 'update', outcome: '2.04' });
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(1), { timeout: 10_000, interval: 20 });
    expect(rec.batcher?.stats).toMatchObject({ batches: 4, anchored: 1 });
    const { startDevChain } = await import('../../src/chain/DevChain.js');
    fx.chain = await startDevChain({ dataDir: fx.dataDir, port });
    await vi.waitFor(() => expect(rec.batcher?.stats.anchored).toBe(4), { timeout: 20_000, interval: 50 });
    const conn = await fx.connect();
    const roots = await Promise.all([0, 1, 2, 3].map(async (i) => (await conn.call('AuditAnchor', 'rootAt', [i]))[0] as string));
    expect(roots).toEqual(rec.batcher?.allBatches().map((b) => b.root));
    expect(await conn.call('AuditAnchor', 'nextSeq', [])).toEqual([41n]);
  });

  it('deploy() completes a deployment file written before AuditAnchor existed, keeping the stores', async () => {
    const fx = (f = await startChainFixture());
    const full = readDeployment(fx.dataDir);
    if (!full) throw new Error('no deployment');
    const { AuditAnchor: _a, ...older } = full.addresses;
    writeFileSync(join(fx.dataDir, 'deployment.json'), JSON.stringify({ ...full, addresses: older }));
    // A contract added since the file was written reads as the zero address (no code) until deploy() adds it.
    expect(readDeployment(fx.dataDir)?.addresses.AuditAnchor).toBe('0x0000000000000000000000000000000000000000');
    const again = await deploy({ rpcUrl: fx.chain.rpcUrl, privateKey: fx.privateKey, dataDir: fx.dataDir });
    expect(again.reused).toBe(false);
    expect(again.deployment).toMatchObject({ block: full.block, deployer: full.deployer, addresses: { ...older } });
    expect(again.deployment.addresses.AuditAnchor).not.toBe(full.addresses.AuditAnchor);
    const c = await connectChain({ rpcUrl: fx.chain.rpcUrl, deployment: again.deployment });
    c.close();
  });
});
