/** ClientKeyExchange for plain PSK (RFC 4279 §2): the PSK identity (UTF-8, RFC 4279 §5.1). */
import { ByteReader, vec16 } from '../../ByteReader.js';
import { DtlsError } from '../../DtlsError.js';

export function encodeClientKeyExchange(identity: string): Buffer {
  return vec16(Buffer.from(identity, 'utf8'));
}

export function parseClientKeyExchange(body: Buffer): string {
  const r = new ByteReader(body);
  const id = r.vec16();
  r.end();
  if (id.length === 0) throw new DtlsError('DTLS_DECODE', 'empty PSK identity');
  return id.toString('utf8');
}
