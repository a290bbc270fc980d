/**
 * The provenance service: validates each message against the M2MHub policy, builds its record
 * (hash chain, server signature), appends it to the log (resolving once durable), feeds the Merkle
 * batcher, and answers queries. Recording hooks in the servers call `start`/`finish` around one
 * operation, or `record` for one-shot events.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SystemClock, type Clock } from '@chainm2m/lwm2m';
import { ProvenanceError } from './ProvenanceError.js';
import { recordHash, sha256Hex, type AppSignature, type ProvenanceAction, type ProvenanceRecord, type RecordBody } from './ProvenanceRecord.js';
import { ProvenanceLog } from './ProvenanceLog.js';
import { MerkleBatcher, type MerkleBatcherOptions } from './MerkleBatcher.js';
import { TransactionBook } from './TransactionBook.js';
import { SERVER_ID, validate, type Party, type Verdict } from './validate.js';
import type { AnchorLedger } from './AnchorLedger.js';
import type { RecordSigner } from './RecordSigner.js';
import { RECEIPT_VERSION, type Receipt } from './receipt.js';

export const PROVENANCE_DIR = 'provenance';

/** The server itself as a party (highest clearance). */
export const SERVER_PARTY: Party = { id: SERVER_ID, clearance: 255 };
export const userParty = (username: string, clearance: number): Party => ({ id: `user:${username}`, clearance });
export const endpointParty = (endpoint: string, clearance: number): Party => ({ id: `endpoint:${endpoint}`, clearance });

export interface OperationInput {
  /** The transaction to continue (`X-Provenance-Transaction`); absent = a one-operation transaction. */
  readonly tx?: string | undefined;
  /** Overrides the action (`end` for ending a transaction). */
  readonly action?: ProvenanceAction;
  readonly sender: Party;
  readonly receiver: Party;
  readonly operation: string;
  readonly path?: string | null | undefined;
  readonly contentFormat?: number | null | undefined;
  readonly request?: Uint8Array | string | null | undefined;
  readonly appSignature?: AppSignature | null | undefined;
}

export interface OperationResult {
  readonly outcome: string | null;
  readonly answer?: Uint8Array | string | null | undefined;
}

/** An operation checked and allowed, to be recorded once it is answered. */
export interface OperationHandle {
  readonly tx: string;
  readonly action: ProvenanceAction;
  finish(result: OperationResult): Promise<ProvenanceRecord>;
}

export interface ProvenanceQuery {
  readonly endpoint?: string | undefined;
  readonly tx?: string | undefined;
  /** ms since epoch, inclusive. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  readonly invalidOnly?: boolean | undefined;
  /** Only records whose sender and receiver clearance are <= this. */
  readonly maxClearance?: number | undefined;
  readonly offset?: number | undefined;
  readonly limit?: number | undefined;
}

export interface ProvenanceRecorderOptions {
  /** Directory of the log (usually `<dataDir>/provenance`). */
  readonly dir: string;
  readonly signer: RecordSigner;
  /** Without a ledger nothing is batched nor anchored. */
  readonly ledger?: AnchorLedger | undefined;
  readonly batchSize?: number | undefined;
  readonly intervalMs?: number | undefined;
  /** Backoff of a failing anchor (see `MerkleBatcherOptions`). */
  readonly retryMinMs?: number | undefined;
  readonly retryMaxMs?: number | undefined;
  readonly maxSegmentBytes?: number | undefined;
  readonly clock?: Clock | undefined;
  /** Wall time of records (ms since epoch); default `Date.now`. */
  readonly now?: (() => number) | undefined;
  readonly newTransactionId?: (() => string) | undefined;
  readonly onAnchorError?: MerkleBatcherOptions['onAnchorError'];
  /** Open beside a running server: queries and receipts only (see `ProvenanceLog` `readOnly`). */
  readonly readOnly?: boolean | undefined;
  /** Told about every record once durable (metrics, events). */
  readonly onRecord?: ((r: ProvenanceRecord) => void) | undefined;
}

const MAX_EXAMINED = 50_000;

export class ProvenanceRecorder {
  readonly book = new TransactionBook();
  private readonly byTx = new Map<string, number[]>();
  private readonly byParty = new Map<string, number[]>();
  private readonly invalid: number[] = [];
  private readonly observations = new Map<string, { tx: string; observer: Party }>();
  private log!: ProvenanceLog;
  private batcherRef: MerkleBatcher | undefined;
  private readonly now: () => number;
  private readonly newTx: () => string;

  private constructor(private readonly o: ProvenanceRecorderOptions) {
    this.now = o.now ?? Date.now;
    this.newTx = o.newTransactionId ?? randomTransactionId();
  }

