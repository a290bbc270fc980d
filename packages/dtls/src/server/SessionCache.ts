/**
 * Resumable sessions by session id (RFC 5246 §7.3, §7.4.1.2), bounded: at most `maxEntries` (the least
 * recently used goes first), each for at most `lifetimeMs`. Only sessions whose master secret is the
 * extended one (RFC 7627) are kept, so a resumption always has EMS's protection (§5.3). Entries are
 * indexed by PSK identity too, so a rotated or removed endpoint's sessions can be forgotten at once.
 */
import type { CipherSuiteInfo } from '../crypto/CipherSuite.js';

export interface CachedSession {
  readonly id: Buffer;
  readonly identity: string;
  readonly suite: CipherSuiteInfo;
  readonly master: Buffer;
  readonly pskHash: Buffer;
  readonly createdAt: number;
}

export interface SessionCacheOptions {
  /** Default 10,000; 0 disables resumption. */
  readonly maxEntries: number;
  /** Default 24 h. */
  readonly lifetimeMs: number;
}

export class SessionCache {
  /** Insertion order is recency order (a hit moves the entry to the end). */
  private readonly byId = new Map<string, CachedSession>();
  private readonly byIdentity = new Map<string, Set<string>>();

  constructor(private readonly o: SessionCacheOptions) {}

  get enabled(): boolean {
    return this.o.maxEntries > 0;
  }

  get size(): number {
    return this.byId.size;
  }

  put(entry: CachedSession): void {
    if (!this.enabled) return;
    const key = entry.id.toString('hex');
    this.remove(key);
    this.byId.set(key, entry);
    let ids = this.byIdentity.get(entry.identity);
    if (!ids) {
      ids = new Set();
      this.byIdentity.set(entry.identity, ids);
    }
    ids.add(key);
    while (this.byId.size > this.o.maxEntries) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  /** The session with this id, if cached and not expired (a hit counts as a use). */
  get(id: Uint8Array, now: number): CachedSession | undefined {
    if (id.length === 0) return undefined;
    const key = Buffer.from(id).toString('hex');
    const e = this.byId.get(key);
    if (!e) return undefined;
    if (now - e.createdAt > this.o.lifetimeMs) {
      this.remove(key);
      return undefined;
    }
    this.byId.delete(key);
    this.byId.set(key, e);
    return e;
  }

  /** Forgets every resumable session of this identity; returns how many. */
  dropIdentity(identity: string): number {
    const ids = this.byIdentity.get(identity);
    if (!ids) return 0;
    const n = ids.size;
    for (const k of [...ids]) this.remove(k);
    return n;
  }

  clear(): void {
    for (const e of this.byId.values()) e.master.fill(0);
    this.byId.clear();
    this.byIdentity.clear();
  }

  private remove(key: string): void {
    const e = this.byId.get(key);
    if (!e) return;
    this.byId.delete(key);
    e.master.fill(0); // a handshake resuming it holds its own copy
    const ids = this.byIdentity.get(e.identity);
    ids?.delete(key);
    if (ids?.size === 0) this.byIdentity.delete(e.identity);
  }
}
