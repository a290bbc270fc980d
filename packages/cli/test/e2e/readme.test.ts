/**
 * The README is true: its quick-start and test commands are the ones this repository runs, and its
 * tour is executed line by line against a real stack (`./chainm2m up` on a dev chain), each
 * `# => text` line checked against what the command above it printed. Changing a documented
 * command or output without changing what the stack does fails this test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort } from './cliProcess.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced `sh` blocks of the section that starts with `heading`. */
function shBlocks(heading: string): string[] {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section '${heading}'`);
  const next = README.indexOf('\n## ', start + heading.length + 2);
  const section = README.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim());
}

interface Step {
  readonly command: string;
  readonly background: boolean;
  readonly expect: string[];
}

/** Commands of a block (backslash continuations joined), each with the `# => ` lines after it. */
function tourSteps(block: string): Step[] {
  const steps: { command: string; background: boolean; expect: string[] }[] = [];
  const lines = block.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.startsWith('# => ')) {
      const last = steps[steps.length - 1];
      if (!last) throw new Error(`an expected output before any command: ${line}`);
      last.expect.push(line.slice(5));
      continue;
    }
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${(lines[++i] as string).trim()}`;
    // A trailing comment is set off by two or more spaces (a `#` inside a command is not).
    const command = line.replace(/\s{2,}#.*$/, '').trim();
    const background = command.endsWith('&');
    steps.push({ command: background ? command.slice(0, -1).trim() : command, background, expect: [] });
  }
  return steps;
}


const work = mkdtempSync(join(tmpdir(), 'chainm2m-readme-'));
let stack: ChildProcess | undefined;
let shell: ChildProcess | undefined;

afterAll(async () => {
  if (shell?.pid && shell.exitCode === null) {
    try {
      process.kill(-shell.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (stack && stack.exitCode === null) {
    const done = new Promise((r) => stack!.once('exit', r));
    stack.kill('SIGINT');
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
    if (stack.exitCode === null) stack.kill('SIGKILL');
  }
  rmSync(work, { recursive: true, force: true });
});

describe('README', () => {
  it('gives the quick-start and test commands this repository runs', () => {
    const [start] = shBlocks('## Quick start');
    expect(start).toBe('./chainm2m up');
    expect(existsSync(join(ROOT, 'chainm2m'))).toBe(true);
    const blocks = shBlocks('## Quick start');
    expect(blocks).toContain('npm test');
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.test).toBe('node scripts/test.mjs');
  });

  it('runs the five-minute tour against a real stack and prints what it documents', { timeout: 300_000 }, async () => {
    const [tour] = shBlocks('## A five-minute tour');
    const steps = tourSteps(tour as string);
    expect(steps.length).toBeGreaterThan(10);
    const ports = { api: await freePort(), bs: await freePort(), coap: await freePort(), chain: await freePort() };
    const env = {
      ...process.env,
      CHAINM2M_DATA_DIR: join(work, 'data'),
      CHAINM2M_API_PORT: String(ports.api),
      CHAINM2M_BS_PORT: String(ports.bs),
      CHAINM2M_COAP_PORT: String(ports.coap),
      CHAINM2M_CHAIN_PORT: String(ports.chain),
    };
    // The README's own start line, with the password the tour uses.
    let upOut = '';
    stack = spawn(join(ROOT, 'chainm2m'), ['up'], { cwd: work, env: { ...env, CHAINM2M_ADMIN_PASSWORD: 'change-me-now' }, stdio: ['ignore', 'pipe', 'pipe'] });
    stack.stdout!.on('data', (c: Buffer) => (upOut += c.toString()));
    stack.stderr!.on('data', (c: Buffer) => (upOut += c.toString()));
    await vi.waitFor(() => expect(upOut).toContain('ready'), { timeout: 120_000, interval: 200 });
    expect(upOut).toContain(`Web console    http://127.0.0.1:${ports.api}/`);

    // One shell for the whole tour (its variables and background jobs live on), as a person's terminal.
    shell = spawn('bash', ['--noprofile', '--norc'], { cwd: work, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let marks = '';
    shell.stdout!.on('data', (c: Buffer) => (marks += c.toString()));
    const run = async (i: number, step: Step): Promise<void> => {
      const command = step.command.replaceAll('./chainm2m', join(ROOT, 'chainm2m')).replaceAll('localhost:8080', `localhost:${ports.api}`);
      const out = join(work, `out-${i}.txt`);
      shell!.stdin!.write(step.background ? `{ ${command} ; } > ${out} 2>&1 & echo "@@done ${i} 0"\n` : `{ ${command} ; } > ${out} 2>&1; echo "@@done ${i} $?"\n`);
      await vi.waitFor(() => expect(marks).toMatch(new RegExp(`@@done ${i} \\d+`)), { timeout: 120_000, interval: 100 });
      const status = Number(new RegExp(`@@done ${i} (\\d+)`).exec(marks)![1]);
      const printed = (): string => (existsSync(out) ? readFileSync(out, 'utf8') : '');
      expect(status, `${step.command}\n${printed()}`).toBe(0);
      for (const text of step.expect) {
        // A background command's output arrives while it runs; the tour goes on once it is there.
        await vi.waitFor(() => expect(printed(), step.command).toContain(text), { timeout: step.background ? 120_000 : 1_000, interval: 250 });
      }
    };
    for (const [i, step] of steps.entries()) await run(i, step);
  });
});
