/**
 * Receipts: a record with everything needed to check it without the server — its Merkle proof,
 * the batch root and range, where the root was anchored (tx hash, block, chain id, contract), and
 * the server's public key. `verifyReceipt` checks the record hash, the server and application
 * signatures, the proof, and (through an injected `AnchorReader`, one `eth_call`) that the root
 * is anchored for a range holding the record and that the key is the one the contract published.
 */
import { bodyOf, parseRecord, recordHash, type ProvenanceRecord } from './ProvenanceRecord.js';
import { verifyAppSignature, verifyRecordSignature } from './RecordSigner.js';
import { verifyMerkleProof } from './MerkleBatcher.js';
import type { AnchorBatch, AnchorPlacement, AnchorReader } from './AnchorLedger.js';

export const RECEIPT_VERSION = 'chainm2m-provenance-receipt-v1';

export interface Receipt {
  readonly version: typeof RECEIPT_VERSION;
  readonly record: ProvenanceRecord;
  /** Server Ed25519 public key, raw, base64url. */
  readonly serverPublicKey: string;
  readonly proof: readonly string[];
  readonly batch: AnchorBatch;
  readonly anchor: AnchorPlacement;
}

export type ReceiptCheckName = 'format' | 'recordHash' | 'serverSignature' | 'appSignature' | 'merkleProof' | 'anchor' | 'signingKey';

export interface ReceiptCheck {
  readonly name: ReceiptCheckName;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ReceiptVerdict {
  readonly valid: boolean;
  readonly checks: readonly ReceiptCheck[];
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

function parseReceipt(v: unknown): Receipt {
  if (typeof v !== 'object' || v === null) throw new Error('not an object');
  const o = v as Record<string, unknown>;
  if (o['version'] !== RECEIPT_VERSION) throw new Error(`version is not ${RECEIPT_VERSION}`);
  const proof = o['proof'];
  if (!Array.isArray(proof) || !proof.every((p) => typeof p === 'string' && HEX32.test(p))) throw new Error('proof is not a list of bytes32');
  const b = o['batch'] as Record<string, unknown> | undefined;
  const a = o['anchor'] as Record<string, unknown> | undefined;
  if (!b || typeof b['root'] !== 'string' || !HEX32.test(b['root']) || typeof b['prevRoot'] !== 'string' || !Number.isSafeInteger(b['fromSeq']) || !Number.isSafeInteger(b['toSeq']) || !Number.isSafeInteger(b['count'])) {
    throw new Error('batch is malformed');
  }
  if (!a || typeof a['txHash'] !== 'string' || !Number.isSafeInteger(a['blockNumber']) || !Number.isSafeInteger(a['chainId']) || typeof a['contract'] !== 'string') {
    throw new Error('anchor is malformed');
  }
  if (typeof o['serverPublicKey'] !== 'string') throw new Error('serverPublicKey is missing');
  return {
    version: RECEIPT_VERSION,
    record: parseRecord(o['record']),
    serverPublicKey: o['serverPublicKey'],
    proof: proof as string[],
    batch: { root: b['root'], prevRoot: b['prevRoot'], fromSeq: b['fromSeq'] as number, toSeq: b['toSeq'] as number, count: b['count'] as number },
    anchor: { txHash: a['txHash'], blockNumber: a['blockNumber'] as number, chainId: a['chainId'] as number, contract: a['contract'] },
  };
}

/** Every check that needs no chain, in order; the receipt when it parsed. */
export function verifyReceiptOffline(value: unknown): { receipt: Receipt | undefined; checks: ReceiptCheck[] } {
  const checks: ReceiptCheck[] = [];
  let receipt: Receipt;
  try {
    receipt = parseReceipt(value);
  } catch (e) {
    checks.push({ name: 'format', ok: false, detail: e instanceof Error ? e.message : String(e) });
    return { receipt: undefined, checks };
  }
  checks.push({ name: 'format', ok: true, detail: RECEIPT_VERSION });
  const r = receipt.record;
  const hash = recordHash(bodyOf(r));
  checks.push(
    hash === r.hash
      ? { name: 'recordHash', ok: true, detail: hash }
      : { name: 'recordHash', ok: false, detail: `the record's fields hash to ${hash}, the record says ${r.hash}` },
  );
  checks.push(
    verifyRecordSignature(hash, r.signature, receipt.serverPublicKey)
      ? { name: 'serverSignature', ok: true, detail: 'Ed25519 signature of the server over the record hash' }
      : { name: 'serverSignature', ok: false, detail: 'the server signature does not verify over the record hash' },
  );
  if (r.appSignature) {
    checks.push(
      verifyAppSignature(r, r.appSignature)
        ? { name: 'appSignature', ok: true, detail: `application key ${r.appSignature.publicKey}` }
        : { name: 'appSignature', ok: false, detail: 'the application signature does not verify' },
    );
  }
  const inRange = r.seq >= receipt.batch.fromSeq && r.seq <= receipt.batch.toSeq;
  const proofOk = inRange && verifyMerkleProof(receipt.batch.root, hash, receipt.proof);
  checks.push(
    proofOk
      ? { name: 'merkleProof', ok: true, detail: `record ${r.seq} is a leaf of root ${receipt.batch.root}` }
      : { name: 'merkleProof', ok: false, detail: inRange ? 'the proof does not lead from the record hash to the root' : `record ${r.seq} is outside the batch ${receipt.batch.fromSeq}..${receipt.batch.toSeq}` },
  );
  return { receipt, checks };
}

/** All checks, the on-chain one through `readAnchor` (one `eth_call`). */
export async function verifyReceipt(value: unknown, readAnchor: AnchorReader): Promise<ReceiptVerdict> {
  const { receipt, checks } = verifyReceiptOffline(value);
  if (receipt) {
    const signingKey = `0x${Buffer.from(receipt.serverPublicKey, 'base64url').toString('hex')}`;
    try {
      const c = await readAnchor({ root: receipt.batch.root, signingKey, placement: receipt.anchor });
      const ok = c.anchored && c.fromSeq === receipt.batch.fromSeq && c.toSeq === receipt.batch.toSeq && c.count === receipt.batch.count;
      checks.push(
        ok
          ? { name: 'anchor', ok: true, detail: `root anchored on chain ${receipt.anchor.chainId} at ${receipt.anchor.contract} for records ${c.fromSeq}..${c.toSeq}` }
          : {
              name: 'anchor',
              ok: false,
              detail: c.anchored ? `the chain anchors this root for records ${c.fromSeq}..${c.toSeq}, the receipt says ${receipt.batch.fromSeq}..${receipt.batch.toSeq}` : 'the root is not anchored on chain',
            },
      );
      checks.push(
        c.keyPublished
          ? { name: 'signingKey', ok: true, detail: 'the server key is published by the anchor contract' }
          : { name: 'signingKey', ok: false, detail: 'the anchor contract did not publish this server key' },
      );
    } catch (e) {
      checks.push({ name: 'anchor', ok: false, detail: `cannot read the anchor: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return { valid: checks.every((c) => c.ok), checks };
}
