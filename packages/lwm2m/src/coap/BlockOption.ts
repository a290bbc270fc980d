/** Block1 / Block2 option values (RFC 7959 §2.2). */
import { encodeUint } from './CoapMessage.js';

export interface BlockOption {
  /** Block number. */
  readonly num: number;
  /** More blocks follow. */
  readonly more: boolean;
  /** Size exponent: block size = 2 ** (szx + 4), 0..6. */
  readonly szx: number;
}

export function blockSize(szx: number): number {
  return 1 << (szx + 4);
}

/** szx for a block size in 16..1024 that is a power of two; `undefined` otherwise. */
export function szxOf(size: number): number | undefined {
  for (let szx = 0; szx <= 6; szx++) if (blockSize(szx) === size) return szx;
  return undefined;
}

export function encodeBlock(b: BlockOption): Uint8Array {
  return encodeUint(b.num * 16 + (b.more ? 8 : 0) + b.szx);
}

/** `undefined` for an invalid value (longer than 3 bytes or the reserved szx 7 / BERT). */
export function decodeBlock(value: Uint8Array): BlockOption | undefined {
  if (value.length > 3) return undefined;
  let n = 0;
  for (const b of value) n = n * 256 + b;
  const szx = n & 7;
  if (szx === 7) return undefined;
  return { num: Math.floor(n / 16), more: (n & 8) !== 0, szx };
}
