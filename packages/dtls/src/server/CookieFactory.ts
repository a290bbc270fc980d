/**
 * Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1): HMAC-SHA256 over the client's address,
 * port and ClientHello random with a secret that rotates every `rotateMs`; cookies made with the
 * previous secret are still accepted. Nothing is stored per peer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock, PeerAddress, Random } from '../types.js';

export const COOKIE_LENGTH = 16;

export class CookieFactory {
  private current: Uint8Array;
  private previous: Uint8Array;
  private rotatedAt: number;
  private readonly portBuf = Buffer.alloc(2);

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly rotateMs = 60_000,
  ) {
    this.current = random.bytes(32);
    this.previous = this.current;
    this.rotatedAt = clock.now();
  }

  private maybeRotate(): void {
    const now = this.clock.now();
    if (now - this.rotatedAt >= this.rotateMs) {
      this.previous = now - this.rotatedAt >= 2 * this.rotateMs ? this.random.bytes(32) : this.current;
      this.current = this.random.bytes(32);
      this.rotatedAt = now;
    }
  }

  private compute(secret: Uint8Array, peer: PeerAddress, clientRandom: Uint8Array): Buffer {
    this.portBuf.writeUInt16BE(peer.port & 0xffff, 0);
    return createHmac('sha256', secret).update(peer.address).update(this.portBuf).update(clientRandom).digest().subarray(0, COOKIE_LENGTH);
  }

  make(peer: PeerAddress, clientRandom: Uint8Array): Buffer {
    this.maybeRotate();
    return this.compute(this.current, peer, clientRandom);
  }

  verify(peer: PeerAddress, clientRandom: Uint8Array, cookie: Uint8Array): boolean {
    if (cookie.length !== COOKIE_LENGTH) return false;
    this.maybeRotate();
    if (timingSafeEqual(this.compute(this.current, peer, clientRandom), cookie)) return true;
    return this.previous !== this.current && timingSafeEqual(this.compute(this.previous, peer, clientRandom), cookie);
  }
}
