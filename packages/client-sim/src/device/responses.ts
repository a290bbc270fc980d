import type { CoapResponse } from './coapShapes.js';

const enc = new TextEncoder();

export function respond(code: string, payload?: Uint8Array, contentFormat?: number): CoapResponse {
  return {
    code,
    ...(payload === undefined ? {} : { payload }),
    ...(contentFormat === undefined ? {} : { contentFormat }),
  };
}

/** A response with a short diagnostic payload (RFC 7252 §5.5.2), never echoing request data. */
export function fail(code: string, diagnostic?: string): CoapResponse {
  return diagnostic ? { code, payload: enc.encode(diagnostic) } : { code };
}

/** Uri-Path segments -> ids, or `undefined` when a segment is not a valid id. */
export function pathIds(path: readonly string[]): number[] | undefined {
  const segs = path.length > 0 && path[path.length - 1] === '' ? path.slice(0, -1) : path;
  if (segs.length > 4) return undefined;
  const ids: number[] = [];
  for (const s of segs) {
    if (!/^(0|[1-9]\d{0,4})$/.test(s)) return undefined;
    const n = Number(s);
    if (n > 65534) return undefined;
    ids.push(n);
  }
  return ids;
}
