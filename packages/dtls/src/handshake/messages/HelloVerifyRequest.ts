/** HelloVerifyRequest (RFC 6347 §4.2.1). server_version SHOULD be DTLS 1.0 whatever is negotiated. */
import { ByteReader, u16, vec8 } from '../../ByteReader.js';
import { ProtocolVersion } from '../../constants.js';

export interface HelloVerifyRequest {
  readonly version: number;
  readonly cookie: Buffer;
}

export function encodeHelloVerifyRequest(cookie: Uint8Array): Buffer {
  return Buffer.concat([u16(ProtocolVersion.Dtls10), vec8(cookie)]);
}

export function parseHelloVerifyRequest(body: Buffer): HelloVerifyRequest {
  const r = new ByteReader(body);
  const version = r.u16();
  const cookie = r.vec8();
  r.end();
  return { version, cookie };
}
