/**
 * SenML (RFC 8428) records, wire level: JSON (content format 110) and CBOR (112), plus resolution
 * of base name / base time into absolute names. LwM2M 1.1 adds `vlo` (object link, `"3:0"`).
 */
import { Decoder, Encoder } from 'cbor-x';
import { malformed } from '../CodecError.js';
import { base64Decode, base64UrlEncode } from '../values.js';

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

export interface SenmlRecord {
  readonly bn?: string;
  readonly bt?: number;
  readonly bv?: number;
  readonly n?: string;
  readonly t?: number;
  readonly v?: number;
  readonly vs?: string;
  readonly vb?: boolean;
  readonly vd?: Uint8Array;
  readonly vlo?: string;
}

/** A value as carried by SenML / LwM2M JSON, before typing by the object model. */
export type RawValue =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'data'; readonly value: Uint8Array }
  | { readonly kind: 'objlnk'; readonly value: string };

export interface ResolvedRecord {
  /** Absolute name (base name + name), e.g. `/3/0/1`. */
  readonly name: string;
  /** Absolute time (base time + time), seconds, when given. */
  readonly time?: number;
  /** Absent for a record without a value (e.g. read-composite request paths). */
  readonly value?: RawValue;
}

// RFC 8428 §6 CBOR labels.
const L = { bver: -1, bn: -2, bt: -3, bu: -4, bv: -5, bs: -6, n: 0, u: 1, v: 2, vs: 3, vb: 4, s: 5, t: 6, ut: 7, vd: 8 } as const;
const IGNORED = new Set(['bver', 'bu', 'u', 'ut', 's', 'bs']);

function num(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw malformed(`SenML field ${field} must be a finite number`);
  return v;
}
function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw malformed(`SenML field ${field} must be a string`);
  return v;
}

type MutableRecord = { -readonly [K in keyof SenmlRecord]: SenmlRecord[K] };

function setField(rec: MutableRecord, key: string, v: unknown, cbor: boolean): void {
  switch (key) {
    case 'bn':
      rec.bn = str(v, key);
      return;
    case 'n':
      rec.n = str(v, key);
      return;
    case 'bt':
      rec.bt = num(v, key);
      return;
    case 't':
      rec.t = num(v, key);
      return;
    case 'bv':
      rec.bv = num(v, key);
      return;
    case 'v':
      rec.v = num(v, key);
      return;
    case 'vs':
      rec.vs = str(v, key);
      return;
    case 'vlo':
      rec.vlo = str(v, key);
      return;
    case 'vb':
      if (typeof v !== 'boolean') throw malformed('SenML field vb must be a boolean');
      rec.vb = v;
      return;
    case 'vd':
      if (cbor) {
        if (!(v instanceof Uint8Array)) throw malformed('SenML-CBOR field vd must be a byte string');
        rec.vd = new Uint8Array(v);
      } else rec.vd = base64Decode(str(v, key));
      return;
    default:
      if (IGNORED.has(key)) return;
      if (key.endsWith('_')) throw malformed(`SenML must-understand field ${key.slice(0, 20)} is not supported`);
      // Unknown fields are ignored (RFC 8428 §4.4 extensibility).
      return;
  }
}

/** Parses SenML-JSON bytes into records. */
export function decodeSenmlJson(bytes: Uint8Array | string): SenmlRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : textDecoder.decode(bytes));
  } catch (e) {
    // The parser's message quotes the input, which may hold key material: keep only the position.
    throw malformed('SenML-JSON is not valid JSON', { position: e instanceof Error ? Number(/position (\d+)/.exec(e.message)?.[1] ?? -1) : -1 });
  }
  if (!Array.isArray(doc)) throw malformed('SenML-JSON must be an array of records');
  return doc.map((r) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw malformed('SenML record must be an object');
    const rec: MutableRecord = {};
    const o = r as Record<string, unknown>;
    for (const k in o) setField(rec, k, o[k], false);
    return rec;
  });
}

