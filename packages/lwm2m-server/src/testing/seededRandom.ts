import type { Random } from '@chainm2m/lwm2m';

/** Deterministic Random for tests (xorshift32). */
export function seededRandom(seed = 0x2545f491): Random {
  let s = seed >>> 0 || 1;
  const step = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    next: () => step() / 2 ** 32,
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = step() & 0xff;
      return out;
    },
  };
}
