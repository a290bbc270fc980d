/** Hello extensions (RFC 5246 §7.4.1.4): parse all, act on the ones we know, ignore the rest. */
import { ByteReader } from '../ByteReader.js';
import { DtlsError } from '../DtlsError.js';

export interface Extension {
  readonly type: number;
  readonly data: Buffer;
}

export function parseExtensions(r: ByteReader): Extension[] {
  if (r.remaining === 0) return [];
  const block = new ByteReader(r.vec16());
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (block.remaining > 0) {
    const type = block.u16();
    const data = block.vec16();
    if (seen.has(type)) throw new DtlsError('DTLS_DECODE', 'duplicate extension');
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

export function encodeExtensions(exts: readonly Extension[]): Buffer {
  if (exts.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const e of exts) {
    const h = Buffer.allocUnsafe(4);
    h.writeUInt16BE(e.type, 0);
    h.writeUInt16BE(e.data.length, 2);
    parts.push(h, e.data);
  }
  const body = Buffer.concat(parts);
  const len = Buffer.allocUnsafe(2);
  len.writeUInt16BE(body.length, 0);
  return Buffer.concat([len, body]);
}

export function hasExtension(exts: readonly Extension[], type: number): boolean {
  return exts.some((e) => e.type === type);
}
