/** Spawning real interop peers with hard timeouts; every process is tracked and killed. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const live = new Set<ChildProcess>();

/**
 * Runs a command to completion (or kills it after `timeoutMs`), feeding `input` on stdin. Stdin is
 * closed once stdout matches `closeStdinOn`, or after `keepStdinOpenMs` at the latest.
 */
export function run(cmd: string, args: readonly string[], opts: { timeoutMs: number; input?: string; keepStdinOpenMs?: number; closeStdinOn?: RegExp }): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(p);
    let stdout = '';
    let stderr = '';
    p.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.closeStdinOn?.test(stdout)) p.stdin?.end();
    });
    p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdin?.on('error', () => {});
    if (opts.input !== undefined) p.stdin?.write(opts.input);
    const endIn = setTimeout(() => p.stdin?.end(), opts.keepStdinOpenMs ?? 0);
    const kill = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs);
    p.on('close', (code) => {
      clearTimeout(kill);
      clearTimeout(endIn);
      live.delete(p);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running peer; returns it with a way to wait for output. */
export function start(cmd: string, args: readonly string[]): { proc: ChildProcess; output: () => string; waitFor: (re: RegExp, timeoutMs: number) => Promise<boolean> } {
  const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(p);
  p.on('close', () => live.delete(p));
  p.stdin?.on('error', () => {});
  let out = '';
  p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const waitFor = async (re: RegExp, timeoutMs: number): Promise<boolean> => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (re.test(out)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return re.test(out);
  };
  return { proc: p, output: () => out, waitFor };
}

export function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
  live.clear();
}
