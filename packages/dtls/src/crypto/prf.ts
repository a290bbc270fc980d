/**
 * TLS 1.2 PRF with SHA-256 (RFC 5246 §5), the key schedule (§6.3, §8.1), the extended master secret
 * (RFC 7627 §4) and the PSK premaster secret (RFC 4279 §2). All four suites use the SHA-256 PRF.
 */
import { createHmac } from 'node:crypto';

function hmac(secret: Uint8Array, a: Uint8Array, b?: Uint8Array): Buffer {
  const h = createHmac('sha256', secret).update(a);
  if (b) h.update(b);
  return h.digest();
}

/** P_SHA256(secret, seed) truncated to `length` bytes. */
export function pSha256(secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let a: Buffer = hmac(secret, seed);
  let pos = 0;
  while (pos < length) {
    const block = hmac(secret, a, seed);
    block.copy(out, pos, 0, Math.min(block.length, length - pos));
    pos += block.length;
    if (pos < length) a = hmac(secret, a);
  }
  return out;
}

export function prf(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  return pSha256(secret, Buffer.concat([Buffer.from(label, 'latin1'), seed]), length);
}

/** RFC 4279 §2: uint16 N, N zero bytes, uint16 N, psk. */
export function pskPremasterSecret(psk: Uint8Array): Buffer {
  const n = psk.length;
  const out = Buffer.alloc(4 + 2 * n);
  out.writeUInt16BE(n, 0);
  out.writeUInt16BE(n, 2 + n);
  out.set(psk, 4 + n);
  return out;
}

export function masterSecret(premaster: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Buffer {
  return prf(premaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
}

/** RFC 7627 §4: `sessionHash` is the hash of the handshake messages up to and including ClientKeyExchange. */
export function extendedMasterSecret(premaster: Uint8Array, sessionHash: Uint8Array): Buffer {
  return prf(premaster, 'extended master secret', sessionHash, 48);
}

export function keyBlock(master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, length: number): Buffer {
  return prf(master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), length);
}

/** verify_data of a Finished message (RFC 5246 §7.4.9). */
export function finishedVerifyData(master: Uint8Array, fromClient: boolean, handshakeHash: Uint8Array): Buffer {
  return prf(master, fromClient ? 'client finished' : 'server finished', handshakeHash, 12);
}
