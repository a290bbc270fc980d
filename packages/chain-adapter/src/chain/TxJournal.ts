/**
 * The write-ahead journal of signed transactions: every transaction a `TxSender` signs is
 * appended here and fdatasync'ed before it is broadcast, so a write acknowledged from its receipt
 * survives a node that loses its last seconds (the dev chain after `kill -9`, a reorg): on the
 * next start (or after the node restarts) the journal re-sends what the chain lacks, with the
 * same nonce, signature and hash.
 *
 * One file per process, `<dir>/<pid>.jsonl`, so a CLI command beside `chainm2m up` journals its
 * own writes; files of processes that are gone are replayed by whoever recovers next and absorbed
 * by the owner's `trim`. Lines: `{"t":"tx", n, h, raw, c, m}` and `{"t":"x", h}`
 * (abandoned: the node refused it, so it can never be mined). A torn last line is ignored.
 *
 * Trimmed once the chain's own persisted state holds an entry (a dev-chain checkpoint at or past
 * its block, or enough confirmations on a real network): see `trim`.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { decodeRawTransaction } from './rlpTx.js';

export interface JournalEntry {
  readonly nonce: number;
  readonly hash: string;
  readonly raw: string;
  /** What was signed, for a fresh re-send when its nonce went to another transaction. */
  readonly to: string | null;
  readonly data: string;
  readonly gasLimit: string;
  readonly contract: string;
  readonly method: string;
}

interface Line {
  t: 'tx' | 'x';
  h: string;
  n?: number;
  raw?: string;
  c?: string;
  m?: string;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseFile(path: string): JournalEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const byHash = new Map<string, JournalEntry>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let l: Line;
    try {
      l = JSON.parse(line) as Line;
    } catch {
      continue; // torn last line
    }
    if (l.t === 'x') byHash.delete(l.h);
    else if (l.t === 'tx' && typeof l.n === 'number' && typeof l.raw === 'string') {
      // What was signed is read back from the signed bytes (written once, not twice).
      const tx = decodeRawTransaction(l.raw);
      if (!tx) continue;
      byHash.set(l.h, { nonce: l.n, hash: l.h, raw: l.raw, to: tx.to, data: tx.data, gasLimit: tx.gasLimit.toString(), contract: l.c ?? '', method: l.m ?? '' });
    }
  }
  return [...byHash.values()];
}

function line(e: JournalEntry): string {
  return `${JSON.stringify({ t: 'tx', n: e.nonce, h: e.hash, raw: e.raw, c: e.contract, m: e.method })}\n`;
}

export class TxJournal {
  /** This process's entries not trimmed yet, by hash. */
  private readonly own = new Map<string, JournalEntry>();
  /** Blocks entries were seen mined in (this process's observation). */
  private readonly mined = new Map<string, number>();
  private fh: FileHandle | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  readonly path: string;

  private constructor(readonly dir: string) {
    this.path = join(dir, `${process.pid}.jsonl`);
  }

