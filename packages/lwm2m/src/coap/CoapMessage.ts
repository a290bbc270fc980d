/**
 * CoAP message wire format (RFC 7252 §3), internal to the endpoint. Decoding is done by
 * `coap-packet` after a strict structural check (it accepts truncated options, token lengths 9..15
 * and a payload marker without payload); encoding is our own (see {@link encodeMessage}). No
 * `coap-packet` type leaves this file.
 */
import { parse } from 'coap-packet';

export type CoapType = 'CON' | 'NON' | 'ACK' | 'RST';

/** Option numbers (RFC 7252 §5.10, RFC 7641, RFC 7959). */
export const CoapOption = {
  IfMatch: 1,
  UriHost: 3,
  ETag: 4,
  IfNoneMatch: 5,
  Observe: 6,
  UriPort: 7,
  LocationPath: 8,
  Oscore: 9,
  UriPath: 11,
  ContentFormat: 12,
  MaxAge: 14,
  UriQuery: 15,
  HopLimit: 16,
  Accept: 17,
  LocationQuery: 20,
  Block2: 23,
  Block1: 27,
  Size2: 28,
  ProxyUri: 35,
  ProxyScheme: 39,
  Size1: 60,
  NoResponse: 258,
  /** RFC 9175: tells concurrent block-wise bodies apart (libcoap sends it). */
  RequestTag: 292,
} as const;

export interface CoapOptionValue {
  readonly number: number;
  readonly value: Uint8Array;
}

