/**
 * `verify --log`: reads the log directory as it is on disk (without repairing anything) and checks
 * every record — its place in the sequence, its hash, the hash chain, the server signature, any
 * application signature — then every batch: its range follows the one before, its root is the
 * Merkle root of its records, and (through the injected reader) the chain anchors it. Names the
 * first record that fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENESIS_HASH, bodyOf, parseRecord, recordHash, type ProvenanceRecord } from './ProvenanceRecord.js';
import { verifyAppSignature, verifyRecordSignature } from './RecordSigner.js';
import { listSegments } from './ProvenanceLog.js';
import { ANCHORS_FILE, BATCHES_FILE, merkleTreeOf, readJsonLines } from './MerkleBatcher.js';
import type { AnchorPlacement, AnchorReader } from './AnchorLedger.js';

export interface LogFailure {
  /** The record that fails (or the first record of the failing batch). */
  readonly seq: number;
  readonly segment: string | undefined;
  readonly reason: string;
}

export interface LogVerdict {
  readonly valid: boolean;
  readonly records: number;
  readonly batches: number;
  readonly anchoredBatches: number;
  /** Records after the last batch (not anchored yet). */
  readonly unbatched: number;
  readonly failure: LogFailure | undefined;
}

export interface VerifyLogOptions {
  readonly dir: string;
  /** The server public key (base64url) the signatures must verify with. */
  readonly publicKey: string;
  /** Checks every batch's root on chain; without it only the files are checked. */
  readonly readAnchor?: AnchorReader | undefined;
}

export async function verifyLog(o: VerifyLogOptions): Promise<LogVerdict> {
  const hashes: string[] = [];
  let prev = GENESIS_HASH;
  let expected = 1;
  let failure: LogFailure | undefined;
  const result = (extra: Partial<LogVerdict> = {}): LogVerdict => ({
    valid: failure === undefined,
    records: hashes.length,
    batches: 0,
    anchoredBatches: 0,
    unbatched: 0,
    failure,
    ...extra,
  });
  for (const seg of listSegments(o.dir)) {
    const buf = readFileSync(join(o.dir, seg.name));
    if (seg.firstSeq !== expected) {
      failure = { seq: expected, segment: seg.name, reason: `segment ${seg.name} starts at ${seg.firstSeq}, expected ${expected}` };
      return result();
    }
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) {
        failure = { seq: expected, segment: seg.name, reason: `a torn record at byte ${pos} (the server truncates it on its next start)` };
        return result();
      }
      let r: ProvenanceRecord;
      try {
        r = parseRecord(JSON.parse(buf.toString('utf8', pos, nl)));
      } catch (e) {
        failure = { seq: expected, segment: seg.name, reason: `the line at byte ${pos} is not a record (${e instanceof Error ? e.message : String(e)})` };
        return result();
      }
      const why = checkRecord(r, expected, prev, o.publicKey);
      if (why) {
        failure = { seq: expected, segment: seg.name, reason: why };
        return result();
      }
      hashes.push(r.hash);
      prev = r.hash;
      expected++;
      pos = nl + 1;
    }
  }
  const batches = readJsonLines(join(o.dir, BATCHES_FILE), true) as { root: string; fromSeq: number; toSeq: number; count: number; prevRoot: string }[];
  const placements = new Map<string, AnchorPlacement>();
  for (const a of readJsonLines(join(o.dir, ANCHORS_FILE), true) as (AnchorPlacement & { root: string })[]) placements.set(a.root, a);
  let from = 1;
  let anchored = 0;
  let prevRoot = `0x${'0'.repeat(64)}`;
  for (const b of batches) {
    const fail = (reason: string): LogVerdict => {
      failure = { seq: b.fromSeq, segment: undefined, reason };
      return result({ batches: batches.length, anchoredBatches: anchored });
    };
    if (b.fromSeq !== from || b.toSeq < b.fromSeq || b.count !== b.toSeq - b.fromSeq + 1) return fail(`batch ${b.root} covers ${b.fromSeq}..${b.toSeq}, expected to start at ${from}`);
    if (b.prevRoot !== prevRoot) return fail(`batch ${b.root} names ${b.prevRoot} as the root before, not ${prevRoot}`);
    if (b.toSeq > hashes.length) return fail(`batch ${b.root} covers records up to ${b.toSeq}, the log ends at ${hashes.length}`);
    const root = merkleTreeOf(hashes.slice(b.fromSeq - 1, b.toSeq)).root;
    if (root !== b.root) return fail(`records ${b.fromSeq}..${b.toSeq} have Merkle root ${root}, the batch says ${b.root}`);
    const placement = placements.get(b.root);
    if (o.readAnchor && placement) {
      let c;
      try {
        c = await o.readAnchor({ root: b.root, signingKey: `0x${Buffer.from(o.publicKey, 'base64url').toString('hex')}`, placement });
      } catch (e) {
        return fail(`cannot read the anchor of batch ${b.root}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (!c.anchored || c.fromSeq !== b.fromSeq || c.toSeq !== b.toSeq) return fail(`the chain does not anchor root ${b.root} for records ${b.fromSeq}..${b.toSeq}`);
      if (!c.keyPublished) return fail('the anchor contract did not publish the server key');
    }
    if (placement) anchored++;
    prevRoot = b.root;
    from = b.toSeq + 1;
  }
  return result({ batches: batches.length, anchoredBatches: anchored, unbatched: hashes.length - (from - 1) });
}

function checkRecord(r: ProvenanceRecord, expected: number, prev: string, publicKey: string): string | undefined {
  if (r.seq !== expected) return `record ${r.seq} where ${expected} was expected`;
  if (r.prevHash !== prev) return `record ${r.seq} does not chain to the record before (prevHash ${r.prevHash}, expected ${prev})`;
  const h = recordHash(bodyOf(r));
  if (h !== r.hash) return `record ${r.seq}'s fields hash to ${h}, not to its stated hash`;
  if (!verifyRecordSignature(h, r.signature, publicKey)) return `record ${r.seq}'s server signature does not verify`;
  if (r.appSignature && !verifyAppSignature(r, r.appSignature)) return `record ${r.seq}'s application signature does not verify`;
  return undefined;
}
