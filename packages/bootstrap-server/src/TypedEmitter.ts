/**
 * A minimal typed event emitter. A listener that throws is isolated: the error is counted and
 * never reaches the protocol code that emitted the event.
 */
export type EventMap = { [event: string]: unknown };

export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<(payload: never) => void>>();
  private listenerErrorCount = 0;

  /** Subscribes; returns an unsubscribe function. */
  on<K extends keyof E>(event: K, listener: (payload: E[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => this.off(event, listener);
  }

  off<K extends keyof E>(event: K, listener: (payload: E[K]) => void): void {
    this.listeners.get(event)?.delete(listener as (payload: never) => void);
  }

  /** Resolves with the next payload of `event`. */
  once<K extends keyof E>(event: K): Promise<E[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (p) => {
        off();
        resolve(p);
      });
    });
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (payload: E[K]) => void)(payload);
      } catch {
        this.listenerErrorCount += 1;
      }
    }
  }

  /** Listener exceptions swallowed so far. */
  get listenerErrors(): number {
    return this.listenerErrorCount;
  }
}
