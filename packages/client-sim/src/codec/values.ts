import { ClientSimError } from '../ClientSimError.js';
import { isObjectLink, type ObjectLink, type SimValue } from '../model/SimObjectTree.js';
import type { SimResourceType } from '../model/simObjects.js';

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

export function bad(message: string, details?: Record<string, unknown>): ClientSimError {
  return new ClientSimError('SIM_BAD_PAYLOAD', message, details ? { details } : {});
}

export function utf8Encode(s: string): Uint8Array {
  return utf8.encode(s);
}

export function utf8Decode(b: Uint8Array): string {
  try {
    return utf8d.decode(b);
  } catch (cause) {
    throw new ClientSimError('SIM_BAD_PAYLOAD', 'invalid UTF-8', { cause });
  }
}

export function parseObjectLink(s: string): ObjectLink {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (!m) throw bad('invalid object link');
  return { objectId: Number(m[1]), instanceId: Number(m[2]) };
}

export function formatObjectLink(l: ObjectLink): string {
  return `${l.objectId}:${l.instanceId}`;
}

/** Value -> text/plain representation (LwM2M 1.1 §7.3.1; opaque as base64). */
export function valueToText(v: SimValue, type: SimResourceType | undefined): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (isObjectLink(v)) return formatObjectLink(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') {
    if (type === 'integer' || type === 'unsignedInteger' || type === 'time') return String(Math.trunc(v));
    return String(v);
  }
  return v;
}

/** Text -> value of the given type. */
export function textToValue(text: string, type: SimResourceType | undefined): SimValue {
  switch (type) {
    case 'integer':
    case 'unsignedInteger':
    case 'time': {
      if (!/^-?\d+$/.test(text.trim())) throw bad('not an integer');
      const n = Number(text.trim());
      if (!Number.isSafeInteger(n) || (type !== 'integer' && n < 0)) throw bad('integer out of range');
      return n;
    }
    case 'float': {
      const t = text.trim();
      if (t === '' || !Number.isFinite(Number(t))) throw bad('not a number');
      return Number(t);
    }
    case 'boolean':
      if (text === '1' || text === 'true') return true;
      if (text === '0' || text === 'false') return false;
      throw bad('not a boolean');
    case 'objlnk':
      return parseObjectLink(text);
    case 'opaque':
      return new Uint8Array(Buffer.from(text, 'base64'));
    default:
      return text;
  }
}

/** Coerces a decoded value to the declared type where the format carried a looser one. */
export function coerce(v: SimValue, type: SimResourceType | undefined): SimValue {
  if (type === undefined) return v;
  switch (type) {
    case 'string':
    case 'corelnk':
      if (v instanceof Uint8Array) return utf8Decode(v);
      return typeof v === 'string' ? v : valueToText(v, undefined);
    case 'opaque':
      if (typeof v === 'string') return utf8Encode(v);
      if (v instanceof Uint8Array) return v;
      throw bad('opaque expected');
    case 'integer':
    case 'unsignedInteger':
    case 'time':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string') return textToValue(v, type);
      throw bad('integer expected');
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'string') return textToValue(v, type);
      throw bad('number expected');
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number' && (v === 0 || v === 1)) return v === 1;
      if (typeof v === 'string') return textToValue(v, type);
      throw bad('boolean expected');
    case 'objlnk':
      if (isObjectLink(v)) return v;
      if (typeof v === 'string') return parseObjectLink(v);
      throw bad('object link expected');
    default:
      return v;
  }
}
