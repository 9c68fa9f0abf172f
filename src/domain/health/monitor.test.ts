import { describe, expect, it } from 'vitest';
import type { ProcessCheckSettings } from '../../infra/db/rows.js';
import { afterProbe, type CheckState, initialState, MIN_INTERVAL_MS, RESTART_GRACE_MS } from './monitor.js';

const check = (type: ProcessCheckSettings['type'], over: Partial<ProcessCheckSettings> = {}): ProcessCheckSettings => ({
  process: 'web',
  type,
  name: 'c',
  path: '/',
  initialDelayMs: 2000,
  intervalMs: 1000,
  timeoutMs: 500,
  attempts: 3,
  ...over,
});
const fail = { ok: false as const, error: 'answered 500' };
const pass = { ok: true as const };

/** Runs outcomes one after another from the initial state; the actions taken. */
function run(c: ProcessCheckSettings, outcomes: ({ ok: true } | { ok: false; error: string })[]): { actions: string[]; state: CheckState } {
  let state = initialState(c, 0);
  const actions: string[] = [];
  outcomes.forEach((o, i) => {
    const r = afterProbe(c, state, o, i * 1000);
    state = r.state;
    actions.push(r.action.kind);
  });
  return { actions, state };
}

describe('a liveness check on a running container', () => {
  it('is first probed after its initial delay', () => {
    expect(initialState(check('liveness'), 10_000).nextAt).toBe(12_000);
  });

  it('restarts the container after `attempts` consecutive failures, not before', () => {
    expect(run(check('liveness'), [fail, fail, fail]).actions).toEqual(['none', 'none', 'restart']);
  });

  it('counts only consecutive failures: a pass in between starts the count again', () => {
    expect(run(check('liveness'), [fail, fail, pass, fail, fail, fail]).actions).toEqual(['none', 'none', 'none', 'none', 'none', 'restart']);
  });

  it('gives a restarted process its initial delay again and starts counting anew', () => {
    const c = check('liveness', { initialDelayMs: 4000 });
    const r = afterProbe(c, { failures: 2, ready: true, nextAt: 0, graceUntil: 0 }, fail, 10_000);
    expect(r.action).toEqual({ kind: 'restart', error: 'answered 500' });
    expect(r.state).toMatchObject({ failures: 0, nextAt: 14_000 });
  });

  it('probes every `wait`, never closer than the floor', () => {
    expect(afterProbe(check('liveness'), initialState(check('liveness'), 0), pass, 5000).state.nextAt).toBe(6000);
    expect(afterProbe(check('liveness', { intervalMs: 0 }), initialState(check('liveness'), 0), pass, 5000).state.nextAt).toBe(5000 + MIN_INTERVAL_MS);
  });
});

describe('a readiness check on a running web container', () => {
  it('takes it out once after `attempts` consecutive failures, and brings it back at the first pass', () => {
    const r = run(check('readiness', { attempts: 2 }), [fail, fail, fail, fail, pass, pass, fail]);
    expect(r.actions).toEqual(['none', 'unready', 'none', 'none', 'ready', 'none', 'none']);
    expect(r.state.ready).toBe(true);
  });

  it('never restarts anything', () => {
    expect(run(check('readiness', { attempts: 1 }), [fail, fail, fail]).actions).toEqual(['unready', 'none', 'none']);
  });

  it('says nothing while a ready container keeps passing', () => {
    expect(run(check('readiness'), [pass, pass]).actions).toEqual(['none', 'none']);
  });
});

describe('a process just restarted for failing liveness', () => {
  const refused = { ok: false as const, error: 'connection refused', refused: true };

  it('may refuse connections while it starts again, without that counting as failures', () => {
    const c = check('readiness', { attempts: 1, initialDelayMs: 0 });
    let s = initialState(c, 0, true);
    for (const t of [100, 600, 1100]) {
      const r = afterProbe(c, s, refused, t);
      expect(r.action.kind).toBe('none');
      s = r.state;
    }
    expect(afterProbe(c, s, pass, 1500).state.graceUntil).toBe(0);
  });

  it('counts refused connections once its grace is over, and any other failure at once', () => {
    const c = check('liveness', { attempts: 1, initialDelayMs: 0 });
    expect(afterProbe(c, initialState(c, 0, true), refused, RESTART_GRACE_MS).action.kind).toBe('restart');
    expect(afterProbe(c, initialState(c, 0, true), fail, 100).action.kind).toBe('restart');
  });

  it('counts refused connections at once on a container that was up when first seen', () => {
    const c = check('liveness', { attempts: 1 });
    expect(afterProbe(c, initialState(c, 0), refused, 100).action.kind).toBe('restart');
  });
});
