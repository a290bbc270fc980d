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

export function encodeServerHello(h: ServerHello): Buffer {
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
