#!/usr/bin/env node
/** `chainm2m`: the admin CLI. `./chainm2m <args>` (or `pnpm chainm2m <args>`) from the repository root. */
import { createInterface } from 'node:readline';
import { allCommands } from './commands/index.js';
import type { Io } from './Io.js';
import { run } from './run.js';
import { openManagement } from './stack/chain.js';

const io: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  ...(process.stdin.isTTY
    ? {
        prompt: (question: string) =>
          new Promise<string>((resolve) => {
            const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
            const out = rl as unknown as { _writeToOutput?: (s: string) => void; output: NodeJS.WritableStream };
            out._writeToOutput = (s: string) => {
              if (s.includes(question)) out.output.write(s);
            };
            rl.question(question, (answer) => {
              rl.close();
              process.stderr.write('\n');
              resolve(answer);
            });
          }),
      }
    : {}),
  untilSignal: () =>
    new Promise<string>((resolve) => {
      let signalled = false;
      const on = (signal: NodeJS.Signals): void => {
        if (signalled) {
          // A second Ctrl-C forces: whatever is still closing is abandoned.
          process.stderr.write(`\n${signal} again: forced stop\n`);
          process.exit(130);
        }
        signalled = true;
        resolve(signal);
      };
      process.on('SIGINT', on);
      process.on('SIGTERM', on);
    }),
};

const code = await run(process.argv.slice(2), io, { commands: allCommands, openManagement });
// Exit now: a handle something forgot to close must not keep a finished command alive.
process.exit(code);
