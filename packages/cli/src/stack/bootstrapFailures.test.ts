import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BootstrapEventMap, BootstrapFailedEvent } from '@chainm2m/bootstrap-server';
import { FakeClock, TypedEmitter } from '@chainm2m/lwm2m';
import { readBootstrapFailures, recordBootstrapFailures } from './bootstrapFailures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const failure = (i: number): BootstrapFailedEvent => ({
  sessionId: `bs-${i}`,
  endpoint: `meter-${i}`,
  peer: { address: '10.1.2.3', port: 50000 + i },
  reason: 'Bootstrap-Write /1/0 refused with 4.00 (lifetime below the minimum)',
  operation: 'bootstrap-write',
  path: '/1/0',
  code: '4.00',
  diagnostic: 'lifetime below the minimum',
  durationMs: 30,
  steps: 4,
  at: 0,
});

describe('recordBootstrapFailures', () => {
  it('logs each failure, keeps the latest in the data dir, one write per flush period', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bsfail-'));
    dirs.push(dataDir);
    const events = new TypedEmitter<BootstrapEventMap>();
    const clock = new FakeClock(0);
    const lines: string[] = [];
    const rec = recordBootstrapFailures(events, { dataDir, clock, keep: 3, flushMs: 1000, wallClock: () => Date.UTC(2026, 11, 4, 18, 0, 0), log: (l) => lines.push(l) });
    expect(readBootstrapFailures(dataDir)).toEqual({ pid: process.pid, total: 0, last: [] });
    for (let i = 0; i < 5; i++) events.emit('failed', failure(i));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('bootstrap failed: ep=meter-0 step=bootstrap-write /1/0 code=4.00 diagnostic="lifetime below the minimum" peer=10.1.2.3:50000 reason="Bootstrap-Write /1/0 refused with 4.00 (lifetime below the minimum)"');
    expect(readBootstrapFailures(dataDir)?.total).toBe(0); // not yet written
    clock.advance(1000);
    const file = readBootstrapFailures(dataDir);
    expect(file?.total).toBe(5);
    expect(file?.last.map((f) => f.endpoint)).toEqual(['meter-2', 'meter-3', 'meter-4']);
    expect(file?.last[0]).toEqual({
      at: '2026-12-04T18:00:00.000Z',
      endpoint: 'meter-2',
      step: 'bootstrap-write /1/0',
      code: '4.00',
      diagnostic: 'lifetime below the minimum',
      reason: 'Bootstrap-Write /1/0 refused with 4.00 (lifetime below the minimum)',
      peer: '10.1.2.3:50002',
    });
    events.emit('failed', failure(9));
    rec.stop(); // writes what is pending
    expect(readBootstrapFailures(dataDir)?.total).toBe(6);
    events.emit('failed', failure(10));
    expect(lines).toHaveLength(6);
  });

  it('no file, or a broken one, reads as nothing', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bsfail-'));
    dirs.push(dataDir);
    expect(readBootstrapFailures(dataDir)).toBeUndefined();
  });
});
