/** What a command may touch of the outside world; tests pass their own. */
export interface Io {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whole standard input (for `--password-stdin`). */
  readStdin(): Promise<string>;
  /** Asks a question without echo (passwords); undefined when there is no terminal. */
  prompt?(question: string): Promise<string>;
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  untilSignal(): Promise<string>;
}

export function print(io: Io, text = ''): void {
  io.stdout.write(`${text}\n`);
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain-text table, columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** A progress line on stderr: redrawn in place on a terminal, every 10% otherwise. */
export function progress(io: Io, label: string): (done: number, total: number) => void {
  let lastDecile = -1;
  return (done, total) => {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} (${pct}%)`;
    if (io.stderr.isTTY) {
      io.stderr.write(`\r${line}${done >= total ? '\n' : ''}`);
    } else if (Math.floor(pct / 10) !== lastDecile || done >= total) {
      lastDecile = Math.floor(pct / 10);
      io.stderr.write(`${line}\n`);
    }
  };
}
