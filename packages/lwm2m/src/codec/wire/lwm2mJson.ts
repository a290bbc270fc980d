/**
 * OMA LwM2M JSON (content format 11543, LwM2M 1.0 TS §6.4.4), wire level:
 * `{"bn":"/3/0/","bt":…,"e":[{"n":"0","sv":"…"},{"n":"6/0","v":1},{"n":"x","bv":true},{"n":"y","ov":"3:0"}]}`.
 */
import { malformed } from '../CodecError.js';
import type { RawValue, ResolvedRecord } from './senml.js';

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

export interface Lwm2mJsonEntry {
  readonly n?: string;
  readonly t?: number;
  readonly v?: number;
  readonly sv?: string;
  readonly bv?: boolean;
  readonly ov?: string;
}

export interface Lwm2mJsonDocument {
  readonly bn?: string;
  readonly bt?: number;
  readonly e: readonly Lwm2mJsonEntry[];
}

export function decodeLwm2mJson(bytes: Uint8Array | string): Lwm2mJsonDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : textDecoder.decode(bytes));
  } catch (e) {
    // The parser's message quotes the input, which may hold key material: keep only the position.
    throw malformed('LwM2M JSON is not valid JSON', { position: e instanceof Error ? Number(/position (\d+)/.exec(e.message)?.[1] ?? -1) : -1 });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformed('LwM2M JSON must be an object');
  const d = doc as Record<string, unknown>;
  if (d.bn !== undefined && typeof d.bn !== 'string') throw malformed('LwM2M JSON bn must be a string');
  if (d.bt !== undefined && (typeof d.bt !== 'number' || !Number.isFinite(d.bt))) throw malformed('LwM2M JSON bt must be a number');
  if (!Array.isArray(d.e)) throw malformed('LwM2M JSON must have an array e');
  const e = d.e.map((x): Lwm2mJsonEntry => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw malformed('LwM2M JSON entry must be an object');
    const o = x as Record<string, unknown>;
    const out: { -readonly [K in keyof Lwm2mJsonEntry]: Lwm2mJsonEntry[K] } = {};
    if (o.n !== undefined) {
      if (typeof o.n !== 'string') throw malformed('LwM2M JSON n must be a string');
      out.n = o.n;
    }
    if (o.t !== undefined) {
      if (typeof o.t !== 'number' || !Number.isFinite(o.t)) throw malformed('LwM2M JSON t must be a number');
      out.t = o.t;
    }
    if (o.v !== undefined) {
      if (typeof o.v !== 'number' || !Number.isFinite(o.v)) throw malformed('LwM2M JSON v must be a number');
      out.v = o.v;
    }
    if (o.sv !== undefined) {
      if (typeof o.sv !== 'string') throw malformed('LwM2M JSON sv must be a string');
      out.sv = o.sv;
    }
    if (o.bv !== undefined) {
      if (typeof o.bv !== 'boolean') throw malformed('LwM2M JSON bv must be a boolean');
      out.bv = o.bv;
    }
    if (o.ov !== undefined) {
      if (typeof o.ov !== 'string') throw malformed('LwM2M JSON ov must be a string');
      out.ov = o.ov;
    }
    return out;
  });
  return { ...(d.bn !== undefined ? { bn: d.bn as string } : {}), ...(d.bt !== undefined ? { bt: d.bt as number } : {}), e };
}

export function encodeLwm2mJson(doc: Lwm2mJsonDocument): Uint8Array {
  return textEncoder.encode(JSON.stringify(doc));
}

export function resolveLwm2mJson(doc: Lwm2mJsonDocument): ResolvedRecord[] {
  const bn = doc.bn ?? '';
  return doc.e.map((e) => {
    const kinds = [e.v, e.sv, e.bv, e.ov].filter((x) => x !== undefined).length;
    if (kinds > 1) throw malformed('LwM2M JSON entry has more than one value');
    let value: RawValue | undefined;
    if (e.v !== undefined) value = { kind: 'number', value: e.v };
    else if (e.sv !== undefined) value = { kind: 'string', value: e.sv };
    else if (e.bv !== undefined) value = { kind: 'boolean', value: e.bv };
    else if (e.ov !== undefined) value = { kind: 'objlnk', value: e.ov };
    const hasTime = e.t !== undefined || doc.bt !== undefined;
    return { name: bn + (e.n ?? ''), ...(hasTime ? { time: (doc.bt ?? 0) + (e.t ?? 0) } : {}), ...(value ? { value } : {}) };
  });
}
