/**
 * One stack per data directory: `up` holds `<dataDir>/stack.lock` (the holder's pid and start
 * time) for as long as it runs. A second `up` on the same directory gets a clear error naming the
 * holder instead of a second chain on the same state; a lock left by a process that is gone
 * (`kill -9`) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../CliError.js';

export const STACK_LOCK_FILE = 'stack.lock';

export interface StackLockHolder {
  readonly pid: number;
  readonly startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the data directory's lock, if any. */
export function stackLockHolder(dataDir: string): StackLockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(join(dataDir, STACK_LOCK_FILE), 'utf8')) as StackLockHolder;
    return Number.isInteger(h.pid) && h.pid > 0 && alive(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws `CLI_FAILED` naming the holder. */
export function acquireStackLock(dataDir: string): { release(): void } {
  const path = join(dataDir, STACK_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          // Only our own lock: never remove one another process took over.
          try {
            if ((JSON.parse(readFileSync(path, 'utf8')) as StackLockHolder).pid === process.pid) rmSync(path, { force: true });
          } catch {
            // gone already
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new CliError('CLI_FAILED', `cannot create the lock ${path}: ${(e as Error).message}`, { cause: e });
    }
    const holder = stackLockHolder(dataDir);
    if (holder) {
      throw new CliError(
        'CLI_FAILED',
        `another 'chainm2m up' (pid ${holder.pid}, since ${holder.startedAt}) runs on the data directory ${dataDir}; stop it first, or use another --data-dir`,
      );
    }
    let content = '';
    try {
      content = readFileSync(path, 'utf8');
    } catch {
      continue; // removed meanwhile: try again
    }
    // Written by a process that is gone (or half-written by one that died creating it): take it over.
    try {
      if (readFileSync(path, 'utf8') === content) rmSync(path, { force: true });
    } catch {
      // someone else took it over first
    }
  }
  throw new CliError('CLI_FAILED', `cannot take the lock ${path} (another process keeps taking it)`);
}
