import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutboxJournal, compactOutbox, readOutbox } from './AnomalyOutbox.js';

const dir = mkdtempSync(join(tmpdir(), 'chainm2m-outbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const a = (v: string) => ({ endpoint: 'e', collectedAt: 1, severity: 1, kind: 'k', value: v });

describe('anomaly outbox journal', () => {
  it('replays add/sent/done/drop lines, ignoring a torn last line, and compacts to what is unfinished', async () => {
    const path = join(dir, 'o.jsonl');
    const j = await OutboxJournal.open(path);
    await Promise.all([
      j.append([{ t: 'add', k: '1', a: a('one') }]),
      j.append([{ t: 'add', k: '2', a: a('two') }, { t: 'add', k: '3', a: a('three') }]),
    ]);
    await j.append([{ t: 'sent', k: ['1', '2'], h: '0xaa', raw: '0xbb' }, { t: 'done', k: ['1'], h: '0xaa', id: 4 }, { t: 'drop', k: ['3'], reason: 'bad' }]);
    await j.append([{ t: 'add', k: '4', a: a('four') }]);
    await j.close();
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"t":"add","k":"5","a":{"endp`);
    const { entries, corruptLines } = readOutbox(path);
    expect(corruptLines).toBe(1);
    expect(entries.map((e) => [e.key, e.anomaly.value, e.sent?.hash])).toEqual([
      ['2', 'two', '0xaa'],
      ['4', 'four', undefined],
    ]);
    compactOutbox(path, entries);
    const again = readOutbox(path);
    expect(again.corruptLines).toBe(0);
    expect(again.entries).toEqual(entries);
    expect(readOutbox(join(dir, 'missing.jsonl')).entries).toEqual([]);
  });

  it('truncates only when its check still holds at its turn, never cutting a line appended before it', async () => {
    const path = join(dir, 't.jsonl');
    const j = await OutboxJournal.open(path);
    let pending = 0;
    const w1 = j.append([{ t: 'add', k: 'a', a: a('kept') }]);
    pending++; // the caller has a line in flight
    const t1 = j.truncateIf(() => pending === 0);
    await Promise.all([w1, t1]);
    expect(readOutbox(path).entries.map((e) => e.key)).toEqual(['a']);
    pending = 0;
    await j.append([{ t: 'done', k: ['a'], h: '0x1', id: 0 }]);
    await j.truncateIf(() => pending === 0);
    expect(readFileSync(path, 'utf8')).toBe('');
    await j.append([{ t: 'add', k: 'b', a: a('after') }]);
    await j.close();
    expect(readOutbox(path).entries.map((e) => e.key)).toEqual(['b']);
  });
});
