/**
 * Parsing of the Register / Update query parameters and link-format payload (LwM2M 1.1 TS Core
 * §6.2.1, §6.2.2). Pure functions: they return a result, never throw.
 */
import { parseRegistrationLinks, type RegisteredObjectLink } from '@chainm2m/lwm2m';

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface RegisterParams {
  readonly endpoint: string;
  readonly lifetime: number;
  readonly lwm2mVersion: string;
  readonly binding: string;
  readonly queueMode: boolean;
  readonly smsNumber?: string;
}

export interface UpdateParams {
  readonly lifetime?: number;
  readonly binding?: string;
  readonly smsNumber?: string;
  readonly queueMode?: boolean;
}

export interface ParsedObjectLinks {
  readonly objectLinks: readonly RegisteredObjectLink[];
  readonly rootPath: string;
  readonly supportedContentFormats?: readonly number[];
}

export const DEFAULT_LIFETIME_S = 86400;
const MAX_LIFETIME_S = 0xffffffff;
const MAX_ENDPOINT_LENGTH = 255;

function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}
function fail<T>(reason: string): ParseResult<T> {
  return { ok: false, reason };
}

function splitQuery(query: readonly string[]): ParseResult<Map<string, string | undefined>> {
  const m = new Map<string, string | undefined>();
  for (const q of query) {
    const eq = q.indexOf('=');
    const name = eq < 0 ? q : q.slice(0, eq);
    const value = eq < 0 ? undefined : q.slice(eq + 1);
    if (m.has(name)) return fail(`duplicate query parameter ${name}`);
    m.set(name, value);
  }
  return ok(m);
}

function parseLifetime(v: string | undefined): number | undefined {
  if (v === undefined || !/^[0-9]{1,10}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= MAX_LIFETIME_S ? n : undefined;
}

function validBinding(b: string): boolean {
  // LwM2M 1.0: U, UQ, S, SQ, US, UQS; 1.1: any of U, S, N, T (+ Q accepted for 1.0 clients).
  if (!/^[USNTQ]{1,5}$/.test(b)) return false;
  return new Set(b).size === b.length;
}

function validEndpoint(ep: string): boolean {
  if (ep.length === 0 || ep.length > MAX_ENDPOINT_LENGTH) return false;
  // No control characters.
  for (let i = 0; i < ep.length; i++) if (ep.charCodeAt(i) < 0x20 || ep.charCodeAt(i) === 0x7f) return false;
  return true;
}

export function parseRegisterQuery(query: readonly string[]): ParseResult<RegisterParams> {
  const q = splitQuery(query);
  if (!q.ok) return q;
  const m = q.value;
  const ep = m.get('ep');
  if (ep === undefined || !validEndpoint(ep)) return fail('missing or invalid ep');
  let lifetime = DEFAULT_LIFETIME_S;
  if (m.has('lt')) {
    const lt = parseLifetime(m.get('lt'));
    if (lt === undefined) return fail('invalid lt');
    lifetime = lt;
  }
  const version = m.get('lwm2m') ?? '1.0';
  if (!/^1\.[0-9]$/.test(version)) return fail('invalid lwm2m version');
  const binding = m.get('b') ?? 'U';
  if (!validBinding(binding)) return fail('invalid b');
  const queueParam = m.has('Q');
  if (queueParam && m.get('Q') !== undefined && m.get('Q') !== '') return fail('Q takes no value');
  const sms = m.get('sms');
  if (sms !== undefined && !/^[+0-9]{1,20}$/.test(sms)) return fail('invalid sms');
  const params: RegisterParams = {
    endpoint: ep,
    lifetime,
    lwm2mVersion: version,
    binding,
    queueMode: queueParam || binding.includes('Q'),
    ...(sms !== undefined ? { smsNumber: sms } : {}),
  };
  return ok(params);
}

export function parseUpdateQuery(query: readonly string[]): ParseResult<UpdateParams> {
  const q = splitQuery(query);
  if (!q.ok) return q;
  const m = q.value;
  const out: { -readonly [K in keyof UpdateParams]: UpdateParams[K] } = {};
  // The endpoint name cannot change in an Update; other unknown parameters (e.g. `lwm2m`, sent
  // by some 1.0 clients) are ignored.
  if (m.has('ep')) return fail('ep cannot change in an Update');
  if (m.has('lt')) {
    const lt = parseLifetime(m.get('lt'));
    if (lt === undefined) return fail('invalid lt');
    out.lifetime = lt;
  }
  if (m.has('b')) {
    const b = m.get('b') ?? '';
    if (!validBinding(b)) return fail('invalid b');
    out.binding = b;
    out.queueMode = b.includes('Q') || m.has('Q');
  } else if (m.has('Q')) {
    out.queueMode = true;
  }
  if (m.has('sms')) {
    const sms = m.get('sms') ?? '';
    if (!/^[+0-9]{1,20}$/.test(sms)) return fail('invalid sms');
    out.smsNumber = sms;
  }
  return ok(out);
}

/**
 * Parses the Register/Update link-format payload into object links with the lwm2m core's
 * `parseRegistrationLinks` (links outside the root path or naming resources are a 4.00).
 */
export function parseObjectLinks(payload: Uint8Array): ParseResult<ParsedObjectLinks> {
  try {
    const r = parseRegistrationLinks(payload);
    return ok({ objectLinks: r.objectLinks, rootPath: r.rootPath, ...(r.supportedContentFormats ? { supportedContentFormats: r.supportedContentFormats } : {}) });
  } catch (err) {
    return fail(err instanceof Error ? err.message : 'malformed link-format payload');
  }
}
