/**
 * Turns durable records into batches: every `batchSize` records or `intervalMs` (whichever comes
 * first) the hashes of the records since the last batch become a Merkle tree identical to
 * OpenZeppelin's StandardMerkleTree of leaf encoding `bytes32` (`RecordMerkleTree`; Solidity's
 * `MerkleProof` verifies the proofs). Each batch is
 * written to `batches.jsonl` (fsync) before it is anchored through the `AnchorLedger`, strictly in
 * order, retried with backoff while the ledger fails; where it was anchored goes to
 * `anchors.jsonl`. After a restart the batches not anchored yet are anchored, and the records not
 * in a batch yet form the next one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RecordMerkleTree, verifyRecordProof } from './RecordMerkleTree.js';
import type { Clock, TimerHandle } from '@chainm2m/lwm2m';
import { ProvenanceError } from './ProvenanceError.js';
import { ZERO_ROOT, type AnchorBatch, type AnchorLedger, type AnchorPlacement } from './AnchorLedger.js';
import type { ProvenanceLog } from './ProvenanceLog.js';

export const BATCHES_FILE = 'batches.jsonl';
export const ANCHORS_FILE = 'anchors.jsonl';
export const LEAF_ENCODING = ['bytes32'] as const;

export interface MerkleBatcherOptions {
  /** Directory of the batch files (the log's directory). */
  readonly dir: string;
  readonly log: ProvenanceLog;
  readonly ledger: AnchorLedger;
  readonly clock: Clock;
  /** Records per batch (N); default 1,000. */
  readonly batchSize?: number;
  /** Longest time a durable record waits for its batch (T); default 10 s. */
  readonly intervalMs?: number;
  /** Backoff of a failing anchor: first pause, then doubling up to the maximum. Defaults 500 ms, 30 s. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** Told about every failed anchor attempt (for logs and anomalies). */
  readonly onAnchorError?: (error: unknown, batch: AnchorBatch) => void;
  readonly onAnchored?: (batch: AnchorBatch, placement: AnchorPlacement) => void;
  /** Only read the batch files (no timer, no anchoring, nothing truncated). */
  readonly readOnly?: boolean;
}

/** A record's position in its batch and the batch's anchor. */
export interface BatchInfo extends AnchorBatch {
  readonly placement: AnchorPlacement | undefined;
}

export function merkleTreeOf(hashes: readonly string[]): RecordMerkleTree {
  return RecordMerkleTree.of(hashes);
}

export function verifyMerkleProof(root: string, recordHashHex: string, proof: readonly string[]): boolean {
  return verifyRecordProof(root, recordHashHex, proof);
}

export class MerkleBatcher {
  private readonly batches: AnchorBatch[] = [];
  private readonly placements = new Map<string, AnchorPlacement>();
  private pendingHashes: string[] = [];
  private nextFrom: number;
  private timer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private anchoring = false;
  private retryMs: number;
  private lastCutAt: number;
  private closed = false;
  private readonly trees = new Map<string, RecordMerkleTree>();
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private waiters: (() => void)[] = [];

  private constructor(private readonly o: MerkleBatcherOptions) {
    this.batchSize = o.batchSize ?? 1_000;
    this.intervalMs = o.intervalMs ?? 10_000;
    this.retryMinMs = o.retryMinMs ?? 500;
    this.retryMaxMs = o.retryMaxMs ?? 30_000;
    if (!Number.isSafeInteger(this.batchSize) || this.batchSize < 1) throw new ProvenanceError('PROV_INVALID_INPUT', 'batchSize must be a positive integer');
    if (!(this.intervalMs > 0)) throw new ProvenanceError('PROV_INVALID_INPUT', 'intervalMs must be positive');
    this.retryMs = this.retryMinMs;
    this.nextFrom = 1;
    this.lastCutAt = o.clock.now();
  }

  /** Loads the batch files, queues what was not anchored, and reads the records not batched yet. */
  static open(options: MerkleBatcherOptions): MerkleBatcher {
    const b = new MerkleBatcher(options);
    const readOnly = options.readOnly === true;
    if (!readOnly) mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    for (const o of readJsonLines(join(options.dir, BATCHES_FILE), readOnly)) {
      const batch = parseBatch(o);
      if (batch.fromSeq !== b.nextFrom) throw new ProvenanceError('PROV_LOG_CORRUPT', `batch ${batch.root} starts at ${batch.fromSeq}, expected ${b.nextFrom}`);
      b.batches.push(batch);
      b.nextFrom = batch.toSeq + 1;
    }
    for (const o of readJsonLines(join(options.dir, ANCHORS_FILE), readOnly)) {
      const p = o as Record<string, unknown>;
      if (typeof p['root'] === 'string' && typeof p['txHash'] === 'string' && typeof p['blockNumber'] === 'number' && typeof p['chainId'] === 'number' && typeof p['contract'] === 'string') {
        b.placements.set(p['root'], { txHash: p['txHash'], blockNumber: p['blockNumber'], chainId: p['chainId'], contract: p['contract'] });
      }
    }
    if (readOnly) {
      b.closed = true;
      return b;
    }
    for (const r of options.log.readRange(b.nextFrom, options.log.durable)) b.pendingHashes.push(r.hash);
    b.schedule();
    b.kick();
    return b;
  }

  /** Tells the batcher that record `seq` (hash `hash`) is durable; seqs arrive in order. */
  add(seq: number, hash: string): void {
    if (this.closed) return;
    if (seq !== this.nextFrom + this.pendingHashes.length) {
      throw new ProvenanceError('PROV_INVALID_INPUT', `record ${seq} reached the batcher out of order (expected ${this.nextFrom + this.pendingHashes.length})`);
    }
    this.pendingHashes.push(hash);
    if (this.pendingHashes.length >= this.batchSize) this.cut();
  }

