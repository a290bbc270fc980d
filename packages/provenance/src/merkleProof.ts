/**
 * Merkle proof checking of a record against a batch root, OpenZeppelin `StandardMerkleTree` style
 * (leaf = keccak256(keccak256(recordHash)), nodes = keccak256 of the sorted pair), over plain
 * `Uint8Array`s so the web console checks receipts with the same code as the CLI.
 */
import sha3 from 'js-sha3';

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

export function keccak256(data: Uint8Array): Uint8Array {
  return new Uint8Array(sha3.keccak256.arrayBuffer(data));
}

export function fromHex(hex: string): Uint8Array {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** The leaf of a record hash (64 hex digits). */
export function merkleLeaf(recordHashHex: string): Uint8Array {
  return keccak256(keccak256(fromHex(recordHashHex)));
}

/** The parent of two nodes (sorted pair). */
export function merklePair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const [x, y] = compare(a, b) <= 0 ? [a, b] : [b, a];
  const both = new Uint8Array(x.length + y.length);
  both.set(x, 0);
  both.set(y, x.length);
  return keccak256(both);
}

/** Whether `proof` leads from the record hash to `root` (0x hex). */
export function verifyRecordProof(root: string, recordHashHex: string, proof: readonly string[]): boolean {
  if (!HEX32.test(root) || !/^[0-9a-f]{64}$/.test(recordHashHex)) return false;
  let h = merkleLeaf(recordHashHex);
  for (const p of proof) {
    if (!HEX32.test(p)) return false;
    h = merklePair(h, fromHex(p));
  }
  return toHex(h) === root.toLowerCase();
}
