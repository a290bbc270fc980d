/**
 * The canonical encoding of a provenance record (what its SHA-256 covers), without Node APIs so the
 * server, the CLI's `verify` and the web console all compute it with this one function.
 */
import type { RecordBody } from './ProvenanceRecord.js';

export const RECORD_DOMAIN = 'chainm2m-provenance-v1';

/** A JSON array of the domain and every field in a fixed order (JCS-compatible: no objects). */
export function canonicalRecordJson(b: RecordBody): string {
  const s = b.appSignature;
  return JSON.stringify([
    RECORD_DOMAIN,
    b.seq,
    b.time,
    b.tx,
    b.provenance,
    b.sender,
    b.senderClearance,
    b.receiver,
    b.receiverClearance,
    b.action,
    b.operation,
    b.path,
    b.contentFormat,
    b.requestSha256,
    b.answerSha256,
    b.outcome,
    b.valid,
    b.reason,
    b.prevHash,
    s === null ? null : [s.publicKey, s.signature, s.method, s.target, s.bodySha256],
  ]);
}
