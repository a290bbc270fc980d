/**
 * The anomaly outbox: an append-only JSONL journal in the data directory. A record is
 * acknowledged only after its line is fsync'ed; the transaction that carries it is journaled
 * (hash + signed bytes) before it is broadcast, so a restart can tell "mined" from "lost" and
 * neither drops nor doubles a record.
 *
 * Lines: `{"t":"add","k":key,"a":anomaly}`, `{"t":"sent","k":[keys],"h":hash,"raw":rawTx}`,
 * `{"t":"done","k":[keys],"h":hash,"id":firstId}`, `{"t":"drop","k":[keys],"reason":text}`.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NewAnomaly } from '@chainm2m/lwm2m';
import { ChainAdapterError } from '../ChainAdapterError.js';

export type OutboxLine =
  | { readonly t: 'add'; readonly k: string; readonly a: NewAnomaly }
  | { readonly t: 'sent'; readonly k: readonly string[]; readonly h: string; readonly raw: string }
  | { readonly t: 'done'; readonly k: readonly string[]; readonly h: string; readonly id: number }
  | { readonly t: 'drop'; readonly k: readonly string[]; readonly reason: string };

export interface OutboxEntry {
  readonly key: string;
  readonly anomaly: NewAnomaly;
  /** The last transaction journaled for it whose outcome is not known yet. */
  sent: { readonly hash: string; readonly raw: string; readonly keys: readonly string[] } | undefined;
}

/** Reads a journal; a torn last line (crash mid-write) is ignored. Returns unfinished entries in order. */
export function readOutbox(path: string): { entries: OutboxEntry[]; corruptLines: number } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], corruptLines: 0 };
    throw new ChainAdapterError('OUTBOX_IO', `cannot read the anomaly outbox ${path}`, { cause: e });
  }
  const entries = new Map<string, OutboxEntry>();
  let corruptLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let l: OutboxLine;
    try {
      l = JSON.parse(line) as OutboxLine;
    } catch {
      corruptLines++;
      continue;
    }
    if (l.t === 'add' && typeof l.k === 'string' && l.a) entries.set(l.k, { key: l.k, anomaly: l.a, sent: undefined });
    else if (l.t === 'sent' && Array.isArray(l.k)) {
      for (const k of l.k) {
        const e = entries.get(k);
        if (e) e.sent = { hash: l.h, raw: l.raw, keys: l.k };
      }
    } else if ((l.t === 'done' || l.t === 'drop') && Array.isArray(l.k)) {
      for (const k of l.k) entries.delete(k);
    }
  }
  return { entries: [...entries.values()], corruptLines };
}

/** Rewrites the journal with only the given unfinished entries (atomic rename). */
export function compactOutbox(path: string, entries: readonly OutboxEntry[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const lines: string[] = [];
  const sentSeen = new Set<string>();
  for (const e of entries) {
    lines.push(JSON.stringify({ t: 'add', k: e.key, a: e.anomaly }));
  }
  for (const e of entries) {
    if (e.sent && !sentSeen.has(e.sent.hash)) {
      sentSeen.add(e.sent.hash);
      lines.push(JSON.stringify({ t: 'sent', k: e.sent.keys, h: e.sent.hash, raw: e.sent.raw }));
    }
  }
  const fd = openSync(tmp, 'w', 0o600);
  try {
    if (lines.length > 0) writeSync(fd, `${lines.join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // directories cannot be fsync'ed on every platform
  }
}

/** Appends lines with group commit: concurrent writers share one write + fdatasync. */
interface QueuedOp {
  /** Lines to append, or a conditional truncation. */
  readonly text?: string;
  readonly truncateIf?: () => boolean;
  resolve(): void;
  reject(e: unknown): void;
}

export class OutboxJournal {
  private fh: FileHandle | undefined;
  private queued: QueuedOp[] = [];
  private writing = false;

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<OutboxJournal> {
    const j = new OutboxJournal(path);
    try {
      j.fh = await open(path, 'a', 0o600);
    } catch (e) {
      throw new ChainAdapterError('OUTBOX_IO', `cannot open the anomaly outbox ${path}`, { cause: e });
    }
    return j;
  }

  append(lines: readonly OutboxLine[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ text: lines.map((l) => `${JSON.stringify(l)}\n`).join(''), resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  /**
   * Empties the journal if `check()` still holds when its turn comes: serialised with the appends,
   * so a line written before it is never cut unless `check` says everything in the file is finished.
   */
  truncateIf(check: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ truncateIf: check, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  async close(): Promise<void> {
    await this.idle();
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }

  private async idle(): Promise<void> {
    while (this.writing || this.queued.length > 0) {
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queued.length > 0) {
      // Consecutive appends share one write + fdatasync; a truncation runs alone, in order.
      const first = this.queued[0] as QueuedOp;
      const nextTruncate = this.queued.findIndex((q) => q.truncateIf !== undefined);
      const n = first.truncateIf ? 1 : nextTruncate === -1 ? this.queued.length : nextTruncate;
      const batch = this.queued.splice(0, n);
      try {
        if (!this.fh) throw new ChainAdapterError('CLOSED', 'the anomaly outbox is closed');
        if (first.truncateIf) {
          if (first.truncateIf()) {
            await this.fh.truncate(0);
            await this.fh.datasync();
          }
        } else {
          await this.fh.appendFile(batch.map((b) => b.text ?? '').join(''));
          await this.fh.datasync();
        }
        for (const b of batch) b.resolve();
      } catch (e) {
        const err = e instanceof ChainAdapterError ? e : new ChainAdapterError('OUTBOX_IO', `cannot write the anomaly outbox ${this.path}`, { cause: e });
        for (const b of batch) b.reject(err);
      }
    }
    this.writing = false;
  }
}
