/**
 * A Map that also remembers insertion order in an array queue, so the oldest entries can be
 * evicted or expired in O(1) each. (Using a plain Map as a FIFO — `keys().next()` then `delete` —
 * degrades: V8 leaves deleted slots in place until the next rehash, and every `keys().next()` walks
 * over them.) Re-setting a key moves it to the back.
 */
export class FifoMap<K, V> {
  private readonly map = new Map<K, V>();
  private queue: { key: K; value: V }[] = [];
  private head = 0;

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    this.map.set(key, value);
    this.queue.push({ key, value });
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.queue = [];
    this.head = 0;
  }

  /** The oldest live entry, or undefined. */
  oldest(): { key: K; value: V } | undefined {
    while (this.head < this.queue.length) {
      const item = this.queue[this.head] as { key: K; value: V };
      if (this.map.get(item.key) === item.value) return item;
      this.head++; // stale: deleted or re-set since
      this.compact();
    }
    return undefined;
  }

  /** Removes the oldest live entry and returns it. */
  shift(): { key: K; value: V } | undefined {
    const item = this.oldest();
    if (!item) return undefined;
    this.map.delete(item.key);
    this.head++;
    this.compact();
    return item;
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  private compact(): void {
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
