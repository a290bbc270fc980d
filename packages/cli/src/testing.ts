import type { Io } from './Io.js';

/** An Io that records output, for tests. */
export function memoryIo(opts: { stdin?: string; env?: Record<string, string>; tty?: boolean } = {}): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t), isTTY: opts.tty ?? false },
    stderr: { write: (t: string) => (err += t), isTTY: false },
    env: opts.env ?? {},
    readStdin: async () => opts.stdin ?? '',
    untilSignal: () => new Promise<string>(() => undefined),
    out: () => out,
    err: () => err,
  };
}
