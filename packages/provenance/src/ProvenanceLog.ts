/**
 * The append-only provenance log: segment files `segment-<first seq>.log` in one directory, one
 * record per line (JSON). Appends are group-committed: every record appended while a write is in
 * flight goes out in the next single write + fdatasync, and each append resolves only once its
 * bytes are on disk. A segment past `maxSegmentBytes` is closed and a new one begins; nothing is
 * ever rewritten in place. `open` after a crash truncates only a torn tail (bytes after the last
 * newline of the last segment); anything else that is not a record is reported, never repaired.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ProvenanceError } from './ProvenanceError.js';
import { GENESIS_HASH, parseRecord, type ProvenanceRecord } from './ProvenanceRecord.js';

const SEGMENT_RE = /^segment-(\d{16})\.log$/;
export const DEFAULT_MAX_SEGMENT_BYTES = 64 * 1024 * 1024;

export function segmentName(firstSeq: number): string {
  return `segment-${String(firstSeq).padStart(16, '0')}.log`;
}

/** Segment files of `dir` in order, with their first sequence number. */
export function listSegments(dir: string): { name: string; firstSeq: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ProvenanceError('PROV_LOG_IO', `cannot list the provenance log ${dir}`, { cause: e });
  }
  return names
    .map((name) => ({ name, m: SEGMENT_RE.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ name: x.name, firstSeq: Number(x.m[1]) }))
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The serialized line of a record (fixed key order). */
export function recordLine(r: ProvenanceRecord): string {
  const o: ProvenanceRecord = {
    seq: r.seq,
    time: r.time,
    tx: r.tx,
    provenance: r.provenance,
    sender: r.sender,
    senderClearance: r.senderClearance,
    receiver: r.receiver,
    receiverClearance: r.receiverClearance,
    action: r.action,
    operation: r.operation,
    path: r.path,
    contentFormat: r.contentFormat,
    requestSha256: r.requestSha256,
    answerSha256: r.answerSha256,
    outcome: r.outcome,
    valid: r.valid,
    reason: r.reason,
    prevHash: r.prevHash,
    appSignature: r.appSignature,
    hash: r.hash,
    signature: r.signature,
  };
  return `${JSON.stringify(o)}\n`;
}

export interface ProvenanceLogOptions {
  readonly dir: string;
  readonly maxSegmentBytes?: number;
  /** Read what is there without creating, truncating or appending (a reader beside the server). */
  readonly readOnly?: boolean;
  /** Called for every record found by `open`, in order (to rebuild indexes). */
  readonly onRecord?: (r: ProvenanceRecord) => void;
}

interface Segment {
  readonly name: string;
  readonly firstSeq: number;
  /** Byte offset of each record's line; `offsets[i]` is record `firstSeq + i`. */
  readonly offsets: number[];
  size: number;
}

interface Pending {
  readonly record: ProvenanceRecord;
  readonly line: Buffer;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export interface OpenReport {
  readonly records: number;
  /** Bytes cut off the last segment (a write torn by a crash). */
  readonly truncatedBytes: number;
}

export class ProvenanceLog {
  private readonly segments: Segment[] = [];
  private handle: FileHandle | undefined;
  private pending: Pending[] = [];
  private inFlight: Pending[] = [];
  private flushing = false;
  private closed = false;
  private lastSeqAssigned: number;
  private lastHashAssigned: string;
  private durableSeq: number;
  private failure: unknown;
  private readOnly = false;
  readonly report: OpenReport;

  private constructor(
    private readonly dir: string,
    private readonly maxSegmentBytes: number,
    report: OpenReport,
    lastSeq: number,
    lastHash: string,
  ) {
    this.report = report;
    this.lastSeqAssigned = lastSeq;
    this.lastHashAssigned = lastHash;
    this.durableSeq = lastSeq;
  }

