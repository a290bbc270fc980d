import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvenanceLog, segmentName } from './ProvenanceLog.js';
import type { ProvenanceRecord } from './ProvenanceRecord.js';
import { chainOf } from './testing.js';

describe('ProvenanceLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prov-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends thousands of records (group-committed), reads them back, and reopens with the same chain head', async () => {
    const log = await ProvenanceLog.open({ dir });
    const records = chainOf(5_000);
    await Promise.all(records.map((r) => log.append(r)));
    expect(log.durable).toBe(5_000);
    expect(log.read(1)).toEqual(records[0]);
    expect(log.read(4_321)).toEqual(records[4_320]);
    expect(log.read(5_001)).toBeUndefined();
    expect(log.read(0)).toBeUndefined();
    await log.close();
    const seen: number[] = [];
    const again = await ProvenanceLog.open({ dir, onRecord: (r) => seen.push(r.seq) });
    expect(again.lastSeq).toBe(5_000);
    expect(again.lastHash).toBe(records[4_999]?.hash);
    expect(seen.length).toBe(5_000);
    expect(again.report).toEqual({ records: 5_000, truncatedBytes: 0 });
    // and keeps appending to the same segment
    await again.append(chainOf(1, 5_001, again.lastHash)[0] as ProvenanceRecord);
    expect(again.read(5_001)?.seq).toBe(5_001);
    expect(again.segmentNames).toEqual([segmentName(1)]);
    await again.close();
  });

  it('refuses a record that does not follow the chain', async () => {
    const log = await ProvenanceLog.open({ dir });
    const [a, b] = chainOf(2) as [ProvenanceRecord, ProvenanceRecord];
    await expect(log.append(b)).rejects.toThrow(/does not follow/);
    await log.append(a);
    await expect(log.append({ ...b, prevHash: 'f'.repeat(64) })).rejects.toThrow(/does not follow/);
    await log.close();
    await expect(log.append(b)).rejects.toMatchObject({ code: 'PROV_CLOSED' });
  });

  it('rotates segments past maxSegmentBytes and never rewrites a closed one', async () => {
    const log = await ProvenanceLog.open({ dir, maxSegmentBytes: 20_000 });
    const records = chainOf(300);
    for (let i = 0; i < 300; i += 30) await Promise.all(records.slice(i, i + 30).map((r) => log.append(r)));
    const names = log.segmentNames;
    expect(names.length).toBeGreaterThan(3);
    const sizes = names.slice(0, -1).map((n) => statSync(join(dir, n)).size);
    await Promise.all(chainOf(50, 301, log.lastHash).map((r) => log.append(r)));
    expect(names.slice(0, -1).map((n) => statSync(join(dir, n)).size)).toEqual(sizes);
    for (const s of [1, 31, 150, 299, 300, 350]) expect(log.read(s)?.seq).toBe(s);
    await log.close();
    const again = await ProvenanceLog.open({ dir, maxSegmentBytes: 20_000 });
    expect(again.lastSeq).toBe(350);
    expect(again.read(177)?.hash).toBe(records[176]?.hash);
    await again.close();
  });

  it('one writer at a time: a live writer holds LOCK, a dead one\'s lock is taken over, readers need none', async () => {
    const { spawnSync } = await import('node:child_process');
    writeFileSync(join(dir, 'LOCK'), `${process.ppid}\n`); // a live process that is not us
    await expect(ProvenanceLog.open({ dir })).rejects.toThrow(/in use by process/);
    const reader = await ProvenanceLog.open({ dir, readOnly: true });
    await reader.close();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, 'LOCK'), `${gone}\n`);
    const log = await ProvenanceLog.open({ dir });
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    await log.close();
    expect(readdirSync(dir)).not.toContain('LOCK');
  });

  it('reopen truncates only a torn tail', async () => {
    const log = await ProvenanceLog.open({ dir });
    const records = chainOf(10);
    await Promise.all(records.map((r) => log.append(r)));
    await log.close();
    const path = join(dir, segmentName(1));
    appendFileSync(path, '{"seq":11,"time":17');
    const again = await ProvenanceLog.open({ dir });
    expect(again.report.truncatedBytes).toBe('{"seq":11,"time":17'.length);
    expect(again.lastSeq).toBe(10);
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
    await again.close();
  });

  it('a damaged line inside a segment is reported, not repaired', async () => {
    const log = await ProvenanceLog.open({ dir });
    await Promise.all(chainOf(10).map((r) => log.append(r)));
    await log.close();
    const path = join(dir, segmentName(1));
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[4] = 'garbage';
    writeFileSync(path, lines.join('\n'));
    const before = readFileSync(path);
    await expect(ProvenanceLog.open({ dir })).rejects.toMatchObject({ code: 'PROV_LOG_CORRUPT' });
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir).filter((n) => n !== 'LOCK')).toEqual([segmentName(1)]);
  });
});
