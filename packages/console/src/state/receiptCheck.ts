import { canonicalRecordJson, fromHex, toHex, verifyRecordProof, type ProvenanceRecord } from '@chainm2m/provenance/browser';

/** A receipt as `GET /api/provenance/records/:seq/receipt` gives it (and `chainm2m verify` reads it). */
export interface ReceiptJson {
  readonly version: string;
  readonly record: ProvenanceRecord;
  readonly serverPublicKey: string;
  readonly proof: readonly string[];
  readonly batch: { readonly root: string; readonly prevRoot: string; readonly fromSeq: number; readonly toSeq: number; readonly count: number };
  readonly anchor: { readonly txHash: string; readonly blockNumber: number; readonly chainId: number; readonly contract: string };
}

export interface AnchorCheckJson {
  readonly anchored: boolean;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly count: number;
  readonly keyPublished: boolean;
}

export interface BrowserCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** A copy on its own ArrayBuffer, as WebCrypto takes it. */
const own = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

/**
 * Checks a receipt in the browser, as `chainm2m verify` does: the record's hash (SHA-256 of the
 * canonical encoding, the same function the server uses), the server's Ed25519 signature over it
 * (WebCrypto), the Merkle proof up to the batch root, and the root on chain through `readAnchor`.
 */
export async function checkReceipt(receipt: ReceiptJson, readAnchor: (root: string, signingKey: string) => Promise<AnchorCheckJson>): Promise<{ valid: boolean; checks: BrowserCheck[] }> {
  const checks: BrowserCheck[] = [];
  const { hash, signature, ...body } = receipt.record;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalRecordJson(body))));
  const computed = toHex(digest).slice(2);
  checks.push(computed === hash ? { name: 'record hash', ok: true, detail: computed } : { name: 'record hash', ok: false, detail: `the fields hash to ${computed}, the record says ${hash}` });
  let signed = false;
  try {
    const key = await crypto.subtle.importKey('raw', fromBase64url(receipt.serverPublicKey), { name: 'Ed25519' }, false, ['verify']);
    signed = await crypto.subtle.verify({ name: 'Ed25519' }, key, fromBase64url(signature), own(fromHex(hash)));
  } catch {
    signed = false;
  }
  checks.push({ name: 'server signature', ok: signed, detail: signed ? 'Ed25519 signature of the server over the record hash' : 'does not verify' });
  if (receipt.record.appSignature) checks.push({ name: 'application signature', ok: true, detail: `present (key ${receipt.record.appSignature.publicKey}); checked by chainm2m verify` });
  const inRange = receipt.record.seq >= receipt.batch.fromSeq && receipt.record.seq <= receipt.batch.toSeq;
  const proofOk = inRange && verifyRecordProof(receipt.batch.root, computed, receipt.proof);
  checks.push({ name: 'Merkle proof', ok: proofOk, detail: proofOk ? `record ${receipt.record.seq} is a leaf of root ${receipt.batch.root}` : 'the proof does not lead from the record to the root' });
  try {
    const a = await readAnchor(receipt.batch.root, toHex(fromBase64url(receipt.serverPublicKey)));
    const ok = a.anchored && a.fromSeq === receipt.batch.fromSeq && a.toSeq === receipt.batch.toSeq && a.count === receipt.batch.count;
    checks.push({ name: 'anchor on chain', ok, detail: ok ? `root anchored on chain ${receipt.anchor.chainId} at ${receipt.anchor.contract} for records ${a.fromSeq}..${a.toSeq}` : a.anchored ? 'the chain anchors this root for other records' : 'the root is not anchored on chain' });
    checks.push({ name: 'signing key', ok: a.keyPublished, detail: a.keyPublished ? 'published by the anchor contract' : 'not published by the anchor contract' });
  } catch (err) {
    checks.push({ name: 'anchor on chain', ok: false, detail: `cannot read the anchor: ${(err as Error).message}` });
  }
  return { valid: checks.every((c) => c.ok), checks };
}
