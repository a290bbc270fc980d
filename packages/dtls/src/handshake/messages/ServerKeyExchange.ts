/** ServerKeyExchange for plain PSK (RFC 4279 §2): only the identity hint; sent only when one is configured. */
import { ByteReader, vec16 } from '../../ByteReader.js';

export function encodeServerKeyExchange(hint: string): Buffer {
  return vec16(Buffer.from(hint, 'utf8'));
}

export function parseServerKeyExchange(body: Buffer): string {
  const r = new ByteReader(body);
  const hint = r.vec16().toString('utf8');
  r.end();
  return hint;
}
