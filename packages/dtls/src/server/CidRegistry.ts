/**
 * The connection ids this server issued (RFC 9146), each mapped to the state it routes to: a record
 * carrying a CID is routed by it, not by the address it came from.
 */
import type { Random } from '../types.js';

export class CidRegistry<T> {
  private readonly byCid = new Map<string, T>();

  constructor(
    private readonly random: Random,
    readonly length: number,
  ) {}

  /** A fresh CID, not in use, registered for `target`. */
  allocate(target: T): Buffer {
    for (;;) {
      const cid = Buffer.from(this.random.bytes(this.length));
      const key = cid.toString('hex');
      if (this.byCid.has(key)) continue;
      this.byCid.set(key, target);
      return cid;
    }
  }

  /** Registers a CID issued before (a restored session); false when it is already taken. */
  adopt(cid: Buffer, target: T): boolean {
    const key = cid.toString('hex');
    if (cid.length !== this.length || this.byCid.has(key)) return false;
    this.byCid.set(key, target);
    return true;
  }

  lookup(cid: Buffer): T | undefined {
    return this.byCid.get(cid.toString('hex'));
  }

  free(cid: Buffer | undefined): void {
    if (cid) this.byCid.delete(cid.toString('hex'));
  }

  get size(): number {
    return this.byCid.size;
  }

  clear(): void {
    this.byCid.clear();
  }
}
