import { describe, expect, it } from 'vitest';
import { CipherSuites, type CipherSuiteName } from './CipherSuite.js';
import { createRecordCipher } from './RecordCipher.js';
import { randomBytes } from 'node:crypto';

const names = Object.keys(CipherSuites) as CipherSuiteName[];

describe('record protection', () => {
  for (const name of names) {
    it(`${name}: seals and opens, rejects tampering, wrong seq and wrong type`, () => {
      const s = CipherSuites[name];
      const key = randomBytes(16);
      const iv = randomBytes(4);
      const mac = randomBytes(32);
      const c = createRecordCipher(s, key, iv, mac, randomBytes);
      for (const len of [0, 1, 15, 16, 17, 100, 1000]) {
        const pt = randomBytes(len);
        const rec = c.seal(23, 1, 42, pt);
        expect(rec.readUInt16BE(11)).toBe(rec.length - 13);
        expect(rec.length - 13 - len).toBeLessThanOrEqual(c.overhead);
        const frag = rec.subarray(13);
        expect(c.open(23, 1, 42, frag)?.equals(pt)).toBe(true);
        expect(c.open(23, 1, 43, frag)).toBeUndefined();
        expect(c.open(22, 1, 42, frag)).toBeUndefined();
        const bad = Buffer.from(frag);
        bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
        expect(c.open(23, 1, 42, bad)).toBeUndefined();
        expect(c.open(23, 1, 42, frag.subarray(0, 5))).toBeUndefined();
      }
    });
  }
});