  static async open(options: ProvenanceRecorderOptions): Promise<ProvenanceRecorder> {
    const rec = new ProvenanceRecorder(options);
    rec.log = await ProvenanceLog.open({
      dir: options.dir,
      ...(options.maxSegmentBytes === undefined ? {} : { maxSegmentBytes: options.maxSegmentBytes }),
      readOnly: options.readOnly === true,
      onRecord: (r) => rec.index(r),
    });
    if (options.readOnly) {
      rec.batcherRef = MerkleBatcher.open({ dir: options.dir, log: rec.log, ledger: { anchor: () => Promise.reject(new ProvenanceError('PROV_CLOSED', 'read-only')) }, clock: options.clock ?? SystemClock, readOnly: true });
    } else if (options.ledger) {
      rec.batcherRef = MerkleBatcher.open({
        dir: options.dir,
        log: rec.log,
        ledger: options.ledger,
        clock: options.clock ?? SystemClock,
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
        ...(options.retryMinMs === undefined ? {} : { retryMinMs: options.retryMinMs }),
        ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
        ...(options.onAnchorError === undefined ? {} : { onAnchorError: options.onAnchorError }),
      });
    }
    return rec;
  }

  get publicKey(): string {
    return this.o.signer.publicKey;
  }

  get batcher(): MerkleBatcher | undefined {
    return this.batcherRef;
  }

  get lastSeq(): number {
    return this.log.lastSeq;
  }

  get openReport(): ProvenanceLog['report'] {
    return this.log.report;
  }

  /** Validates without recording. */
  check(input: OperationInput): { tx: string; action: ProvenanceAction; verdict: Verdict; provenance: Party } {
    const action: ProvenanceAction = input.action ?? (input.tx === undefined ? 'begin' : 'continue');
    const tx = input.tx ?? this.newTx();
    const verdict = validate({ action, tx, sender: input.sender, receiver: input.receiver }, this.book);
    const provenance = action === 'begin' ? input.sender : (this.book.transaction(tx)?.provenance ?? input.sender);
    return { tx, action, verdict, provenance };
  }

  /**
   * Checks an operation before it runs. Allowed: a handle whose `finish` records it with its
   * answer. Refused: records it as invalid, then throws `PROV_REFUSED` with the reason.
   */
  async start(input: OperationInput): Promise<OperationHandle> {
    const c = this.check(input);
    if (!c.verdict.valid) {
      const rec = await this.append(input, c, { outcome: '403' });
      throw new ProvenanceError('PROV_REFUSED', c.verdict.message, { details: { reason: c.verdict.reason, tx: c.tx, seq: rec.seq } });
    }
    return {
      tx: c.tx,
      action: c.action,
      finish: (result) => this.append(input, c, result),
    };
  }

  /** Records a one-shot message (notification, registration event, management change); never throws on a refusal, the record is marked invalid. */
  async record(input: OperationInput & OperationResult): Promise<ProvenanceRecord> {
    return this.append(input, this.check(input), input);
  }

  /** `POST /api/provenance/transactions`: begins a transaction whose provenance is `sender`. */
  async beginTransaction(sender: Party, appSignature?: AppSignature | null): Promise<ProvenanceRecord> {
    return this.record({ sender, receiver: SERVER_PARTY, operation: 'transaction.begin', action: 'begin', outcome: '201', appSignature });
  }

  /** Ends a transaction; throws `PROV_REFUSED` (recorded invalid) for an unknown or closed one. */
  async endTransaction(tx: string, sender: Party, appSignature?: AppSignature | null): Promise<ProvenanceRecord> {
    const h = await this.start({ tx, action: 'end', sender, receiver: SERVER_PARTY, operation: 'transaction.end', appSignature });
    return h.finish({ outcome: '200' });
  }

  /** Notifications of an observation continue its transaction. */
  observed(endpoint: string, path: string, tx: string, observer: Party): void {
    this.observations.set(`${endpoint} ${path}`, { tx, observer });
  }

  unobserved(endpoint: string, path: string): void {
    this.observations.delete(`${endpoint} ${path}`);
  }

  observationOf(endpoint: string, path: string): { tx: string; observer: Party } | undefined {
    return this.observations.get(`${endpoint} ${path}`);
  }

  private async append(input: OperationInput, c: ReturnType<ProvenanceRecorder['check']>, result: OperationResult): Promise<ProvenanceRecord> {
    const body: RecordBody = {
      seq: this.log.lastSeq + 1,
      time: this.now(),
      tx: c.tx,
      provenance: c.provenance.id,
      sender: input.sender.id,
      senderClearance: input.sender.clearance,
      receiver: input.receiver.id,
      receiverClearance: input.receiver.clearance,
      action: c.action,
      operation: input.operation,
      path: input.path ?? null,
      contentFormat: input.contentFormat ?? null,
      requestSha256: input.request === undefined || input.request === null ? null : sha256Hex(input.request),
      answerSha256: result.answer === undefined || result.answer === null ? null : sha256Hex(result.answer),
      outcome: result.outcome,
      valid: c.verdict.valid,
      reason: c.verdict.valid ? null : c.verdict.reason,
      prevHash: this.log.lastHash,
      appSignature: input.appSignature ?? null,
    };
    const hash = recordHash(body);
    const record: ProvenanceRecord = { ...body, hash, signature: this.o.signer.signHash(hash) };
    // The transaction state changes with the record, in order, before the next check.
    this.index(record);
    await this.log.append(record);
    this.batcherRef?.add(record.seq, record.hash);
    this.o.onRecord?.(record);
    return record;
  }