  /** Opens (or creates) the log in `dir`, truncating a torn tail of the last segment. */
  static async open(options: ProvenanceLogOptions): Promise<ProvenanceLog> {
    const { dir } = options;
    const readOnly = options.readOnly === true;
    try {
      if (!readOnly) mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new ProvenanceError('PROV_LOG_IO', `cannot create the provenance log directory ${dir}`, { cause: e });
    }
    if (!readOnly) takeLock(dir);
    const found = listSegments(dir);
    const segments: Segment[] = [];
    let lastSeq = 0;
    let lastHash = GENESIS_HASH;
    let records = 0;
    let truncatedBytes = 0;
    for (let i = 0; i < found.length; i++) {
      const { name, firstSeq } = found[i] as { name: string; firstSeq: number };
      const path = join(dir, name);
      const isLast = i === found.length - 1;
      const buf = readSegment(path);
      const end = buf.lastIndexOf(0x0a) + 1;
      if (end < buf.length && !(readOnly && isLast)) {
        if (!isLast) throw corrupt(name, `segment ${name} does not end with a complete record`);
        truncatedBytes = buf.length - end;
        try {
          truncateSync(path, end);
        } catch (e) {
          throw new ProvenanceError('PROV_LOG_IO', `cannot truncate the torn tail of ${name}`, { cause: e });
        }
      }
      if (firstSeq !== lastSeq + 1) throw corrupt(name, `segment ${name} starts at ${firstSeq}, expected ${lastSeq + 1}`);
      const seg: Segment = { name, firstSeq, offsets: [], size: end };
      let pos = 0;
      while (pos < end) {
        const nl = buf.indexOf(0x0a, pos);
        let r: ProvenanceRecord;
        try {
          r = parseRecord(JSON.parse(buf.toString('utf8', pos, nl)));
        } catch (e) {
          throw corrupt(name, `segment ${name} holds a line at byte ${pos} that is not a record`, e);
        }
        if (r.seq !== lastSeq + 1) throw corrupt(name, `segment ${name}: record ${r.seq} where ${lastSeq + 1} was expected`);
        seg.offsets.push(pos);
        lastSeq = r.seq;
        lastHash = r.hash;
        records++;
        options.onRecord?.(r);
        pos = nl + 1;
      }
      segments.push(seg);
    }
    const log = new ProvenanceLog(dir, options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES, { records, truncatedBytes }, lastSeq, lastHash);
    log.segments.push(...segments);
    log.readOnly = readOnly;
    return log;
  }

  /** Sequence number of the last record appended (not necessarily durable yet). */
  get lastSeq(): number {
    return this.lastSeqAssigned;
  }

  /** Hash of the last record appended (the next record's `prevHash`). */
  get lastHash(): string {
    return this.lastHashAssigned;
  }

  /** Highest sequence number on disk. */
  get durable(): number {
    return this.durableSeq;
  }

