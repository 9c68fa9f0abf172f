// Runs what a user asked for (a click, a form), keeping its error to show and whether it is
// still under way; each new attempt clears the last error, and so does `clear` (the user
// moved on, e.g. to another way of logging in).
import { useState } from 'preact/hooks';
import { messageOf } from '../errors.js';

export function useAction(): { error: string | null; busy: boolean; run: (fn: () => Promise<void>) => Promise<boolean>; clear: () => void } {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<void>): Promise<boolean> => {
    setError(null);
    setBusy(true);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run, clear: () => setError(null) };
}
