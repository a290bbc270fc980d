/** Decodes revert data against the contracts' ABIs into `ChainAdapterError`s. */
import { AbiCoder, type Interface } from 'ethers';
import { ChainAdapterError, type ChainAdapterErrorCode } from '../ChainAdapterError.js';

export interface DecodedRevert {
  readonly name: string;
  readonly args: readonly unknown[];
}

const ERROR_STRING = '0x08c379a0';
const PANIC = '0x4e487b71';

export function decodeRevert(interfaces: readonly Interface[], data: string | undefined): DecodedRevert | undefined {
  if (!data || data.length < 10) return undefined;
  const selector = data.slice(0, 10).toLowerCase();
  try {
    if (selector === ERROR_STRING) return { name: 'Error', args: [AbiCoder.defaultAbiCoder().decode(['string'], `0x${data.slice(10)}`)[0]] };
    if (selector === PANIC) return { name: 'Panic', args: [AbiCoder.defaultAbiCoder().decode(['uint256'], `0x${data.slice(10)}`)[0]] };
  } catch {
    return undefined;
  }
  for (const iface of interfaces) {
    try {
      const e = iface.parseError(data);
      if (e) return { name: e.name, args: e.args.toArray() };
    } catch {
      // not this ABI
    }
  }
  return undefined;
}

/** Maps a decoded custom error to a stable adapter code. */
export function codeForRevert(name: string | undefined): ChainAdapterErrorCode {
  if (!name) return 'CHAIN_REVERTED';
  if (/__(AlreadyExists|IdentityInUse)$/.test(name)) return 'DUPLICATE';
  if (/__(NotFound|IdentityNotFound)$/.test(name)) return 'NOT_FOUND';
  if (/__InvalidInput$/.test(name)) return 'INVALID_INPUT';
  return 'CHAIN_REVERTED';
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

export function revertError(
  interfaces: readonly Interface[],
  data: string | undefined,
  context: { contract: string; method: string; txHash?: string },
  cause?: unknown,
): ChainAdapterError {
  const decoded = decodeRevert(interfaces, data);
  const args = decoded ? decoded.args.map(plain) : [];
  const what = decoded ? `${decoded.name}(${args.map((a) => JSON.stringify(a)).join(', ')})` : 'reverted without a known reason';
  return new ChainAdapterError(codeForRevert(decoded?.name), `${context.contract}.${context.method}: ${what}`, {
    details: { ...context, errorName: decoded?.name, errorArgs: args, revertData: data },
    cause,
  });
}
