/** Runs the `chainm2m` CLI in child processes for e2e tests (free ports, output capture, waits). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../src/main.ts');

/** A port free for both UDP and TCP right now (the server binds it a moment later). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

export interface CliProcess {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number>;
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv, opts: { detached?: boolean } = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: opts.detached ?? false });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  child.stdin?.end('');
  return { child, output: () => out, exited };
}

export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const p = startCli(args, env);
  const code = await p.exited;
  return { code, out: p.output() };
}

export async function waitForOutput(output: () => string, text: string | RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(typeof text === 'string' ? output().includes(text) : text.test(output()))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; output so far:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
