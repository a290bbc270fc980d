import { useEffect, useState } from 'preact/hooks';

/** The console's one store of mutable state: a value, replaced as a whole, with subscribers. */
export class Store<T> {
  private listeners = new Set<() => void>();
  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(next: T): void {
    if (next === this.value) return;
    this.value = next;
    for (const l of [...this.listeners]) l();
  }

  update(f: (current: T) => T): void {
    this.set(f(this.value));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Re-renders the component when the selected part of the store changes. */
export function useStore<T, S>(store: Store<T>, select: (value: T) => S): S {
  const [selected, setSelected] = useState(() => select(store.get()));
  useEffect(() => {
    const check = (): void => setSelected(() => select(store.get()));
    check();
    return store.subscribe(check);
  }, [store]);
  return selected;
}
