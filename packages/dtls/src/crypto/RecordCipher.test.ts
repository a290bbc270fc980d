import { describe, expect, it } from 'vitest';
import { CipherSuites, type CipherSuiteName } from './CipherSuite.js';
import { NativeAeadCipher, createRecordCipher } from './RecordCipher.js';
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

  for (const name of ['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_AES_128_CCM'] as const) {
    it(`${name}: our two-context CCM matches OpenSSL's CCM byte for byte, both ways`, () => {
      const s = CipherSuites[name];
      const key = randomBytes(16);
      const iv = randomBytes(4);
      const ours = createRecordCipher(s, key, iv, Buffer.alloc(0), randomBytes);
      const ref = new NativeAeadCipher(s, key, iv);
      for (let i = 0; i < 200; i++) {
        const len = i < 40 ? i : Math.floor(Math.random() * 3000);
        const pt = randomBytes(len);
        const epoch = 1 + (i % 3);
        const seq = Math.floor(Math.random() * 2 ** 48);
        const a = ours.seal(23, epoch, seq, pt);
        const b = ref.seal(23, epoch, seq, pt);
        expect(a.equals(b)).toBe(true);
        expect(ref.open(23, epoch, seq, a.subarray(13))?.equals(pt)).toBe(true);
        expect(ours.open(23, epoch, seq, b.subarray(13))?.equals(pt)).toBe(true);
        const bad = Buffer.from(b.subarray(13));
        const at = 8 + Math.floor(Math.random() * (bad.length - 8));
        bad[at] = (bad[at] as number) ^ 0x10;
        expect(ours.open(23, epoch, seq, bad)).toBeUndefined();
      }
    });
  }
});
