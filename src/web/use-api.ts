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
    // A superseded request is cancelled, not left queued: a browser sends GETs of one URL one
    // after the other, so stale ones (a slow /ps asked again on every live event) would pile up.
    const ac = new AbortController();
    api<T>('GET', path, undefined, ac.signal).then(
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
      ac.abort();
    };
  }, [path, n, ...deps]);
  return { data, error, reload: () => setN((x) => x + 1), answers };
}