  /**
   * Appends the next record (its `seq` must follow `lastSeq`, its `prevHash` be `lastHash`);
   * resolves once it is on disk.
   */
  append(record: ProvenanceRecord): Promise<void> {
    if (this.closed) return Promise.reject(new ProvenanceError('PROV_CLOSED', 'the provenance log is closed'));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.readOnly) return Promise.reject(new ProvenanceError('PROV_CLOSED', 'the provenance log is open read-only'));
    if (record.seq !== this.lastSeqAssigned + 1 || record.prevHash !== this.lastHashAssigned) {
      return Promise.reject(new ProvenanceError('PROV_INVALID_INPUT', `record ${record.seq} does not follow record ${this.lastSeqAssigned}`));
    }
    this.lastSeqAssigned = record.seq;
    this.lastHashAssigned = record.hash;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, line: Buffer.from(recordLine(record), 'utf8'), resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      this.inFlight = batch;
      try {
        const first = (batch[0] as Pending).record.seq;
        let seg = this.segments.at(-1);
        if (!seg || !this.handle || seg.size >= this.maxSegmentBytes) seg = await this.rotate(first, seg);
        const buf = Buffer.concat(batch.map((p) => p.line));
        let written = 0;
        while (written < buf.length) {
          const { bytesWritten } = await (this.handle as FileHandle).write(buf, written, buf.length - written);
          written += bytesWritten;
        }
        await (this.handle as FileHandle).datasync();
        let off = seg.size;
        for (const p of batch) {
          seg.offsets.push(off);
          off += p.line.length;
        }
        seg.size = off;
        this.durableSeq = (batch.at(-1) as Pending).record.seq;
        this.inFlight = [];
        for (const p of batch) p.resolve();
      } catch (e) {
        // A failed write leaves the file in an unknown state: refuse further appends.
        this.failure = new ProvenanceError('PROV_LOG_IO', 'cannot write the provenance log', { cause: e });
        this.inFlight = [];
        for (const p of [...batch, ...this.pending]) p.reject(this.failure);
        this.pending = [];
      }
    }
    this.flushing = false;
  }

  /** Reopens the last segment, or closes a full one and starts `segment-<firstSeq>.log`. */
  private async rotate(firstSeq: number, current: Segment | undefined): Promise<Segment> {
    if (!this.handle && current && (current.size < this.maxSegmentBytes || current.offsets.length === 0)) {
      this.handle = await openFile(join(this.dir, current.name), 'a');
      return current;
    }
    if (this.handle) {
      await this.handle.close();
      this.handle = undefined;
    }
    const name = segmentName(firstSeq);
    this.handle = await openFile(join(this.dir, name), 'wx', 0o600);
    syncDir(this.dir);
    const seg: Segment = { name, firstSeq, offsets: [], size: 0 };
    this.segments.push(seg);
    return seg;
  }

  /** The record `seq`, or `undefined` when there is none (yet). */
  read(seq: number): ProvenanceRecord | undefined {
    if (!Number.isSafeInteger(seq) || seq < 1) return undefined;
    if (seq > this.durableSeq) {
      return [...this.inFlight, ...this.pending].find((p) => p.record.seq === seq)?.record;
    }
    const seg = this.segmentOf(seq);
    if (!seg) return undefined;
    const i = seq - seg.firstSeq;
    const start = seg.offsets[i];
    if (start === undefined) return undefined;
    const end = seg.offsets[i + 1] ?? seg.size;
    const buf = Buffer.alloc(end - start);
    let fd: number | undefined;
    try {
      fd = openSync(join(this.dir, seg.name), 'r');
      readExactly(fd, buf, start);
    } catch (e) {
      throw new ProvenanceError('PROV_LOG_IO', `cannot read record ${seq}`, { cause: e });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    try {
      return parseRecord(JSON.parse(buf.toString('utf8')));
    } catch (e) {
      throw corrupt(seg.name, `record ${seq} in ${seg.name} is not a record any more`, e);
    }
  }

  /** Records `from..to` (inclusive, durable ones only), in order. */
  readRange(from: number, to: number): ProvenanceRecord[] {
    const out: ProvenanceRecord[] = [];
    for (let s = Math.max(1, from); s <= Math.min(to, this.durableSeq); s++) {
      const r = this.read(s);
      if (r) out.push(r);
    }
    return out;
  }

  private segmentOf(seq: number): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found: Segment | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid] as Segment;
      if (s.firstSeq <= seq) {
        found = s;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Segment files (for inspection). */
  get segmentNames(): readonly string[] {
    return this.segments.map((s) => s.name);
  }

  /** Waits for the appends in progress, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing) await new Promise((r) => setImmediate(r));
    this.closed = true;
    await this.handle?.close();
    this.handle = undefined;
    if (!this.readOnly) releaseLock(this.dir);
  }
}

export const LOCK_FILE = 'LOCK';

/** One writer per log: `LOCK` holds the writer's pid; a lock of a process that is gone is taken over. */
function takeLock(dir: string): void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ProvenanceError('PROV_LOG_IO', `cannot lock the provenance log ${dir}`, { cause: e });
    }
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new ProvenanceError('PROV_LOG_IO', `the provenance log ${dir} is in use by process ${pid}`, { details: { pid } });
    }
    unlinkSync(path);
  }
  throw new ProvenanceError('PROV_LOG_IO', `cannot lock the provenance log ${dir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(dir: string): void {
  try {
    if (Number(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()) === process.pid) unlinkSync(join(dir, LOCK_FILE));
  } catch {
    // already gone
  }
}

function readSegment(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ProvenanceError('PROV_LOG_IO', `cannot read ${path}`, { cause: e });
  }
}

function readExactly(fd: number, buf: Buffer, position: number): void {
  let got = 0;
  while (got < buf.length) {
    const n = readSyncAt(fd, buf, got, position + got);
    if (n === 0) throw new Error('unexpected end of segment');
    got += n;
  }
}

function readSyncAt(fd: number, buf: Buffer, offset: number, position: number): number {
  return readSync(fd, buf, offset, buf.length - offset, position);
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a directory; the segment's own fdatasync still holds.
  }
}

function corrupt(segment: string, message: string, cause?: unknown): ProvenanceError {
  return new ProvenanceError('PROV_LOG_CORRUPT', message, { details: { segment }, ...(cause === undefined ? {} : { cause }) });
}
