// The state of one liveness or readiness check on one running container, and what each probe's
// outcome makes of it: consecutive failures up to `attempts` -> restart (liveness) or out of the
// proxy (readiness); a readiness pass brings the container back. Pure: times are passed in.
import type { ProcessCheckSettings } from '../../infra/db/rows.js';

export interface CheckState {
  /** Consecutive failed probes. */
  failures: number;
  /** Readiness: whether the proxy routes to the container (true until it fails `attempts` times). */
  ready: boolean;
  /** When the next probe is due (epoch ms). */
  nextAt: number;
  /** Until then (or the first pass), a refused connection is a process still starting, not a failure. */
  graceUntil: number;
}

export type CheckAction = { kind: 'none' } | { kind: 'restart'; error: string } | { kind: 'unready'; error: string } | { kind: 'ready' };

/** Probes never come closer than this, whatever `wait` says (0 would spin). */
export const MIN_INTERVAL_MS = 250;

/** How long a restarted process may take to listen before refused connections count. */
export const RESTART_GRACE_MS = 30_000;

const interval = (c: ProcessCheckSettings) => Math.max(c.intervalMs, MIN_INTERVAL_MS);

/**
 * A container first seen running (it passed the deploy's checks: no grace), or just restarted
 * (`restarted`: it gets RESTART_GRACE_MS to listen again): probed after the check's initialDelay.
 */
export function initialState(check: ProcessCheckSettings, now: number, restarted = false): CheckState {
  return { failures: 0, ready: true, nextAt: now + check.initialDelayMs, graceUntil: restarted ? now + Math.max(check.initialDelayMs, RESTART_GRACE_MS) : 0 };
}

/** The state after one probe at `now`, and what to do about it. */
export function afterProbe(check: ProcessCheckSettings, s: CheckState, outcome: { ok: true } | { ok: false; error: string; refused?: boolean }, now: number): { state: CheckState; action: CheckAction } {
  const next = now + interval(check);
  if (outcome.ok) {
    const back = check.type === 'readiness' && !s.ready;
    return { state: { failures: 0, ready: true, nextAt: next, graceUntil: 0 }, action: back ? { kind: 'ready' } : { kind: 'none' } };
  }
  if (outcome.refused && now < s.graceUntil) return { state: { ...s, nextAt: next }, action: { kind: 'none' } };
  const failures = s.failures + 1;
  if (check.type === 'liveness' && failures >= check.attempts) {
    // The restarted process gets its initial delay and a grace to listen again before it is probed.
    return { state: { ...initialState(check, now, true), ready: s.ready }, action: { kind: 'restart', error: outcome.error } };
  }
  if (check.type === 'readiness' && s.ready && failures >= check.attempts) {
    return { state: { ...s, failures, ready: false, nextAt: next }, action: { kind: 'unready', error: outcome.error } };
  }
  return { state: { ...s, failures, nextAt: next }, action: { kind: 'none' } };
}
