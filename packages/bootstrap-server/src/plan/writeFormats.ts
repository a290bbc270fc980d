import { WriteFormat } from '../payload/BootstrapFormat.js';
import { isLwm2m10 } from './clientLayout.js';

/** A write mode: an instance-level content format, or one plain (text/opaque) write per resource. */
export type WriteMode = number | 'per-resource';

/** Instance formats the server can write, and the LwM2M version that defines each. */
const SINCE_1_1: ReadonlySet<number> = new Set([WriteFormat.SenmlJson, WriteFormat.SenmlCbor]);
export const SupportedInstanceFormats: ReadonlySet<number> = new Set([WriteFormat.SenmlJson, WriteFormat.Tlv, WriteFormat.SenmlCbor, WriteFormat.Json]);

export interface WriteModeInput {
  /** The client's `pct` values. */
  readonly pct: readonly number[];
  /** LwM2M version from Bootstrap-Discover, if it said. */
  readonly version?: string;
  /** The mode that worked for this endpoint last time. */
  readonly remembered?: WriteMode;
  /** Formats tried after `pct` for a 1.1 client (default SenML-CBOR, SenML-JSON, TLV). */
  readonly formats11?: readonly number[];
  /** Formats tried after `pct` for a 1.0 client, or one of unknown version that sent no `pct` (default TLV). */
  readonly formats10?: readonly number[];
  readonly perResourceFallback?: boolean;
}

export const DefaultFormats11: readonly number[] = [WriteFormat.SenmlCbor, WriteFormat.SenmlJson, WriteFormat.Tlv];
export const DefaultFormats10: readonly number[] = [WriteFormat.Tlv];

/**
 * The order in which writes are tried: the format that worked last time, the client's `pct`, then
 * SenML-CBOR / SenML-JSON when the version allows (LwM2M 1.0 defines neither), TLV, then one
 * resource at a time in text/opaque. A client that sent `pct` speaks 1.1 (the parameter is 1.1's);
 * one that sent none and did not say its version is treated as 1.0.
 */
export function writeModes(input: WriteModeInput): WriteMode[] {
  const is10 = isLwm2m10(input.version) || (input.version === undefined && input.pct.length === 0);
  const allowed = (f: number): boolean => SupportedInstanceFormats.has(f) && !(is10 && SINCE_1_1.has(f));
  const modes: WriteMode[] = [];
  const add = (m: WriteMode): void => {
    if (!modes.includes(m)) modes.push(m);
  };
  const perResource = input.perResourceFallback ?? true;
  if (input.remembered !== undefined && (input.remembered === 'per-resource' ? perResource : allowed(input.remembered))) add(input.remembered);
  for (const f of input.pct) if (allowed(f)) add(f);
  for (const f of is10 ? (input.formats10 ?? DefaultFormats10) : (input.formats11 ?? DefaultFormats11)) if (allowed(f)) add(f);
  if (perResource) add('per-resource');
  return modes;
}

/** CoAP codes with which clients refuse a write whose format they do not take. */
const FORMAT_CODES: ReadonlySet<string> = new Set(['4.00', '4.04', '4.05', '4.06', '4.15']);
/** A diagnostic payload that names the format, the encoding or the parsing is about the format. */
const ABOUT_FORMAT = /format|content|decod|encod|pars|syntax|base64|senml|tlv|cbor|json|unsupported|malformed|invalid payload/i;

/** Printable, bounded text of a client's diagnostic payload (never our own payloads). */
export function diagnosticText(payload: Uint8Array | undefined): string {
  if (!payload || payload.length === 0) return '';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(payload.subarray(0, 120)).replace(/[^\x20-\x7e]/g, '?');
  return `${text}${payload.length > 120 ? '…' : ''}`;
}

/**
 * Whether a refused write may succeed in another format: 4.15 always; 4.00, 4.04, 4.05, 4.06
 * unless the client's diagnostic text says the refusal is about something else (a value, the
 * instance, the account): then another format would only be refused again.
 */
export function isFormatRefusal(code: string, diagnostic: string): boolean {
  if (!FORMAT_CODES.has(code)) return false;
  if (code === '4.15' || diagnostic === '') return true;
  return ABOUT_FORMAT.test(diagnostic);
}
