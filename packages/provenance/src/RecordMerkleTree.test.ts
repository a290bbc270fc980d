import { randomBytes } from 'node:crypto';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { describe, expect, it } from 'vitest';
import { RecordMerkleTree, verifyRecordProof } from './RecordMerkleTree.js';

describe('RecordMerkleTree', () => {
  it("has OpenZeppelin StandardMerkleTree's roots and proofs (leaf bytes32) for every size up to 70 and 1,000", () => {
    for (const n of [...Array.from({ length: 70 }, (_, i) => i + 1), 1000]) {
      const hashes = Array.from({ length: n }, () => randomBytes(32).toString('hex'));
      const ours = RecordMerkleTree.of(hashes);
      const oz = StandardMerkleTree.of(hashes.map((h) => [`0x${h}`]), ['bytes32']);
      expect(ours.root, `n=${n}`).toBe(oz.root);
      for (const h of n > 70 ? hashes.slice(0, 20) : hashes) {
        const p = ours.proof(h);
        expect(p).toEqual(oz.getProof([`0x${h}`]));
        expect(StandardMerkleTree.verify(oz.root, ['bytes32'], [`0x${h}`], p as string[])).toBe(true);
        expect(verifyRecordProof(ours.root, h, p as string[])).toBe(true);
      }
    }
  });

  it('refuses what is not a leaf, a wrong proof and malformed input', () => {
    const hashes = Array.from({ length: 9 }, () => randomBytes(32).toString('hex'));
    const t = RecordMerkleTree.of(hashes);
    const other = randomBytes(32).toString('hex');
    expect(t.proof(other)).toBeUndefined();
    const p = t.proof(hashes[3] as string) as string[];
    expect(verifyRecordProof(t.root, other, p)).toBe(false);
    expect(verifyRecordProof(t.root, hashes[3] as string, p.slice(1))).toBe(false);
    expect(verifyRecordProof('0x1234', hashes[3] as string, p)).toBe(false);
    expect(verifyRecordProof(t.root, hashes[3] as string, ['nope'])).toBe(false);
    expect(() => RecordMerkleTree.of([])).toThrow(/at least one/);
  });
});