  static async open(dir: string): Promise<TxJournal> {
    const j = new TxJournal(dir);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const e of parseFile(j.path)) j.own.set(e.hash, e); // a previous process with our pid
      j.fh = await open(j.path, 'a', 0o600);
    } catch (e) {
      throw new ChainAdapterError('OUTBOX_IO', `cannot open the transaction journal in ${dir}`, { cause: e });
    }
    return j;
  }

  /** Appends and fdatasyncs; resolves once the entry is on disk. */
  append(entry: JournalEntry): Promise<void> {
    this.own.set(entry.hash, entry);
    return this.write(line(entry));
  }

  /** The node refused it: it can never be mined, so it is never replayed. */
  abandon(hash: string): Promise<void> {
    if (!this.own.delete(hash)) return Promise.resolve();
    this.mined.delete(hash);
    return this.write(`${JSON.stringify({ t: 'x', h: hash })}\n`);
  }

  markMined(hash: string, block: number): void {
    if (this.own.has(hash)) this.mined.set(hash, block);
  }

  /** After the node restarted from older state: blocks seen before say nothing any more. */
  forgetMined(): void {
    this.mined.clear();
  }

  minedBlock(hash: string): number | undefined {
    return this.mined.get(hash);
  }

  byNonce(nonce: number): JournalEntry | undefined {
    for (const e of this.own.values()) if (e.nonce === nonce) return e;
    return undefined;
  }

  /** This process's entries and those of processes that are gone, in nonce order. */
  recoverable(): JournalEntry[] {
    const out = [...this.own.values()];
    for (const { entries } of this.deadFiles()) out.push(...entries);
    return out.sort((a, b) => a.nonce - b.nonce);
  }

  /** Entries still journaled (this process's). */
  size(): number {
    return this.own.size;
  }

  /**
   * Drops the entries `persisted` says the chain's persisted state holds, absorbs the entries of
   * dead processes' files that it does not hold, and deletes those files. The rewrite is atomic.
   */
  async trim(persisted: (e: JournalEntry) => Promise<boolean>): Promise<number> {
    return this.serial(async () => {
      const dead = this.deadFiles();
      const keep: JournalEntry[] = [];
      let dropped = 0;
      for (const e of [...this.own.values(), ...dead.flatMap((d) => d.entries)]) {
        if (await persisted(e)) dropped++;
        else keep.push(e);
      }
      if (dropped === 0 && dead.length === 0) return 0;
      const tmp = `${this.path}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        if (keep.length > 0) writeSync(fd, keep.map(line).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      await this.fh?.close();
      renameSync(tmp, this.path);
      syncDir(this.dir);
      this.fh = await open(this.path, 'a', 0o600);
      for (const d of dead) rmSync(d.path, { force: true });
      syncDir(this.dir);
      this.own.clear();
      for (const e of keep) this.own.set(e.hash, e);
      for (const h of [...this.mined.keys()]) if (!this.own.has(h)) this.mined.delete(h);
      return dropped;
    });
  }

  /**
   * Runs `fn` (choose the nonce, sign, journal, send) holding `<dir>/signer.lock`, so processes
   * signing with the same key beside each other (a CLI command beside `up`) take turns instead of
   * racing for nonces. A lock left by a process that is gone is taken over.
   */
  async withSignerLock<T>(fn: () => Promise<T>): Promise<T> {
    const path = join(this.dir, 'signer.lock');
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeSync(fd, String(process.pid));
        } finally {
          closeSync(fd);
        }
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ChainAdapterError('OUTBOX_IO', `cannot take the signer lock ${path}`, { cause: e });
      }
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(path, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      if (Number.isInteger(holder) && holder > 0 ? !alive(holder) : attempt > 200) rmSync(path, { force: true }); // holder gone (or never wrote its pid)
      else await new Promise((r) => setTimeout(r, 1 + Math.random() * 8));
    }
    try {
      return await fn();
    } finally {
      rmSync(path, { force: true });
    }
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      const fh = this.fh;
      this.fh = undefined;
      await fh?.close();
    });
  }

  private deadFiles(): { path: string; entries: JournalEntry[] }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: { path: string; entries: JournalEntry[] }[] = [];
    for (const name of names) {
      const m = /^(\d+)\.jsonl$/.exec(name);
      if (!m || alive(Number(m[1]))) continue;
      const path = join(this.dir, name);
      out.push({ path, entries: parseFile(path) });
    }
    return out;
  }

  private write(text: string): Promise<void> {
    return this.serial(async () => {
      if (!this.fh) throw new ChainAdapterError('CLOSED', 'the transaction journal is closed');
      try {
        await this.fh.appendFile(text);
        await this.fh.datasync();
      } catch (e) {
        throw new ChainAdapterError('OUTBOX_IO', `cannot write the transaction journal ${this.path}`, { cause: e });
      }
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
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
    // not every platform can fsync a directory
  }
}
