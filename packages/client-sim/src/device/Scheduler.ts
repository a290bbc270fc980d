import type { Clock, TimerHandle } from '@chainm2m/lwm2m';

interface Entry {
  at: number;
  seq: number;
  fn: (() => void) | undefined;
}

/**
 * Many timers on one clock timer: a min-heap of due times, with only the earliest armed on the
 * clock. Thousands of simulated devices share one (registration updates, observation checks).
 */
export class Scheduler {
  private readonly heap: Entry[] = [];
  private seq = 0;
  private live = 0;
  private armed: { at: number; handle: TimerHandle } | undefined;

  constructor(readonly clock: Clock) {}

  /** Pending (not cancelled) entries. */
  get size(): number {
    return this.live;
  }

  after(ms: number, fn: () => void): TimerHandle {
    return this.at(this.clock.now() + Math.max(0, ms), fn);
  }

  at(time: number, fn: () => void): TimerHandle {
    const entry: Entry = { at: time, seq: this.seq++, fn };
    this.push(entry);
    this.live++;
    this.arm();
    return {
      cancel: () => {
        if (entry.fn) {
          entry.fn = undefined;
          this.live--;
          if (this.heap.length > 64 && this.live < this.heap.length / 2) this.compact();
        }
      },
    };
  }

  /** Drops every pending entry. */
  clear(): void {
    for (const e of this.heap) e.fn = undefined;
    this.heap.length = 0;
    this.live = 0;
    this.armed?.handle.cancel();
    this.armed = undefined;
  }

  private arm(): void {
    while (this.heap.length > 0 && !(this.heap[0] as Entry).fn) this.pop();
    const top = this.heap[0];
    if (!top) {
      this.armed?.handle.cancel();
      this.armed = undefined;
      return;
    }
    if (this.armed && this.armed.at <= top.at) return;
    this.armed?.handle.cancel();
    const at = top.at;
    this.armed = { at, handle: this.clock.setTimer(Math.max(0, at - this.clock.now()), () => this.fire()) };
  }

  private fire(): void {
    this.armed = undefined;
    const now = this.clock.now();
    let budget = this.heap.length + 1;
    while (this.heap.length > 0 && budget-- > 0) {
      const top = this.heap[0] as Entry;
      if (top.fn && top.at > now) break;
      this.pop();
      const fn = top.fn;
      if (!fn) continue;
      top.fn = undefined;
      this.live--;
      try {
        fn();
      } catch {
        // a failing task must not stop the others; tasks report their own errors
      }
    }
    this.arm();
  }

  private compact(): void {
    const keep = this.heap.filter((e) => e.fn);
    this.heap.length = 0;
    for (const e of keep) this.push(e);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Entry, h[p] as Entry)) break;
      [h[i], h[p]] = [h[p] as Entry, h[i] as Entry];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Entry, h[m] as Entry)) m = l;
        if (r < h.length && this.less(h[r] as Entry, h[m] as Entry)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Entry, h[i] as Entry];
        i = m;
      }
    }
    return top;
  }
}
