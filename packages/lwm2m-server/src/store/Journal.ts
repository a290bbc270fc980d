/**
 * An append-only JSON-lines journal with compaction: mutations are appended (buffered, written
 * in order by one writer), and when the file has grown past `compactFactor` times the live
 * record count it is rewritten from a snapshot (temp file + rename, so a crash leaves either the
 * old or the new file). A torn last line (crash mid-write) is skipped on replay.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface JournalStats {
  lines: number;
  compactions: number;
  skippedOnReplay: number;
  writeErrors: number;
}

export class Journal {
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  readonly counters: JournalStats = { lines: 0, compactions: 0, skippedOnReplay: 0, writeErrors: 0 };

  private constructor(
    private readonly path: string,
    private fh: FileHandle,
    private readonly snapshot: () => Iterable<string>,
    private readonly liveCount: () => number,
    private readonly compactFactor: number,
    private readonly minCompactLines: number,
  ) {}

  /**
   * Opens (creating) the journal at `path`, replays every line through `replay` (a line that
   * does not parse or that `replay` rejects by throwing is skipped and counted).
   */
  static async open(opts: {
    path: string;
    replay: (record: unknown) => void;
    snapshot: () => Iterable<string>;
    liveCount: () => number;
    compactFactor?: number;
    minCompactLines?: number;
  }): Promise<Journal> {
    await mkdir(dirname(opts.path), { recursive: true });
    let content = '';
    try {
      content = await readFile(opts.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let lines = 0;
    let skipped = 0;
    let start = 0;
    while (start < content.length) {
      let end = content.indexOf('\n', start);
      if (end < 0) end = content.length;
      const line = content.slice(start, end);
      start = end + 1;
      if (line.length === 0) continue;
      lines += 1;
      try {
        opts.replay(JSON.parse(line) as unknown);
      } catch {
        skipped += 1;
      }
    }
    // A torn last line: terminate it so the next append starts on a fresh line.
    const fh = await open(opts.path, 'a');
    if (content.length > 0 && !content.endsWith('\n')) await fh.write('\n');
    const j = new Journal(opts.path, fh, opts.snapshot, opts.liveCount, opts.compactFactor ?? 2, opts.minCompactLines ?? 10_000);
    j.counters.lines = lines;
    j.counters.skippedOnReplay = skipped;
    return j;
  }

  append(record: unknown): void {
    if (this.closed) return;
    this.pending.push(JSON.stringify(record));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /** Resolves when everything appended so far is written to the file. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    this.flushing = this.writeOut().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /** Rewrites the file from the live state now. */
  async compact(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.rewrite().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.fh.close();
  }

  private async writeOut(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      await this.fh.write(batch.join('\n') + '\n');
      this.counters.lines += batch.length;
    } catch {
      this.counters.writeErrors += 1;
    }
    if (this.counters.lines > Math.max(this.minCompactLines, this.compactFactor * this.liveCount())) {
      await this.rewrite();
    }
  }

  private async rewrite(): Promise<void> {
    // The snapshot reflects every mutation appended so far: what is pending is superseded.
    this.pending = [];
    const tmp = `${this.path}.tmp`;
    const out = await open(tmp, 'w');
    let lines = 0;
    try {
      let chunk: string[] = [];
      for (const line of this.snapshot()) {
        chunk.push(line);
        lines += 1;
        if (chunk.length >= 1000) {
          await out.write(chunk.join('\n') + '\n');
          chunk = [];
        }
      }
      if (chunk.length > 0) await out.write(chunk.join('\n') + '\n');
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.path);
    const old = this.fh;
    this.fh = await open(this.path, 'a');
    await old.close();
    this.counters.lines = lines;
    this.counters.compactions += 1;
  }
}