  /** Cuts a batch of everything pending now (also run by the timer). */
  cut(): AnchorBatch | undefined {
    this.lastCutAt = this.o.clock.now();
    if (this.pendingHashes.length === 0) return undefined;
    const hashes = this.pendingHashes;
    this.pendingHashes = [];
    const tree = merkleTreeOf(hashes);
    const batch: AnchorBatch = {
      root: tree.root,
      fromSeq: this.nextFrom,
      toSeq: this.nextFrom + hashes.length - 1,
      count: hashes.length,
      prevRoot: this.batches.at(-1)?.root ?? ZERO_ROOT,
    };
    appendJsonLine(join(this.o.dir, BATCHES_FILE), batch);
    this.batches.push(batch);
    this.nextFrom = batch.toSeq + 1;
    this.remember(batch.root, tree);
    this.kick();
    return batch;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.o.clock.setTimer(this.intervalMs, () => {
      this.cut();
      this.schedule();
    });
  }

  /** Anchors the unanchored batches in order, one at a time. */
  private kick(): void {
    if (this.anchoring || this.closed || this.retryTimer) return;
    const next = this.batches.find((b) => !this.placements.has(b.root));
    if (!next) {
      for (const w of this.waiters.splice(0)) w();
      return;
    }
    this.anchoring = true;
    this.o.ledger.anchor(next).then(
      (placement) => {
        this.anchoring = false;
        if (this.closed) return;
        this.placements.set(next.root, placement);
        try {
          appendJsonLine(join(this.o.dir, ANCHORS_FILE), { root: next.root, ...placement });
        } catch (e) {
          this.o.onAnchorError?.(e, next);
        }
        this.retryMs = this.retryMinMs;
        this.o.onAnchored?.(next, placement);
        this.kick();
      },
      (e: unknown) => {
        this.anchoring = false;
        if (this.closed) return;
        this.o.onAnchorError?.(e, next);
        const pause = this.retryMs;
        this.retryMs = Math.min(this.retryMaxMs, this.retryMs * 2);
        this.retryTimer = this.o.clock.setTimer(pause, () => {
          this.retryTimer = undefined;
          this.kick();
        });
      },
    );
  }

  /** Resolves when every batch cut so far is anchored. */
  whenAnchored(): Promise<void> {
    if (!this.anchoring && this.batches.every((b) => this.placements.has(b.root))) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  /** The batch holding `seq`, with its anchor when anchored. */
  batchOf(seq: number): BatchInfo | undefined {
    let lo = 0;
    let hi = this.batches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.batches[mid] as AnchorBatch;
      if (seq < b.fromSeq) hi = mid - 1;
      else if (seq > b.toSeq) lo = mid + 1;
      else return { ...b, placement: this.placements.get(b.root) };
    }
    return undefined;
  }

  /** The Merkle proof of record `seq` (hex `bytes32` siblings); rebuilds the batch's tree from the log. */
  proof(seq: number, hash: string): string[] | undefined {
    const b = this.batchOf(seq);
    if (!b) return undefined;
    let tree = this.trees.get(b.root);
    if (!tree) {
      const hashes = this.o.log.readRange(b.fromSeq, b.toSeq).map((r) => r.hash);
      tree = merkleTreeOf(hashes);
      this.remember(b.root, tree);
    }
    return tree.proof(hash);
  }

  /** When record `seq` is expected to be anchored (clock ms), for a 404's `expectedAt`. */
  expectedAnchorIn(seq: number): number {
    const b = this.batchOf(seq);
    if (b) return this.retryMs;
    return Math.max(0, this.lastCutAt + this.intervalMs - this.o.clock.now()) + this.retryMinMs;
  }

  get stats(): { readonly batches: number; readonly anchored: number; readonly pendingRecords: number } {
    let anchored = 0;
    for (const b of this.batches) if (this.placements.has(b.root)) anchored++;
    return { batches: this.batches.length, anchored, pendingRecords: this.pendingHashes.length };
  }

  allBatches(): readonly BatchInfo[] {
    return this.batches.map((b) => ({ ...b, placement: this.placements.get(b.root) }));
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.retryTimer?.cancel();
    for (const w of this.waiters.splice(0)) w();
  }

  private remember(root: string, tree: RecordMerkleTree): void {
    this.trees.set(root, tree);
    if (this.trees.size > 8) this.trees.delete(this.trees.keys().next().value as string);
  }
}

function parseBatch(o: unknown): AnchorBatch {
  const b = o as Record<string, unknown>;
  const ok =
    typeof b['root'] === 'string' &&
    typeof b['prevRoot'] === 'string' &&
    Number.isSafeInteger(b['fromSeq']) &&
    Number.isSafeInteger(b['toSeq']) &&
    Number.isSafeInteger(b['count']);
  if (!ok) throw new ProvenanceError('PROV_LOG_CORRUPT', 'a line of batches.jsonl is not a batch');
  return { root: b['root'] as string, fromSeq: b['fromSeq'] as number, toSeq: b['toSeq'] as number, count: b['count'] as number, prevRoot: b['prevRoot'] as string };
}

/** Lines of a JSON-lines file; a torn last line (no newline) is cut off (ignored when `readOnly`). */
export function readJsonLines(path: string, readOnly = false): unknown[] {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ProvenanceError('PROV_LOG_IO', `cannot read ${path}`, { cause: e });
  }
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end < buf.length && !readOnly) truncateSync(path, end);
  const out: unknown[] = [];
  for (const line of buf.toString('utf8', 0, end).split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      throw new ProvenanceError('PROV_LOG_CORRUPT', `${path} holds a line that is not JSON`, { cause: e });
    }
  }
  return out;
}

function appendJsonLine(path: string, value: unknown): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(value)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
