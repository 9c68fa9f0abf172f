// Loads an API path into component state, again whenever a dependency changes.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

export function useApi<T>(path: string | null, deps: unknown[] = []): { data: T | undefined; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>('GET', path).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [path, n, ...deps]);
  return { data, error, reload: () => setN((x) => x + 1) };
}