export interface CoapMessage {
  readonly type: CoapType;
  /** Raw code byte: class << 5 | detail (0 = empty message). */
  readonly code: number;
  readonly messageId: number;
  readonly token: Uint8Array;
  /** In option-number order (repeated options keep their order). */
  readonly options: readonly CoapOptionValue[];
  readonly payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const TYPES: readonly CoapType[] = ['CON', 'NON', 'ACK', 'RST'];

export function codeClass(code: number): number {
  return code >> 5;
}

/** `'2.05'` for 0x45. */
export function codeToString(code: number): string {
  const detail = code & 0x1f;
  return `${code >> 5}.${detail < 10 ? '0' : ''}${detail}`;
}

/** Parses `'c.dd'`; `undefined` when it is not a valid code string. */
export function codeFromString(s: string): number | undefined {
  const m = /^([0-7])\.(\d{2})$/.exec(s);
  if (!m) return undefined;
  const detail = Number(m[2]);
  if (detail > 31) return undefined;
  return (Number(m[1]) << 5) | detail;
}

/** Why a datagram was rejected by {@link decodeMessage}. */
export class MalformedMessage {
  constructor(
    readonly reason: string,
    /** Header fields when at least the 4-byte header was readable (lets the caller RST a CON). */
    readonly header?: { type: CoapType; messageId: number },
  ) {}
}

/** Strict structural check of RFC 7252 §3; returns a reason or `undefined` if well formed. */
function check(data: Uint8Array): string | undefined {
  if (data.length < 4) return 'shorter than the 4-byte header';
  const b0 = data[0] as number;
  if (b0 >> 6 !== 1) return 'unsupported version';
  const tkl = b0 & 0x0f;
  if (tkl > 8) return 'token length > 8';
  const code = data[1] as number;
  if (code === 0) return data.length === 4 && tkl === 0 ? undefined : 'empty message with content';
  const cls = code >> 5;
  if (cls === 1 || cls === 6 || cls === 7) return 'reserved code class';
  let i = 4 + tkl;
  if (i > data.length) return 'truncated token';
  let number = 0;
  while (i < data.length) {
    const b = data[i] as number;
    i += 1;
    if (b === 0xff) return i < data.length ? undefined : 'payload marker without payload';
    let delta = b >> 4;
    let len = b & 0x0f;
    if (delta === 15 || len === 15) return 'reserved option nibble';
    if (delta === 13) {
      if (i + 1 > data.length) return 'truncated option delta';
      delta = (data[i] as number) + 13;
      i += 1;
    } else if (delta === 14) {
      if (i + 2 > data.length) return 'truncated option delta';
      delta = (((data[i] as number) << 8) | (data[i + 1] as number)) + 269;
      i += 2;
    }
    if (len === 13) {
      if (i + 1 > data.length) return 'truncated option length';
      len = (data[i] as number) + 13;
      i += 1;
    } else if (len === 14) {
      if (i + 2 > data.length) return 'truncated option length';
      len = (((data[i] as number) << 8) | (data[i + 1] as number)) + 269;
      i += 2;
    }
    number += delta;
    if (number > 0xffff) return 'option number out of range';
    if (i + len > data.length) return 'truncated option value';
    i += len;
  }
  return undefined;
}

const OPTION_NUMBERS: Record<string, number> = {
  'If-Match': 1, 'Uri-Host': 3, ETag: 4, 'If-None-Match': 5, Observe: 6, 'Uri-Port': 7, 'Location-Path': 8,
  OSCORE: 9, 'Uri-Path': 11, 'Content-Format': 12, 'Max-Age': 14, 'Uri-Query': 15, 'Hop-Limit': 16, Accept: 17,
  'Q-Block1': 19, 'Location-Query': 20, Block2: 23, Block1: 27, Size2: 28, 'Q-Block2': 31, 'Proxy-Uri': 35,
  'Proxy-Scheme': 39, Size1: 60, 'No-Response': 258, 'OCF-Accept-Content-Format-Version': 2049,
  'OCF-Content-Format-Version': 2053,
};

function toU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** Decodes one datagram; never throws. */
export function decodeMessage(data: Uint8Array): CoapMessage | MalformedMessage {
  const reason = check(data);
  if (reason !== undefined) {
    const header =
      data.length >= 4 && (data[0] as number) >> 6 === 1
        ? { type: TYPES[((data[0] as number) >> 4) & 3] as CoapType, messageId: ((data[2] as number) << 8) | (data[3] as number) }
        : undefined;
    return new MalformedMessage(reason, header);
  }
  try {
    const p = parse(toBuffer(data));
    const options: CoapOptionValue[] = p.options.map((o) => ({
      number: typeof o.name === 'number' ? o.name : (OPTION_NUMBERS[o.name] ?? Number(o.name)),
      value: toU8(o.value),
    }));
    const type: CoapType = p.confirmable ? 'CON' : p.ack ? 'ACK' : p.reset ? 'RST' : 'NON';
    return { type, code: data[1] as number, messageId: p.messageId, token: toU8(p.token), options, payload: toU8(p.payload) };
  } catch (err) {
    return new MalformedMessage(err instanceof Error ? err.message : 'unparseable');
  }
}

const TYPE_BITS: Record<CoapType, number> = { CON: 0, NON: 1, ACK: 2, RST: 3 };

function extLen(n: number): number {
  return n < 13 ? 0 : n < 269 ? 1 : 2;
}

function nibble(n: number): number {
  return n < 13 ? n : n < 269 ? 13 : 14;
}

/**
 * Encodes a message (RFC 7252 §3). Written here rather than with `coap-packet`'s `generate`, which
 * is about 10x slower (a zero-filled buffer per option, a UTF-8 decode of the payload); the tests
 * check it byte for byte against `generate`. Throws a RangeError for a token over 8 bytes or an
 * option value over 65,804 bytes (programming errors; callers validate user input first).
 */
export function encodeMessage(m: CoapMessage): Uint8Array {
  if (m.token.length > 8) throw new RangeError('token longer than 8 bytes');
  const opts = m.options.length > 1 ? [...m.options].sort((a, b) => a.number - b.number) : m.options;
  let len = 4 + m.token.length;
  let prev = 0;
  for (const o of opts) {
    const l = o.value.length;
    if (l > 65_804 || o.number > 0xffff) throw new RangeError(`option ${o.number} out of range`);
    len += 1 + extLen(o.number - prev) + extLen(l) + l;
    prev = o.number;
  }
  const withPayload = m.code !== 0 && m.payload.length > 0;
  if (withPayload) len += 1 + m.payload.length;
  const out = Buffer.allocUnsafe(len);
  out[0] = 0x40 | (TYPE_BITS[m.type] << 4) | m.token.length;
  out[1] = m.code;
  out[2] = (m.messageId >> 8) & 0xff;
  out[3] = m.messageId & 0xff;
  out.set(m.token, 4);
  let i = 4 + m.token.length;
  prev = 0;
  for (const o of opts) {
    const d = o.number - prev;
    const l = o.value.length;
    prev = o.number;
    out[i++] = (nibble(d) << 4) | nibble(l);
    if (d >= 269) {
      out[i++] = (d - 269) >> 8;
      out[i++] = (d - 269) & 0xff;
    } else if (d >= 13) out[i++] = d - 13;
    if (l >= 269) {
      out[i++] = (l - 269) >> 8;
      out[i++] = (l - 269) & 0xff;
    } else if (l >= 13) out[i++] = l - 13;
    out.set(o.value, i);
    i += l;
  }
  if (withPayload) {
    out[i++] = 0xff;
    out.set(m.payload, i);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function emptyMessage(type: 'ACK' | 'RST', messageId: number): CoapMessage {
  return { type, code: 0, messageId, token: EMPTY, options: [], payload: EMPTY };
}

/** Minimal big-endian unsigned integer (RFC 7252 §3.2 "uint"): 0 is the empty string. */
export function encodeUint(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`uint out of range: ${n}`);
  if (n === 0) return EMPTY;
  const len = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
  const out = new Uint8Array(len);
  let v = n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Reads a uint option value of at most 4 bytes; `undefined` when longer. */
export function decodeUint(value: Uint8Array): number | undefined {
  if (value.length > 4) return undefined;
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

export function getOption(m: CoapMessage, number: number): Uint8Array | undefined {
  for (const o of m.options) if (o.number === number) return o.value;
  return undefined;
}

export function getOptions(m: CoapMessage, number: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const o of m.options) if (o.number === number) out.push(o.value);
  return out;
}

export function getUintOption(m: CoapMessage, number: number): number | undefined {
  const v = getOption(m, number);
  return v === undefined ? undefined : decodeUint(v);
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

export function textOption(number: number, s: string): CoapOptionValue {
  return { number, value: utf8.encode(s) };
}

export function decodeText(v: Uint8Array): string {
  return utf8d.decode(v);
}

export function uintOption(number: number, n: number): CoapOptionValue {
  return { number, value: encodeUint(n) };
}

export function tokenHex(token: Uint8Array): string {
  return Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('hex');
}
