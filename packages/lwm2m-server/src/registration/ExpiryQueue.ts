/**
 * Deadlines keyed by id in a binary min-heap with lazy deletion: `set` and `delete` are
 * O(log n) / O(1), `popDue(now)` touches only what is due — no scan of every registration per
 * tick. Stale heap entries (a deadline moved by an Update) are skipped when they surface and the
 * heap is rebuilt when they outnumber the live ones.
 */
export class ExpiryQueue<K> {
  private ats: number[] = [];
  private keys: K[] = [];
  private readonly current = new Map<K, number>();

  get size(): number {
    return this.current.size;
  }

  /** Deadline of `key`, if any. */
  get(key: K): number | undefined {
    return this.current.get(key);
  }

  set(key: K, at: number): void {
    if (this.current.get(key) === at) return;
    this.current.set(key, at);
    this.push(at, key);
    this.maybeCompact();
  }

  delete(key: K): boolean {
    const had = this.current.delete(key);
    if (had) this.maybeCompact();
    return had;
  }

  clear(): void {
    this.current.clear();
    this.ats = [];
    this.keys = [];
  }

  /** Earliest live deadline. */
  peek(): number | undefined {
    while (this.ats.length > 0) {
      const at = this.ats[0] as number;
      const key = this.keys[0] as K;
      if (this.current.get(key) === at) return at;
      this.pop();
    }
    return undefined;
  }

  /** Removes and returns every key whose deadline is `<= now`, earliest first. */
  popDue(now: number): K[] {
    const out: K[] = [];
    for (;;) {
      const at = this.peek();
      if (at === undefined || at > now) break;
      const key = this.keys[0] as K;
      this.pop();
      this.current.delete(key);
      out.push(key);
    }
    return out;
  }

  private maybeCompact(): void {
    if (this.ats.length <= 2 * this.current.size + 64) return;
    const entries = [...this.current.entries()].sort((a, b) => a[1] - b[1]);
    // A sorted array is a valid min-heap.
    this.ats = entries.map((e) => e[1]);
    this.keys = entries.map((e) => e[0]);
  }

  private push(at: number, key: K): void {
    const ats = this.ats;
    const keys = this.keys;
    let i = ats.length;
    ats.push(at);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((ats[parent] as number) <= at) break;
      ats[i] = ats[parent] as number;
      keys[i] = keys[parent] as K;
      i = parent;
    }
    ats[i] = at;
    keys[i] = key;
  }

  private pop(): void {
    const ats = this.ats;
    const keys = this.keys;
    const lastAt = ats.pop() as number;
    const lastKey = keys.pop() as K;
    const n = ats.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (ats[r] as number) < (ats[l] as number) ? r : l;
      if ((ats[c] as number) >= lastAt) break;
      ats[i] = ats[c] as number;
      keys[i] = keys[c] as K;
      i = c;
    }
    ats[i] = lastAt;
    keys[i] = lastKey;
  }
}
