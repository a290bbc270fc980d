/** A binary min-heap ordered by a numeric key. O(log n) push/pop. */
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly values: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, value: T): void {
    this.keys.push(key);
    this.values.push(value);
    this.up(this.keys.length - 1);
  }

  peekKey(): number | undefined {
    return this.keys[0];
  }

  pop(): T | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const top = this.values[0] as T;
    const lastK = this.keys.pop() as number;
    const lastV = this.values.pop() as T;
    if (n > 1) {
      this.keys[0] = lastK;
      this.values[0] = lastV;
      this.down(0);
    }
    return top;
  }

  /** Keeps only the entries for which `keep` is true, then re-heapifies (O(n)). */
  filter(keep: (key: number, value: T) => boolean): void {
    let w = 0;
    for (let r = 0; r < this.keys.length; r++) {
      const k = this.keys[r] as number;
      const v = this.values[r] as T;
      if (keep(k, v)) {
        this.keys[w] = k;
        this.values[w] = v;
        w++;
      }
    }
    this.keys.length = w;
    this.values.length = w;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private up(i: number): void {
    const k = this.keys[i] as number;
    const v = this.values[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = this.keys[p] as number;
      if (pk <= k) break;
      this.keys[i] = pk;
      this.values[i] = this.values[p] as T;
      i = p;
    }
    this.keys[i] = k;
    this.values[i] = v;
  }

  private down(i: number): void {
    const n = this.keys.length;
    const k = this.keys[i] as number;
    const v = this.values[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (this.keys[r] as number) < (this.keys[l] as number) ? r : l;
      const ck = this.keys[c] as number;
      if (ck >= k) break;
      this.keys[i] = ck;
      this.values[i] = this.values[c] as T;
      i = c;
    }
    this.keys[i] = k;
    this.values[i] = v;
  }
}
