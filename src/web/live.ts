// One live feed of events for the whole page: components subscribe and refresh what they show
// when something happens to an app (a deploy step, a crash, a config change).
import { useEffect, useState } from 'preact/hooks';
import { stream } from './api.js';

export type { LiveEvent } from './api.js';
import type { LiveEvent } from './api.js';

const listeners = new Set<(e: LiveEvent) => void>();
let stop: (() => void) | null = null;

export function startLive(): void {
  stop ??= stream('/events/stream', { event: (d) => listeners.forEach((fn) => fn(d as LiveEvent)) });
}

export function stopLive(): void {
  stop?.();
  stop = null;
}

/** A counter that goes up on every event (of `app`, when given): put it in an effect's deps to refetch. */
export function useLiveTick(app?: string): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const fn = (e: LiveEvent) => {
      if (!app || e.app === app) setTick((t) => t + 1);
    };
    listeners.add(fn);
    return () => void listeners.delete(fn);
  }, [app]);
  return tick;
}
