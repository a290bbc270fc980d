/**
 * A small, fast Solidity ABI encoder over Buffers for the hot batch paths (`addClients`,
 * `addAnomalies`): ethers' general encoder spends ~1 ms per Client struct, this one a few µs.
 * Only the types those calls use. Tested byte-for-byte against ethers' encoder.
 */
export type AbiType =
  | 'string'
  | 'bytes'
  | 'uint'
  | 'address'
  | 'bool'
  | { readonly tuple: readonly AbiType[] }
  | { readonly array: AbiType };

export type AbiValue = string | Uint8Array | number | bigint | boolean | readonly AbiValue[];

const ZERO32 = Buffer.alloc(32);

function isDynamic(t: AbiType): boolean {
  if (t === 'string' || t === 'bytes') return true;
  if (typeof t === 'string') return false;
  if ('array' in t) return true;
  return t.tuple.some(isDynamic);
}

function word(n: bigint | number): Buffer {
  const b = Buffer.alloc(32);
  let v = BigInt(n);
  if (v < 0n) throw new RangeError('negative integer in ABI encoding');
  for (let i = 31; i >= 0 && v > 0n; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v > 0n) throw new RangeError('integer too large for ABI encoding');
  return b;
}

function smallWord(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) return word(BigInt(n));
  const b = Buffer.alloc(32);
  b.writeUIntBE(n, 26, 6);
  return b;
}

function padded(bytes: Buffer): Buffer[] {
  const rem = bytes.length % 32;
  return rem === 0 ? [smallWord(bytes.length), bytes] : [smallWord(bytes.length), bytes, ZERO32.subarray(0, 32 - rem)];
}

function encodeInto(t: AbiType, v: AbiValue, out: Buffer[]): number {
  let len = 0;
  const push = (b: Buffer): void => {
    out.push(b);
    len += b.length;
  };
  if (t === 'string' || t === 'bytes') {
    const bytes = t === 'string' ? Buffer.from(v as string, 'utf8') : typeof v === 'string' ? Buffer.from(v.replace(/^0x/, ''), 'hex') : Buffer.from(v as Uint8Array);
    for (const b of padded(bytes)) push(b);
    return len;
  }
  if (t === 'uint') {
    push(typeof v === 'number' ? smallWord(v) : word(v as bigint));
    return len;
  }
  if (t === 'bool') {
    push(smallWord(v ? 1 : 0));
    return len;
  }
  if (t === 'address') {
    const a = Buffer.from((v as string).replace(/^0x/, ''), 'hex');
    if (a.length !== 20) throw new RangeError('bad address');
    push(Buffer.concat([ZERO32.subarray(0, 12), a]));
    return len;
  }
  if ('array' in t) {
    const items = v as readonly AbiValue[];
    push(smallWord(items.length));
    return len + encodeSequence(items.map(() => t.array), items, out);
  }
  return encodeSequence(t.tuple, v as readonly AbiValue[], out);
}

function encodeSequence(types: readonly AbiType[], values: readonly AbiValue[], out: Buffer[]): number {
  if (types.length !== values.length) throw new RangeError('ABI arity mismatch');
  const heads: Buffer[][] = [];
  const tails: Buffer[][] = [];
  let headLen = 0;
  const tailLens: number[] = [];
  for (let i = 0; i < types.length; i++) {
    const t = types[i] as AbiType;
    if (isDynamic(t)) {
      heads.push([]);
      headLen += 32;
      const tail: Buffer[] = [];
      tailLens.push(encodeInto(t, values[i] as AbiValue, tail));
      tails.push(tail);
    } else {
      const h: Buffer[] = [];
      headLen += encodeInto(t, values[i] as AbiValue, h);
      heads.push(h);
      tails.push([]);
      tailLens.push(0);
    }
  }
  let offset = headLen;
  let total = headLen;
  for (let i = 0; i < types.length; i++) {
    if (isDynamic(types[i] as AbiType)) {
      out.push(smallWord(offset));
      offset += tailLens[i] as number;
      total += tailLens[i] as number;
    } else {
      for (const b of heads[i] as Buffer[]) out.push(b);
    }
  }
  for (const tail of tails) for (const b of tail) out.push(b);
  return total;
}

/** `selector || abi.encode(args)` as a Buffer. */
export function encodeCall(selector: string, types: readonly AbiType[], args: readonly AbiValue[]): Buffer {
  const out: Buffer[] = [Buffer.from(selector.replace(/^0x/, ''), 'hex')];
  encodeSequence(types, args, out);
  return Buffer.concat(out);
}

/** ABI type of `IClientStore.Client`. */
export const CLIENT_TYPE: AbiType = {
  tuple: [
    'string',
    { tuple: ['string', 'string', 'bytes'] },
    { tuple: ['string', 'string', 'bytes', 'uint', 'uint', 'string'] },
    'uint',
    'address',
    'uint',
    'uint',
  ],
};

/** ABI type of `IAnomalyStore.NewAnomaly`. */
export const NEW_ANOMALY_TYPE: AbiType = { tuple: ['string', 'uint', 'uint', 'string', 'string'] };
