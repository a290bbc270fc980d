/** ClientHello (RFC 6347 §4.2.1: RFC 5246 §7.4.1.2 plus the `cookie` field). */
import { ByteReader, u16, vec8 } from '../../ByteReader.js';
import { DtlsError } from '../../DtlsError.js';
import { encodeExtensions, parseExtensions, type Extension } from '../Extensions.js';

export interface ClientHello {
  readonly version: number;
  readonly random: Buffer;
  readonly sessionId: Buffer;
  readonly cookie: Buffer;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: Buffer;
  readonly extensions: readonly Extension[];
}

export function parseClientHello(body: Buffer): ClientHello {
  const r = new ByteReader(body);
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec8();
  if (sessionId.length > 32) throw new DtlsError('DTLS_DECODE', 'session id too long');
  const cookie = r.vec8();
  const suites = r.vec16();
  if (suites.length < 2 || suites.length % 2 !== 0) throw new DtlsError('DTLS_DECODE', 'bad cipher suite list');
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push(suites.readUInt16BE(i));
  const compressionMethods = r.vec8();
  if (compressionMethods.length < 1) throw new DtlsError('DTLS_DECODE', 'no compression method');
  const extensions = parseExtensions(r);
  r.end();
  return { version, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export function encodeClientHello(h: ClientHello): Buffer {
  const suites = Buffer.allocUnsafe(2 + 2 * h.cipherSuites.length);
  suites.writeUInt16BE(2 * h.cipherSuites.length, 0);
  h.cipherSuites.forEach((s, i) => suites.writeUInt16BE(s, 2 + 2 * i));
  return Buffer.concat([
    u16(h.version),
    h.random,
    vec8(h.sessionId),
    vec8(h.cookie),
    suites,
    vec8(h.compressionMethods),
    encodeExtensions(h.extensions),
  ]);
}
