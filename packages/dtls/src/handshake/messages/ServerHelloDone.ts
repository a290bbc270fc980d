/** ServerHelloDone (RFC 5246 §7.4.5): an empty body. */
import { DtlsError } from '../../DtlsError.js';

export function encodeServerHelloDone(): Buffer {
  return Buffer.alloc(0);
}

export function parseServerHelloDone(body: Buffer): void {
  if (body.length !== 0) throw new DtlsError('DTLS_DECODE', 'ServerHelloDone must be empty');
}
