import { Buffer } from 'node:buffer';
import type { ResourceType } from '../model/ObjectModel.js';
import type { Lwm2mValue, ObjectLink } from '../node/Lwm2mNode.js';
import { CodecError, CodecErrorCode, malformed } from './CodecError.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8Encode(s: string): Uint8Array {
  // Short ASCII strings (most resource values) without the TextEncoder call overhead.
  if (s.length <= 64) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return encoder.encode(s);
      out[i] = c;
    }
    return out;
  }
  return encoder.encode(s);
}

/** Strict UTF-8 decoding: invalid sequences throw `CodecError` (malformed). */
export function utf8Decode(b: Uint8Array): string {
  if (b.length <= 64) {
    let ascii = true;
    for (let i = 0; i < b.length; i++) {
      if ((b[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
  }
  try {
    return decoder.decode(b);
  } catch (e) {
    throw malformed('invalid UTF-8', undefined, e);
  }
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

export function base64Encode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** RFC 4648 §5 base64url without padding (SenML `vd`). */
export function base64UrlEncode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

/** Accepts standard base64 (padded) or base64url (padding optional); anything else throws. */
export function base64Decode(s: string): Uint8Array {
  const unpadded = s.replace(/=+$/, '');
  if (B64.test(s) || (B64URL.test(unpadded) && s.length - unpadded.length <= 2 && unpadded.length % 4 !== 1)) {
    return new Uint8Array(Buffer.from(unpadded, B64.test(s) && /[+/]/.test(s) ? 'base64' : 'base64url'));
  }
  throw malformed('invalid base64');
}

/** Payload text is never echoed (it may be key material); only its length. */
function mismatch(type: ResourceType, text: string): CodecError {
  return new CodecError(CodecErrorCode.TypeMismatch, `text is not a valid ${type}`, { type, length: text.length });
}

const INT = /^[+-]?\d{1,20}$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseInteger(text: string, type: ResourceType, unsigned: boolean): number | bigint {
  if (!INT.test(text)) throw mismatch(type, text);
  const b = BigInt(text);
  if (unsigned ? b < 0n || b > 2n ** 64n - 1n : b < -(2n ** 63n) || b > 2n ** 63n - 1n) throw mismatch(type, text);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** Objlnk text form `objectId:instanceId`. */
export function parseObjlnk(text: string): ObjectLink {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (!m) throw mismatch('objlnk', text);
  const objectId = Number(m[1]);
  const instanceId = Number(m[2]);
  if (objectId > 65535 || instanceId > 65535) throw mismatch('objlnk', text);
  return { objectId, instanceId };
}

export function formatObjlnk(l: ObjectLink): string {
  return `${l.objectId}:${l.instanceId}`;
}

/** Seconds since the epoch of a Date (whole seconds, floor). */
export function timeToSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

export function secondsToTime(s: number | bigint): Date {
  const n = Number(s);
  const d = new Date(n * 1000);
  if (Number.isNaN(d.getTime())) throw new CodecError(CodecErrorCode.TypeMismatch, 'time out of range');
  return d;
}

/** Formats a number for text/plain and JSON: integers without exponent where possible. */
export function formatFloat(v: number): string {
  if (!Number.isFinite(v)) throw new CodecError(CodecErrorCode.TypeMismatch, 'float must be finite for this format');
  return String(v);
}

/** text/plain representation (LwM2M 1.1 TS Core §7.4.1). Opaque values are base64. */
export function formatTextValue(type: ResourceType, value: Lwm2mValue): string {
  switch (type) {
    case 'string':
    case 'corelnk':
      return value as string;
    case 'integer':
    case 'unsignedInteger':
      return String(value);
    case 'float':
      return formatFloat(value as number);
    case 'boolean':
      return value ? '1' : '0';
    case 'time':
      return String(timeToSeconds(value as Date));
    case 'objlnk':
      return formatObjlnk(value as ObjectLink);
    case 'opaque':
      return base64Encode(value as Uint8Array);
    case 'none':
      throw new CodecError(CodecErrorCode.Unsupported, 'executable resources have no text value');
  }
}

/** Parses a text/plain value of the given type; bad text throws `CodecError` (type mismatch). */
export function parseTextValue(type: ResourceType, text: string): Lwm2mValue {
  switch (type) {
    case 'string':
    case 'corelnk':
      return text;
    case 'integer':
      return parseInteger(text.trim(), type, false);
    case 'unsignedInteger':
      return parseInteger(text.trim(), type, true);
    case 'float': {
      const t = text.trim();
      if (!FLOAT.test(t)) throw mismatch(type, text);
      const v = Number(t);
      if (!Number.isFinite(v)) throw mismatch(type, text);
      return v;
    }
    case 'boolean':
      if (text === '1' || text === 'true') return true;
      if (text === '0' || text === 'false') return false;
      throw mismatch(type, text);
    case 'time':
      return secondsToTime(parseInteger(text.trim(), type, false));
    case 'objlnk':
      return parseObjlnk(text.trim());
    case 'opaque':
      try {
        return base64Decode(text.trim());
      } catch {
        throw mismatch(type, text);
      }
    case 'none':
      throw new CodecError(CodecErrorCode.Unsupported, 'executable resources have no text value');
  }
}
