/**
 * Test helpers: an in-memory `AnchorLedger` (for unit tests only; the chain one is tested against
 * anvil in the chain adapter) and a record factory.
 */
import type { AnchorBatch, AnchorCheck, AnchorLedger, AnchorPlacement, AnchorReader } from './AnchorLedger.js';
import { GENESIS_HASH, recordHash, sha256Hex, type ProvenanceRecord, type RecordBody } from './ProvenanceRecord.js';
import { RecordSigner } from './RecordSigner.js';

export class MemoryAnchorLedger implements AnchorLedger {
  readonly anchored: (AnchorBatch & AnchorPlacement)[] = [];
  /** While set, `anchor` rejects (a chain outage). */
  down = false;
  attempts = 0;
  readonly publishedKeys = new Set<string>();

  async anchor(batch: AnchorBatch): Promise<AnchorPlacement> {
    this.attempts++;
    if (this.down) throw new Error('chain unreachable (simulated outage)');
    const had = this.anchored.find((a) => a.root === batch.root);
    if (had) return had;
    const last = this.anchored.at(-1);
    if ((last?.toSeq ?? 0) + 1 !== batch.fromSeq) throw new Error(`batch out of order: ${batch.fromSeq} after ${last?.toSeq ?? 0}`);
    const placement: AnchorPlacement = { txHash: `0x${(this.anchored.length + 1).toString(16).padStart(64, '0')}`, blockNumber: 100 + this.anchored.length, chainId: 31337, contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' };
    this.anchored.push({ ...batch, ...placement });
    return placement;
  }

  reader(): AnchorReader {
    return async ({ root, signingKey }): Promise<AnchorCheck> => {
      const a = this.anchored.find((x) => x.root === root);
      return a
        ? { anchored: true, fromSeq: a.fromSeq, toSeq: a.toSeq, count: a.count, prevRoot: a.prevRoot, keyPublished: this.publishedKeys.has(signingKey) }
        : { anchored: false, fromSeq: 0, toSeq: 0, count: 0, prevRoot: `0x${'0'.repeat(64)}`, keyPublished: this.publishedKeys.has(signingKey) };
    };
  }
}

const T = Date.parse('2026-12-04T18:05:00Z');

export function sampleBody(over: Partial<RecordBody> = {}): RecordBody {
  return {
    seq: 1,
    time: T,
    tx: 'Zk3vQp9xL2aB7cDe',
    provenance: 'user:operator-anna',
    sender: 'user:operator-anna',
    senderClearance: 9,
    receiver: 'endpoint:urn:imei:356938035643809',
    receiverClearance: 3,
    action: 'begin',
    operation: 'read',
    path: '/3303/0/5700',
    contentFormat: 11543,
    requestSha256: null,
    answerSha256: sha256Hex('{"bn":"/3303/0/","e":[{"n":"5700","v":21.5}]}'),
    outcome: '2.05',
    valid: true,
    reason: null,
    prevHash: GENESIS_HASH,
    appSignature: null,
    ...over,
  };
}

/** The key `chainOf` signs with. */
export const testSigner = RecordSigner.generate();

/** `n` signed records chained from `prev`. */
export function chainOf(n: number, from = 1, prev = GENESIS_HASH): ProvenanceRecord[] {
  const out: ProvenanceRecord[] = [];
  for (let i = 0; i < n; i++) {
    const body = sampleBody({ seq: from + i, time: Date.parse('2026-12-04T18:05:00Z') + i * 7, prevHash: prev, tx: `tx-${(from + i) % 97}` });
    const hash = recordHash(body);
    out.push({ ...body, hash, signature: testSigner.signHash(hash) });
    prev = hash;
  }
  return out;
}

