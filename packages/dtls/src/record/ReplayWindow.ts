/**
 * Anti-replay sliding window of 64 records (RFC 6347 §4.1.2.6), kept in two 32-bit words so the
 * record fast path allocates nothing.
 */
export class ReplayWindow {
  /** Highest sequence number accepted so far; -1 before the first. */
  private top = -1;
  /** Bit i of (hi:lo) set = record (top - i) received. */
  private lo = 0;
  private hi = 0;

  /** The window as plain numbers (saved with a session). */
  state(): { top: number; lo: number; hi: number } {
    return { top: this.top, lo: this.lo, hi: this.hi };
  }

  static from(st: { top: number; lo: number; hi: number }): ReplayWindow {
    const w = new ReplayWindow();
    w.top = st.top;
    w.lo = st.lo >>> 0;
    w.hi = st.hi >>> 0;
    return w;
  }

  /** The highest sequence number accepted so far (-1 before the first). */
  get highest(): number {
    return this.top;
  }

  /** True when `seq` is new (not yet seen, not too old). Does not mark it. */
  check(seq: number): boolean {
    if (seq > this.top) return true;
    const d = this.top - seq;
    if (d >= 64) return false;
    const bit = d < 32 ? (this.lo >>> d) & 1 : (this.hi >>> (d - 32)) & 1;
    return bit === 0;
  }

  /** Marks `seq` as received (call after the record authenticated). */
  mark(seq: number): void {
    if (seq > this.top) {
      const shift = this.top < 0 ? 64 : seq - this.top;
      if (shift >= 64) {
        this.lo = 0;
        this.hi = 0;
      } else if (shift >= 32) {
        this.hi = (this.lo << (shift - 32)) >>> 0;
        this.lo = 0;
      } else if (shift > 0) {
        this.hi = ((this.hi << shift) | (this.lo >>> (32 - shift))) >>> 0;
        this.lo = (this.lo << shift) >>> 0;
      }
      this.lo = (this.lo | 1) >>> 0;
      this.top = seq;
      return;
    }
    const d = this.top - seq;
    if (d >= 64) return;
    if (d < 32) this.lo = (this.lo | (1 << d)) >>> 0;
    else this.hi = (this.hi | (1 << (d - 32))) >>> 0;
  }
}
