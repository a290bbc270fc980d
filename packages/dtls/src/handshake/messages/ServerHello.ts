/** ServerHello (RFC 5246 §7.4.1.3). */
import { ByteReader, u16, vec8 } from '../../ByteReader.js';
import { encodeExtensions, parseExtensions, type Extension } from '../Extensions.js';

export interface ServerHello {
  readonly version: number;
  readonly random: Buffer;
  readonly sessionId: Buffer;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  readonly extensions: readonly Extension[];
}

/** Written straight into one buffer: this runs once per handshake on the server. */
export function encodeServerHello(h: ServerHello): Buffer {
  let extLen = 0;
  for (const e of h.extensions) extLen += 4 + e.data.length;
  const out = Buffer.allocUnsafe(2 + 32 + 1 + h.sessionId.length + 3 + (h.extensions.length > 0 ? 2 + extLen : 0));
  let p = out.writeUInt16BE(h.version, 0);
  p += h.random.copy(out, p, 0, 32);
  out[p++] = h.sessionId.length;
  p += h.sessionId.copy(out, p);
  p = out.writeUInt16BE(h.cipherSuite, p);
  out[p++] = h.compressionMethod;
  if (h.extensions.length > 0) {
    p = out.writeUInt16BE(extLen, p);
    for (const e of h.extensions) {
      p = out.writeUInt16BE(e.type, p);
      p = out.writeUInt16BE(e.data.length, p);
      p += e.data.copy(out, p);
    }
  }
  return out;
}

/** The generic (concatenating) encoder, kept as the reference for the direct one in tests. */
export function encodeServerHelloReference(h: ServerHello): Buffer {
  return Buffer.concat([u16(h.version), h.random, vec8(h.sessionId), u16(h.cipherSuite), Buffer.from([h.compressionMethod]), encodeExtensions(h.extensions)]);
}

export function parseServerHello(body: Buffer): ServerHello {
  const r = new ByteReader(body);
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec8();
  const cipherSuite = r.u16();
  const compressionMethod = r.u8();
  const extensions = parseExtensions(r);
  r.end();
  return { version, random, sessionId, cipherSuite, compressionMethod, extensions };
}
