// Loads an API path into component state, again whenever a dependency changes. `answers`
// counts the answers (data or error) so far: something to wait on before asking again.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

export function useApi<T>(path: string | null, deps: unknown[] = []): { data: T | undefined; error: string | null; reload: () => void; answers: number } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [answers, setAnswers] = useState(0);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>('GET', path).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setAnswers((a) => a + 1);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e instanceof Error ? e.message : String(e));
        setAnswers((a) => a + 1);
      },
    );
    return () => {
      live = false;
    };
  }, [path, n, ...deps]);
  return { data, error, reload: () => setN((x) => x + 1), answers };
}