  private index(r: ProvenanceRecord): void {
    this.book.apply(r);
    push(this.byTx, r.tx, r.seq);
    push(this.byParty, r.sender, r.seq);
    if (r.receiver !== r.sender) push(this.byParty, r.receiver, r.seq);
    if (!r.valid) this.invalid.push(r.seq);
  }

  get(seq: number): ProvenanceRecord | undefined {
    return this.log.read(seq);
  }

  /** The records of one transaction in order. */
  transaction(tx: string, maxClearance = 255): ProvenanceRecord[] {
    return (this.byTx.get(tx) ?? []).map((s) => this.log.read(s)).filter((r): r is ProvenanceRecord => r !== undefined && visible(r, maxClearance));
  }

  /** Newest first, filtered; `offset`/`limit` count visible records. */
  list(q: ProvenanceQuery): { items: ProvenanceRecord[]; total: number | undefined } {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const offset = Math.max(q.offset ?? 0, 0);
    const maxClearance = q.maxClearance ?? 255;
    let candidates: readonly number[] | undefined;
    const pick = (list: readonly number[] | undefined): void => {
      const l = list ?? [];
      if (candidates === undefined || l.length < candidates.length) candidates = l;
    };
    if (q.tx !== undefined) pick(this.byTx.get(q.tx));
    if (q.endpoint !== undefined) pick(this.byParty.get(`endpoint:${q.endpoint}`));
    if (q.invalidOnly) pick(this.invalid);
    const items: ProvenanceRecord[] = [];
    let skipped = 0;
    let examined = 0;
    const take = (seq: number): boolean => {
      if (++examined > MAX_EXAMINED) return false;
      const r = this.log.read(seq);
      if (!r || !visible(r, maxClearance)) return true;
      if (q.tx !== undefined && r.tx !== q.tx) return true;
      if (q.endpoint !== undefined && r.sender !== `endpoint:${q.endpoint}` && r.receiver !== `endpoint:${q.endpoint}`) return true;
      if (q.invalidOnly && r.valid) return true;
      if (q.since !== undefined && r.time < q.since) return true;
      if (q.until !== undefined && r.time > q.until) return true;
      if (skipped < offset) {
        skipped++;
        return true;
      }
      items.push(r);
      return items.length < limit;
    };
    if (candidates) {
      for (let i = candidates.length - 1; i >= 0; i--) if (!take(candidates[i] as number)) break;
    } else {
      for (let s = this.log.durable; s >= 1; s--) if (!take(s)) break;
    }
    return { items, total: undefined };
  }

  /** The receipt of record `seq`; throws `PROV_NOT_FOUND`, or `PROV_NOT_ANCHORED` with `details.expectedInMs`. */
  receipt(seq: number): Receipt {
    const record = this.log.read(seq);
    if (!record) throw new ProvenanceError('PROV_NOT_FOUND', `no provenance record ${seq}`);
    const b = this.batcherRef;
    const batch = b?.batchOf(seq);
    if (!b || !batch?.placement) {
      throw new ProvenanceError('PROV_NOT_ANCHORED', `record ${seq} is not anchored yet`, {
        details: { expectedInMs: b ? b.expectedAnchorIn(seq) : null },
      });
    }
    const proof = b.proof(seq, record.hash);
    if (!proof) throw new ProvenanceError('PROV_LOG_CORRUPT', `record ${seq} is not a leaf of its batch any more`);
    const { placement, ...anchorBatch } = batch;
    return { version: RECEIPT_VERSION, record, serverPublicKey: this.o.signer.publicKey, proof, batch: anchorBatch, anchor: placement };
  }

  async close(): Promise<void> {
    this.batcherRef?.close();
    await this.log.close();
  }
}

/** Whether a caller of clearance `maxClearance` may see the record (the server itself is no bar). */
/** 96-bit random ids, base64url, drawn from a pooled buffer (one `randomBytes` per 340 ids). */
function randomTransactionId(): () => string {
  let pool = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 12 > pool.length) {
      pool = randomBytes(4080);
      at = 0;
    }
    at += 12;
    return pool.toString('base64url', at - 12, at);
  };
}

export function visible(r: Pick<RecordBody, 'sender' | 'senderClearance' | 'receiver' | 'receiverClearance'>, maxClearance: number): boolean {
  return (r.sender === SERVER_PARTY.id || r.senderClearance <= maxClearance) && (r.receiver === SERVER_PARTY.id || r.receiverClearance <= maxClearance);
}

function push(m: Map<string, number[]>, k: string, v: number): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

export function provenanceDir(dataDir: string): string {
  return join(dataDir, PROVENANCE_DIR);
}
