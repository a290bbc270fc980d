import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { ProvenanceLog } from '../../src/index.js';

const WRITER = fileURLToPath(new URL('./killWriter.ts', import.meta.url));

describe('provenance log under kill -9', () => {
  it('every acknowledged record is in the log after SIGKILL, the torn tail is cut', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prov-kill-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let acked = 0;
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        for (const l of d.toString().split('\n')) if (l) acked = Math.max(acked, Number(l));
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      await vi.waitFor(() => expect(acked, err).toBeGreaterThan(2_000), { timeout: 20_000, interval: 20 });
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const log = await ProvenanceLog.open({ dir });
      expect(log.lastSeq).toBeGreaterThanOrEqual(acked);
      for (const s of [1, Math.floor(acked / 2), acked]) expect(log.read(s)?.seq).toBe(s);
      await log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
