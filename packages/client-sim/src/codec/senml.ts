/**
 * SenML-JSON (110) and SenML-CBOR (112) as LwM2M 1.1 uses them (§7.4.4, §7.4.5): one record per
 * resource (instance), names are paths (`bn` + `n`), values in `v`/`vs`/`vb`/`vd`/`vlo`.
 */
import { Decoder, Encoder } from 'cbor-x';
import { isObjectLink, type SimEntry, type SimValue } from '../model/SimObjectTree.js';
import { bad, coerce, formatObjectLink, parseObjectLink } from './values.js';
import type { TypeOf } from './tlv.js';

interface SenmlRecord {
  bn?: string;
  /** Base time, Unix seconds (RFC 8428 §4.5.3). */
  bt?: number;
  n?: string;
  v?: number;
  vs?: string;
  vb?: boolean;
  vd?: Uint8Array;
  vlo?: string;
}

const entryPath = (e: SimEntry): string =>
  `/${e.objectId}/${e.instanceId}/${e.resourceId}` + (e.resourceInstanceId === undefined ? '' : `/${e.resourceInstanceId}`);

function toRecords(entries: readonly SimEntry[], base: readonly number[], time?: number): SenmlRecord[] {
  const basePath = '/' + base.join('/');
  const records: SenmlRecord[] = [];
  entries.forEach((e, i) => {
    const full = entryPath(e);
    const rec: SenmlRecord = {};
    if (i === 0 && time !== undefined) rec.bt = time;
    if (full === basePath) {
      if (i === 0) rec.bn = full;
    } else {
      const prefix = basePath === '/' ? '/' : basePath + '/';
      if (i === 0) rec.bn = prefix;
      rec.n = full.slice(prefix.length);
    }
    const v: SimValue = e.value;
    if (v instanceof Uint8Array) rec.vd = v;
    else if (isObjectLink(v)) rec.vlo = formatObjectLink(v);
    else if (typeof v === 'boolean') rec.vb = v;
    else if (typeof v === 'number') rec.v = v;
    else rec.vs = v;
    records.push(rec);
  });
  return records;
}

export interface Decoded {
  entries: SimEntry[];
  instances: Array<{ objectId: number; instanceId: number }>;
}

function parseIds(name: string): number[] {
  const parts = name.replace(/^\//, '').replace(/\/$/, '').split('/');
  if (parts.length === 1 && parts[0] === '') return [];
  return parts.map((p) => {
    if (!/^\d{1,5}$/.test(p) || Number(p) > 65534) throw bad('invalid path in SenML name');
    return Number(p);
  });
}

function fromRecords(records: readonly SenmlRecord[], base: readonly number[], typeOf: TypeOf): Decoded {
  let bn = '';
  const entries: SimEntry[] = [];
  const instances: Array<{ objectId: number; instanceId: number }> = [];
  const seen = new Set<string>();
  for (const rec of records) {
    if (rec.bn !== undefined) bn = rec.bn;
    const ids = parseIds(bn + (rec.n ?? ''));
    if (ids.length < base.length || base.some((b, i) => ids[i] !== b)) throw bad('SenML name outside the target path');
    const [objectId, instanceId, resourceId, resourceInstanceId] = ids;
    if (objectId === undefined || instanceId === undefined) throw bad('SenML name must name at least an instance');
    const k = `${objectId}/${instanceId}`;
    if (!seen.has(k)) {
      seen.add(k);
      instances.push({ objectId, instanceId });
    }
    let value: SimValue | undefined;
    if (rec.v !== undefined) value = rec.v;
    else if (rec.vs !== undefined) value = rec.vs;
    else if (rec.vb !== undefined) value = rec.vb;
    else if (rec.vd !== undefined) value = rec.vd;
    else if (rec.vlo !== undefined) value = parseObjectLink(rec.vlo);
    if (value === undefined) continue; // an instance with no value record (e.g. empty create)
    if (resourceId === undefined) throw bad('SenML value without a resource id');
    const type = typeOf(objectId, resourceId);
    entries.push({
      objectId,
      instanceId,
      resourceId,
      ...(resourceInstanceId === undefined ? {} : { resourceInstanceId }),
      value: coerce(value, type),
    });
  }
  return { entries, instances };
}

function resolveNames(records: readonly SenmlRecord[]): number[][] {
  let bn = '';
  return records.map((rec) => {
    if (rec.bn !== undefined) bn = rec.bn;
    return parseIds(bn + (rec.n ?? ''));
  });
}

function checkRecord(x: unknown): SenmlRecord {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad('SenML record must be an object');
  const o = x as Record<string, unknown>;
  const rec: SenmlRecord = {};
  if (o.bn !== undefined) {
    if (typeof o.bn !== 'string') throw bad('bn must be a string');
    rec.bn = o.bn;
  }
  if (o.n !== undefined) {
    if (typeof o.n !== 'string') throw bad('n must be a string');
    rec.n = o.n;
  }
  if (o.v !== undefined) {
    if (typeof o.v !== 'number' || !Number.isFinite(o.v)) throw bad('v must be a number');
    rec.v = o.v;
  }
  if (o.vs !== undefined) {
    if (typeof o.vs !== 'string') throw bad('vs must be a string');
    rec.vs = o.vs;
  }
  if (o.vb !== undefined) {
    if (typeof o.vb !== 'boolean') throw bad('vb must be a boolean');
    rec.vb = o.vb;
  }
  if (o.vd !== undefined) {
    if (typeof o.vd === 'string') rec.vd = new Uint8Array(Buffer.from(o.vd, 'base64'));
    else if (o.vd instanceof Uint8Array) rec.vd = new Uint8Array(o.vd);
    else throw bad('vd must be data');
  }
  if (o.vlo !== undefined) {
    if (typeof o.vlo !== 'string') throw bad('vlo must be a string');
    rec.vlo = o.vlo;
  }
  return rec;
}

/** The paths named by a composite request (records with names only), ids shallowest first. */
export function decodeSenmlNames(bytes: Uint8Array, format: 'json' | 'cbor'): number[][] {
  const records = format === 'json' ? parseJsonRecords(bytes) : parseCborRecords(bytes);
  return resolveNames(records);
}

function parseJsonRecords(bytes: Uint8Array): SenmlRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw bad('invalid JSON', { cause: String(cause) });
  }
  if (!Array.isArray(parsed)) throw bad('SenML-JSON must be an array');
  return parsed.map(checkRecord);
}

