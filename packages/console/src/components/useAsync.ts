import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiRequestError } from '../api/ApiClient.js';

export interface AsyncState<T> {
  readonly value: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  reload(): void;
}

/** Runs `load` on mount and when `deps` change; errors become a message for the page. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (v) => {
        if (!live) return;
        setValue(() => v);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(errorText(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { value, error, loading, reload };
}

export function errorText(err: unknown): string {
  if (err instanceof ApiRequestError) return `${err.message}${err.code && !err.message.includes(err.code) ? ` (${err.code})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
