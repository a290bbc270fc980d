import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireStackLock, STACK_LOCK_FILE, stackLockHolder } from './stackLock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'chainm2m-lock-'));
  dirs.push(d);
  return d;
}

describe('stack lock', () => {
  it('is held by one stack; a second gets an error naming the holder; release frees it', () => {
    const d = dir();
    const lock = acquireStackLock(d);
    expect(stackLockHolder(d)?.pid).toBe(process.pid);
    expect(() => acquireStackLock(d)).toThrow(new RegExp(`another 'chainm2m up' \\(pid ${process.pid}, since 20\\d\\d-`));
    lock.release();
    expect(stackLockHolder(d)).toBeUndefined();
    acquireStackLock(d).release();
  });

  it('takes over the lock of a process that is gone, and a torn one', () => {
    const d = dir();
    writeFileSync(join(d, STACK_LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: '2026-12-04T17:00:00.000Z' }));
    const lock = acquireStackLock(d);
    expect(JSON.parse(readFileSync(join(d, STACK_LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    writeFileSync(join(d, STACK_LOCK_FILE), '{"pid":');
    acquireStackLock(d).release();
  });
});
