import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('runSimulation in its own process', () => {
  it('keeps the process alive through rate-limit pauses with nothing in flight', async () => {
    const script = fileURLToPath(new URL('../fixtures/rateLimitedRun.ts', import.meta.url));
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
      child.stdin?.end();
    });
    expect(out).toEqual({ code: 0, stdout: 'done 3 3\n' });
  });
});
