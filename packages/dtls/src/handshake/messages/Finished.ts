/** Finished (RFC 5246 §7.4.9): 12 bytes of verify_data, compared in constant time. */
import { timingSafeEqual } from 'node:crypto';
import { finishedVerifyData } from '../../crypto/prf.js';

export function encodeFinished(master: Uint8Array, fromClient: boolean, handshakeHash: Uint8Array): Buffer {
  return finishedVerifyData(master, fromClient, handshakeHash);
}

export function verifyFinished(body: Buffer, master: Uint8Array, fromClient: boolean, handshakeHash: Uint8Array): boolean {
  const expected = finishedVerifyData(master, fromClient, handshakeHash);
  return body.length === expected.length && timingSafeEqual(body, expected);
}