function parseCborRecords(bytes: Uint8Array): SenmlRecord[] {
  let parsed: unknown;
  try {
    parsed = cborDecoder.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (cause) {
    throw bad('invalid CBOR', { cause: String(cause) });
  }
  if (!Array.isArray(parsed)) throw bad('SenML-CBOR must be an array');
  return parsed.map((m: unknown) => {
    if (!(m instanceof Map)) throw bad('SenML-CBOR record must be a map');
    const o: Record<string, unknown> = {};
    for (const [k, v] of m as Map<unknown, unknown>) {
      const label = KEY_TO_LABEL.get(k as number | string);
      if (label) o[label] = v;
    }
    return checkRecord(o);
  });
}

/** `time`: the values' base time (Unix seconds), e.g. for a Send. */
export function encodeSenmlJson(entries: readonly SimEntry[], base: readonly number[], time?: number): Uint8Array {
  const json = toRecords(entries, base, time).map((r) => {
    const o: Record<string, unknown> = { ...r };
    if (r.vd) o.vd = Buffer.from(r.vd).toString('base64url');
    return o;
  });
  return new TextEncoder().encode(JSON.stringify(json));
}

export function decodeSenmlJson(bytes: Uint8Array, base: readonly number[], typeOf: TypeOf): Decoded {
  return fromRecords(parseJsonRecords(bytes), base, typeOf);
}

const LABEL_TO_KEY: Record<string, number | string> = { bn: -2, bt: -3, n: 0, v: 2, vs: 3, vb: 4, vd: 8, vlo: 'vlo' };
const KEY_TO_LABEL = new Map<number | string, string>(Object.entries(LABEL_TO_KEY).map(([k, v]) => [v, k]));
const cborEncoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });

export function encodeSenmlCbor(entries: readonly SimEntry[], base: readonly number[], time?: number): Uint8Array {
  const arr = toRecords(entries, base, time).map((r) => {
    const m = new Map<number | string, unknown>();
    for (const [label, value] of Object.entries(r)) {
      const k = LABEL_TO_KEY[label];
      if (k !== undefined && value !== undefined) m.set(k, value instanceof Uint8Array ? Buffer.from(value) : value);
    }
    return m;
  });
  return new Uint8Array(cborEncoder.encode(arr));
}

export function decodeSenmlCbor(bytes: Uint8Array, base: readonly number[], typeOf: TypeOf): Decoded {
  return fromRecords(parseCborRecords(bytes), base, typeOf);
}