export function encodeSenmlJson(records: readonly SenmlRecord[]): Uint8Array {
  const out = records.map((r) => {
    const o: Record<string, unknown> = {};
    if (r.bn !== undefined) o.bn = r.bn;
    if (r.bt !== undefined) o.bt = r.bt;
    if (r.n !== undefined) o.n = r.n;
    if (r.t !== undefined) o.t = r.t;
    if (r.v !== undefined) o.v = r.v;
    if (r.vs !== undefined) o.vs = r.vs;
    if (r.vb !== undefined) o.vb = r.vb;
    if (r.vd !== undefined) o.vd = base64UrlEncode(r.vd);
    if (r.vlo !== undefined) o.vlo = r.vlo;
    return o;
  });
  return textEncoder.encode(JSON.stringify(out));
}

const cborEncoder = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true, tagUint8Array: false });
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });

const LABEL_NAMES = new Map<number, string>(Object.entries(L).map(([k, v]) => [v, k]));

export function encodeSenmlCbor(records: readonly SenmlRecord[]): Uint8Array {
  const arr = records.map((r) => {
    const m = new Map<number | string, unknown>();
    if (r.bn !== undefined) m.set(L.bn, r.bn);
    if (r.bt !== undefined) m.set(L.bt, r.bt);
    if (r.n !== undefined) m.set(L.n, r.n);
    if (r.t !== undefined) m.set(L.t, r.t);
    if (r.v !== undefined) m.set(L.v, r.v);
    if (r.vs !== undefined) m.set(L.vs, r.vs);
    if (r.vb !== undefined) m.set(L.vb, r.vb);
    if (r.vd !== undefined) m.set(L.vd, r.vd);
    if (r.vlo !== undefined) m.set('vlo', r.vlo);
    return m;
  });
  const buf = cborEncoder.encode(arr);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function decodeSenmlCbor(bytes: Uint8Array): SenmlRecord[] {
  if (bytes.length === 0) throw malformed('SenML-CBOR payload is empty');
  let doc: unknown;
  try {
    doc = cborDecoder.decode(bytes);
  } catch (e) {
    throw malformed('SenML-CBOR is not valid CBOR', undefined, e);
  }
  if (!Array.isArray(doc)) throw malformed('SenML-CBOR must be an array of records');
  return doc.map((r) => {
    if (!(r instanceof Map)) throw malformed('SenML-CBOR record must be a map');
    const rec: MutableRecord = {};
    for (const [k, v] of r as Map<unknown, unknown>) {
      let key: string | undefined;
      if (typeof k === 'number') key = LABEL_NAMES.get(k);
      else if (typeof k === 'string') key = k;
      if (key === undefined) continue; // unknown label: ignored
      setField(rec, key, typeof v === 'bigint' ? Number(v) : v, true);
    }
    return rec;
  });
}

/** Applies base name, base time and base value (RFC 8428 §4.5.1). */
export function resolveSenml(records: readonly SenmlRecord[]): ResolvedRecord[] {
  let bn = '';
  let bt = 0;
  let bv = 0;
  return records.map((r) => {
    if (r.bn !== undefined) bn = r.bn;
    if (r.bt !== undefined) bt = r.bt;
    if (r.bv !== undefined) bv = r.bv;
    const name = bn + (r.n ?? '');
    const kinds =
      (r.v !== undefined ? 1 : 0) + (r.vs !== undefined ? 1 : 0) + (r.vb !== undefined ? 1 : 0) + (r.vd !== undefined ? 1 : 0) + (r.vlo !== undefined ? 1 : 0);
    if (kinds > 1) throw malformed('SenML record has more than one value', { name: name.slice(0, 64) });
    let value: RawValue | undefined;
    if (r.v !== undefined) value = { kind: 'number', value: r.v + bv };
    else if (r.vs !== undefined) value = { kind: 'string', value: r.vs };
    else if (r.vb !== undefined) value = { kind: 'boolean', value: r.vb };
    else if (r.vd !== undefined) value = { kind: 'data', value: r.vd };
    else if (r.vlo !== undefined) value = { kind: 'objlnk', value: r.vlo };
    const hasTime = r.t !== undefined || r.bt !== undefined || bt !== 0;
    return { name, ...(hasTime ? { time: bt + (r.t ?? 0) } : {}), ...(value ? { value } : {}) };
  });
}
