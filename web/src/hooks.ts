// Data loading for pages: one fetch, or a poll every few seconds while the page is shown.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | Error | undefined;
  readonly loading: boolean;
  reload(): void;
}

export function useData<T>(load: () => Promise<T>, deps: readonly unknown[], pollMs = 0): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (): Promise<void> => {
      try {
        const value = await load();
        if (!alive) return;
        setData(value);
        setError(undefined);
      } catch (e) {
        if (alive) setError(e as Error);
      } finally {
        if (alive) setLoading(false);
      }
      if (alive && pollMs > 0) timer = setTimeout(() => void run(), pollMs);
    };
    void run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}

/** True when the API answered that a feature is not part of this gateway (404 on its route). */
export function isMissing(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.code === 'PCL_ERR_ROUTE_NOT_FOUND';
}
