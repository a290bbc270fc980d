import { describe, expect, it } from 'vitest';
import { fragmentHandshake, parseFragments, type HandshakeFragment } from './HandshakeFragment.js';
import { HandshakeReassembler } from './HandshakeReassembler.js';

function fragments(type: number, seq: number, body: Buffer, size: number): HandshakeFragment[] {
  const out: HandshakeFragment[] = [];
  for (const f of fragmentHandshake(type, seq, body, size)) expect(parseFragments(f, out)).toBe(true);
  return out;
}

describe('HandshakeReassembler', () => {
  const body = Buffer.from(Array.from({ length: 200 }, (_, i) => i));

  it('reassembles out-of-order and overlapping fragments, then delivers in message_seq order', () => {
    const r = new HandshakeReassembler(3);
    const a = fragments(1, 3, body, 12 + 30);
    const b = fragments(16, 4, Buffer.from('xyz'), 100);
    for (const f of b) r.push(f);
    expect(r.pop()).toBeUndefined();
    for (const f of [...a].reverse()) r.push(f);
    r.push(a[1] as HandshakeFragment); // duplicate
    const m1 = r.pop();
    expect(m1?.seq).toBe(3);
    expect(m1?.body.equals(body)).toBe(true);
    expect(r.pop()?.body.toString()).toBe('xyz');
    expect(r.bufferedBytes).toBe(0);
  });

  it('reports old messages and drops what is outside its bounds', () => {
    const r = new HandshakeReassembler(5, 1000, 4, 1500);
    expect(r.push({ type: 1, length: 1, seq: 4, offset: 0, body: Buffer.from([1]) })).toBe('old');
    expect(r.push({ type: 1, length: 1, seq: 9, offset: 0, body: Buffer.from([1]) })).toBe('dropped');
    expect(r.push({ type: 1, length: 5000, seq: 5, offset: 0, body: Buffer.from([1]) })).toBe('dropped');
    expect(r.push({ type: 1, length: 900, seq: 6, offset: 0, body: Buffer.from([1]) })).toBe('ok');
    expect(r.push({ type: 1, length: 900, seq: 7, offset: 0, body: Buffer.from([1]) })).toBe('dropped'); // byte budget
    expect(r.push({ type: 2, length: 900, seq: 6, offset: 1, body: Buffer.from([1]) })).toBe('dropped'); // type mismatch
    expect(r.bufferedBytes).toBe(900);
  });

  it('rejects fragments whose header lies about lengths', () => {
    const bad = Buffer.alloc(12 + 4);
    bad[0] = 1;
    bad.writeUIntBE(3, 1, 3); // length 3
    bad.writeUIntBE(0, 6, 3);
    bad.writeUIntBE(4, 9, 3); // fragment length 4 > length
    expect(parseFragments(bad, [])).toBe(false);
    expect(parseFragments(Buffer.alloc(5), [])).toBe(false);
  });
});
