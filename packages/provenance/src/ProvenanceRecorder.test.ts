import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { FakeClock } from '@chainm2m/lwm2m';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvenanceRecorder, SERVER_PARTY, endpointParty, userParty } from './ProvenanceRecorder.js';
import { RecordSigner, signAppRequest } from './RecordSigner.js';
import { MemoryAnchorLedger } from './testing.js';
import { verifyReceipt, verifyReceiptOffline, type Receipt } from './receipt.js';
import { verifyLog } from './verifyLog.js';
import { segmentName } from './ProvenanceLog.js';
import { VerdictReason } from './validate.js';

const anna = userParty('operator-anna', 9);
const bob = userParty('viewer-bob', 2);
const sensor = endpointParty('urn:imei:356938035643809', 3);
const T0 = Date.parse('2026-12-04T18:05:00Z');

describe('ProvenanceRecorder', () => {
  let dir: string;
  let clock: FakeClock;
  let ledger: MemoryAnchorLedger;
  let signer: RecordSigner;
  let wall: number;
  const open = (batchSize = 4): Promise<ProvenanceRecorder> =>
    ProvenanceRecorder.open({ dir, signer, ledger, clock, batchSize, intervalMs: 5_000, retryMinMs: 100, now: () => (wall += 3) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prov-rec-'));
    clock = new FakeClock(1_000);
    ledger = new MemoryAnchorLedger();
    signer = RecordSigner.generate();
    ledger.publishedKeys.add(signer.publicKeyBytes32);
    wall = T0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a transaction: begin, read, observe, notifications continue it, end; the chain in order; refusals recorded', async () => {
    const rec = await open();
    const begin = await rec.beginTransaction(anna);
    const tx = begin.tx;
    expect(begin).toMatchObject({ seq: 1, action: 'begin', provenance: anna.id, valid: true, operation: 'transaction.begin' });

    const read = await rec.start({ tx, sender: anna, receiver: sensor, operation: 'read', path: '/3303/0/5700' });
    const r2 = await read.finish({ outcome: '2.05', answer: '21.5' });
    expect(r2).toMatchObject({ seq: 2, action: 'continue', tx, provenance: anna.id, prevHash: begin.hash });

    const obs = await rec.start({ tx, sender: anna, receiver: sensor, operation: 'observe', path: '/3303/0/5700' });
    await obs.finish({ outcome: '2.05', answer: '21.5' });
    rec.observed('urn:imei:356938035643809', '/3303/0/5700', tx, anna);
    const o = rec.observationOf('urn:imei:356938035643809', '/3303/0/5700');
    // the device (clearance 3) continues the transaction toward anna (9): valid through the provenance
    const n = await rec.record({ tx: o?.tx, sender: sensor, receiver: o?.observer ?? anna, operation: 'notify', path: '/3303/0/5700', outcome: '2.05', answer: '21.7' });
    expect(n).toMatchObject({ valid: true, action: 'continue', sender: sensor.id, receiver: anna.id, provenance: anna.id });

    await rec.endTransaction(tx, anna);
    // continuing a closed transaction: refused, recorded invalid
    const err = await rec.start({ tx, sender: anna, receiver: sensor, operation: 'read', path: '/3/0' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROV_REFUSED', details: { reason: VerdictReason.TransactionClosed, seq: 6 } });
    // an unknown transaction, a sender below the receiver
    await expect(rec.start({ tx: 'nope', sender: anna, receiver: sensor, operation: 'read' })).rejects.toMatchObject({ details: { reason: VerdictReason.UnknownTransaction } });
    await expect(rec.start({ sender: bob, receiver: sensor, operation: 'write', request: '22' })).rejects.toMatchObject({ details: { reason: VerdictReason.SenderBelowReceiver } });

    expect(rec.transaction(tx).map((r) => [r.seq, r.action, r.operation, r.valid])).toEqual([
      [1, 'begin', 'transaction.begin', true],
      [2, 'continue', 'read', true],
      [3, 'continue', 'observe', true],
      [4, 'continue', 'notify', true],
      [5, 'end', 'transaction.end', true],
      [6, 'continue', 'read', false],
    ]);
    expect(rec.get(8)).toMatchObject({ valid: false, reason: 'SENDER_BELOW_RECEIVER', outcome: '403', requestSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // queries: newest first, filters, clearance
    expect(rec.list({}).items.map((r) => r.seq)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(rec.list({ invalidOnly: true }).items.map((r) => r.seq)).toEqual([8, 7, 6]);
    expect(rec.list({ endpoint: 'urn:imei:356938035643809', limit: 2, offset: 1 }).items.map((r) => r.seq)).toEqual([7, 6]);
    expect(rec.list({ since: T0 + 3 * 4, until: T0 + 3 * 5 }).items.map((r) => r.seq)).toEqual([5, 4]);
    // a caller sees only records whose sender and receiver are within their clearance (the server is no bar)
    expect(rec.list({ maxClearance: 2 }).items).toEqual([]);
    expect(rec.list({ maxClearance: 3 }).items.map((r) => r.seq)).toEqual([8]); // bob (2) -> sensor (3)
    expect(rec.list({ maxClearance: 9 }).items.length).toBe(8);
    expect(rec.transaction(tx, 2)).toEqual([]);
    await rec.close();
  });

  it('batches every N records, anchors in order, receipts verify; tampering with record, proof, root or signature fails', async () => {
    const rec = await open(4);
    for (let i = 0; i < 10; i++) await rec.record({ sender: sensor, receiver: SERVER_PARTY, operation: 'send', path: '/3303/0', outcome: '2.04', request: `{"v":${i}}` });
    await rec.batcher?.whenAnchored();
    expect(ledger.anchored.map((a) => [a.fromSeq, a.toSeq])).toEqual([
      [1, 4],
      [5, 8],
    ]);
    expect(() => rec.receipt(9)).toThrow(expect.objectContaining({ code: 'PROV_NOT_ANCHORED' }) as Error);
    clock.advance(5_000); // T seconds: the last two go in a batch of their own
    await rec.batcher?.whenAnchored();
    expect(ledger.anchored.at(-1)).toMatchObject({ fromSeq: 9, toSeq: 10, count: 2, prevRoot: ledger.anchored[1]?.root });

    const receipt = rec.receipt(6);
    const json = JSON.parse(JSON.stringify(receipt)) as Receipt;
    const ok = await verifyReceipt(json, ledger.reader());
    expect(ok.valid, JSON.stringify(ok.checks)).toBe(true);
    expect(ok.checks.map((c) => c.name)).toEqual(['format', 'recordHash', 'serverSignature', 'merkleProof', 'anchor', 'signingKey']);

    const flip = (s: string): string => s.slice(0, -3) + (s.at(-3) === 'a' ? 'b' : 'a') + s.slice(-2);
    const failsAt = async (r: unknown): Promise<string[]> => (await verifyReceipt(r, ledger.reader())).checks.filter((c) => !c.ok).map((c) => c.name);
    expect(await failsAt({ ...json, record: { ...json.record, path: '/3303/1' } })).toEqual(['recordHash', 'serverSignature', 'merkleProof']);
    expect(await failsAt({ ...json, proof: [flip(json.proof[0] as string), ...json.proof.slice(1)] })).toEqual(['merkleProof']);
    expect(await failsAt({ ...json, batch: { ...json.batch, root: flip(json.batch.root) } })).toEqual(['merkleProof', 'anchor']);
    expect(await failsAt({ ...json, record: { ...json.record, signature: flip(json.record.signature) } })).toEqual(['serverSignature']);
    expect(await failsAt({ ...json, serverPublicKey: RecordSigner.generate().publicKey })).toEqual(['serverSignature', 'signingKey']);
    expect(await failsAt({ ...json, version: 'v0' })).toEqual(['format']);
    // a receipt verification needs no chain for everything but the root
    expect(verifyReceiptOffline(json).checks.every((c) => c.ok)).toBe(true);
    await rec.close();
  });

  it('an application signature is kept beside the server signature and verified in the receipt', async () => {
    const rec = await open(1);
    const { privateKey } = generateKeyPairSync('ed25519');
    const begin = await rec.beginTransaction(anna);
    const body = '{"value":22.5}';
    const app = signAppRequest(privateKey, 'PUT', '/api/clients/urn:imei:356938035643809/3303/0/5700', body, begin.tx);
    const h = await rec.start({ tx: begin.tx, sender: anna, receiver: sensor, operation: 'write', path: '/3303/0/5700', request: body, appSignature: app });
    const r = await h.finish({ outcome: '2.04' });
    await rec.batcher?.whenAnchored();
    const receipt = JSON.parse(JSON.stringify(rec.receipt(r.seq))) as Receipt;
    const v = await verifyReceipt(receipt, ledger.reader());
    expect(v.checks.find((c) => c.name === 'appSignature')?.ok).toBe(true);
    const forged = { ...receipt, record: { ...receipt.record, appSignature: { ...app, bodySha256: '0'.repeat(64) } } };
    expect((await verifyReceipt(forged, ledger.reader())).checks.filter((c) => !c.ok).map((c) => c.name)).toContain('appSignature');
    await rec.close();
  });

  it('batches survive a ledger outage and are anchored in order when it returns; restart re-anchors and batches what was left', async () => {
    const rec = await open(3);
    ledger.down = true;
    for (let i = 0; i < 7; i++) await rec.record({ sender: sensor, receiver: SERVER_PARTY, operation: 'register', outcome: '2.01' });
    expect(rec.batcher?.stats).toMatchObject({ batches: 2, anchored: 0, pendingRecords: 1 });
    const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
    await tick();
    clock.advance(100);
    await tick();
    clock.advance(200);
    await tick();
    expect(ledger.attempts).toBeGreaterThanOrEqual(3);
    await rec.close();

    // restart (as after kill -9): the two unanchored batches and the unbatched record come back
    const again = await open(3);
    expect(again.lastSeq).toBe(7);
    expect(again.batcher?.stats).toMatchObject({ batches: 2, anchored: 0, pendingRecords: 1 });
    ledger.down = false;
    clock.advance(30_000);
    await again.batcher?.whenAnchored();
    expect(ledger.anchored.map((a) => [a.fromSeq, a.toSeq])).toEqual([
      [1, 3],
      [4, 6],
      [7, 7],
    ]);
    expect((await verifyReceipt(again.receipt(7), ledger.reader())).valid).toBe(true);
    // the transaction book comes back from the log too
    const b = await again.beginTransaction(anna);
    await again.close();
    const third = await open(3);
    expect(third.book.transaction(b.tx)).toEqual({ provenance: anna, closed: false });
    await third.close();
  });

  it('verify --log passes, then names the record whose segment byte changed', async () => {
    const rec = await open(5);
    for (let i = 0; i < 23; i++) await rec.record({ sender: sensor, receiver: SERVER_PARTY, operation: 'notify', path: '/3303/0/5700', outcome: '2.05', answer: `${20 + i / 10}` });
    clock.advance(5_000);
    await rec.batcher?.whenAnchored();
    await rec.close();
    const ok = await verifyLog({ dir, publicKey: signer.publicKey, readAnchor: ledger.reader() });
    expect(ok).toMatchObject({ valid: true, records: 23, batches: 5, anchoredBatches: 5, unbatched: 0 });

    const path = join(dir, segmentName(1));
    const original = readFileSync(path);
    const lines = original.toString('utf8').split('\n');
    const at = original.indexOf(Buffer.from(lines[16] as string)) + (lines[16] as string).indexOf('"answerSha256":"') + 20;
    const bad = Buffer.from(original);
    bad[at] = bad[at] === 0x30 ? 0x31 : 0x30;
    writeFileSync(path, bad);
    const v = await verifyLog({ dir, publicKey: signer.publicKey, readAnchor: ledger.reader() });
    expect(v).toMatchObject({ valid: false, failure: { seq: 17, segment: segmentName(1) } });
    expect(v.failure?.reason).toMatch(/record 17's fields hash/);

    // a wrong key fails at the first record
    writeFileSync(path, original);
    const k = await verifyLog({ dir, publicKey: RecordSigner.generate().publicKey });
    expect(k.failure).toMatchObject({ seq: 1, reason: expect.stringMatching(/signature/) as string });
    // a root the chain does not have
    const noChain = new MemoryAnchorLedger();
    noChain.publishedKeys.add(signer.publicKeyBytes32);
    const c = await verifyLog({ dir, publicKey: signer.publicKey, readAnchor: noChain.reader() });
    expect(c.failure).toMatchObject({ seq: 1, reason: expect.stringMatching(/does not anchor/) as string });
  });
});
