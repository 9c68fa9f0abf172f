// When a process counts as crash-looping: the one rule `berth ps`, the supervisor and every
// app status (`berth apps`, `berth status`, the dashboard) share.
import type { Deps } from '../context.js';

/** Restarts within this window count towards the backoff and the crash-loop verdict. */
export const CRASH_WINDOW_MS = 120_000;
export const CRASH_LOOP_RESTARTS = 3;

/** True when the container was restarted CRASH_LOOP_RESTARTS times within the last CRASH_WINDOW_MS. */
export function isCrashLooping(deps: Pick<Deps, 'db'>, containerId: string, now = Date.now()): boolean {
  return deps.db.events.count(`container:${containerId}`, 'process.restarted', new Date(now - CRASH_WINDOW_MS).toISOString()) >= CRASH_LOOP_RESTARTS;
}
