import { describe, expect, it } from 'vitest';
import { cronJobId, decideTick, nextDue, parseCron, scheduleProblem } from './cron-schedule.js';

const at = (iso: string) => new Date(iso);

describe('app.json cron', () => {
  it('reads Dokku entries, each with a stable id from its schedule and command', () => {
    const jobs = parseCron([
      { command: 'node task.js', schedule: '@daily' },
      { command: 'npm run send-email', schedule: ' 0  3 * * MON ', maintenance: false },
    ]);
    expect(jobs).toEqual([
      { id: cronJobId('@daily', 'node task.js'), schedule: '@daily', command: 'node task.js' },
      { id: cronJobId('0 3 * * MON', 'npm run send-email'), schedule: '0 3 * * MON', command: 'npm run send-email' },
    ]);
    expect(jobs[0]!.id).toMatch(/^[0-9a-f]{8}$/);
    expect(parseCron([{ command: 'node task.js', schedule: '@daily' }])[0]!.id).toBe(jobs[0]!.id);
    expect(parseCron(undefined)).toEqual([]);
  });

  it.each([
    [[{ command: 'x', schedule: '* * * * *' }, { command: 'y', schedule: '61 * * * *' }], 'app.json: cron[1].schedule "61 * * * *": minute must be 0-59'],
    [[{ command: 'x', schedule: '0 24 * * *' }], 'app.json: cron[0].schedule "0 24 * * *": hour must be 0-23'],
    [[{ command: 'x', schedule: '0 0 32 * *' }], 'cron[0].schedule "0 0 32 * *": day of month must be 1-31'],
    [[{ command: 'x', schedule: '0 0 * 13 *' }], 'month must be 1-12 or JAN-DEC'],
    [[{ command: 'x', schedule: '0 0 * * 8' }], 'day of week must be 0-7 or SUN-SAT'],
    [[{ command: 'x', schedule: '* * * *' }], 'cron[0].schedule "* * * *": has 4 fields; expected 5'],
    [[{ command: 'x', schedule: '* * * * * *' }], 'has 6 fields; expected 5'],
    [[{ command: 'x', schedule: '@reboot' }], '"@reboot": is not one of @yearly, @annually, @monthly, @weekly, @daily, @hourly'],
    [[{ command: 'x', schedule: '0 0 31 2 *' }], 'never comes'],
    [[{ command: 'x' }], 'app.json: cron[0].schedule is missing'],
    [[{ schedule: '@daily' }], 'app.json: cron[0].command is missing'],
    [[{ command: 'a\nb', schedule: '@daily' }], 'app.json: cron[0].command must be one line'],
    [[{ command: 'x', schedule: '@daily' }, { command: 'x', schedule: '@daily' }], 'cron[1] repeats cron[0]'],
    [{ command: 'x', schedule: '@daily' }, 'app.json: cron must be a list'],
  ])('refuses %j with an error naming the entry', (raw, message) => {
    expect(() => parseCron(raw)).toThrow(message);
  });

  it('accepts the nicknames and standard syntax', () => {
    for (const s of ['@hourly', '@daily', '@weekly', '@monthly', '@yearly', '@annually', '*/15 9-17 * * 1-5', '0 0 1,15 JAN-JUN *', '0 0 * * 7']) expect(scheduleProblem(s)).toBeNull();
  });
});

describe('when a job is due', () => {
  it('computes the next due time in UTC, strictly after the given one', () => {
    expect(nextDue('* * * * *', at('2026-01-01T00:01:00Z'))).toEqual(at('2026-01-01T00:02:00Z'));
    expect(nextDue('@daily', at('2026-01-01T10:00:00Z'))).toEqual(at('2026-01-02T00:00:00Z'));
    expect(nextDue('30 2 * * *', at('2026-03-29T01:00:00Z'))).toEqual(at('2026-03-29T02:30:00Z'));
    expect(nextDue('@weekly', at('2026-01-01T00:00:00Z'))).toEqual(at('2026-01-04T00:00:00Z'));
  });

  it('waits until the due time, then runs (fake clock)', () => {
    const handled = at('2026-01-01T00:00:30Z');
    expect(decideTick('* * * * *', handled, at('2026-01-01T00:00:59.999Z'), false)).toEqual({ action: 'wait', next: at('2026-01-01T00:01:00Z') });
    expect(decideTick('* * * * *', handled, at('2026-01-01T00:01:00.200Z'), false)).toEqual({ action: 'run', dueAt: at('2026-01-01T00:01:00Z'), next: at('2026-01-01T00:02:00Z') });
  });

  it('runs a job missed while Berth was down once, not once per missed time', () => {
    // Down from 00:00:30 to 05:00:10: 300 minute ticks missed.
    let handled = at('2026-01-01T00:00:30Z');
    const now = at('2026-01-01T05:00:10Z');
    const first = decideTick('* * * * *', handled, now, false);
    expect(first).toMatchObject({ action: 'run', dueAt: at('2026-01-01T00:01:00Z'), next: at('2026-01-01T05:01:00Z') });
    handled = now; // what the runner records after a run or skip
    expect(decideTick('* * * * *', handled, at('2026-01-01T05:00:15Z'), false)).toEqual({ action: 'wait', next: at('2026-01-01T05:01:00Z') });
    expect(decideTick('@daily', at('2025-12-01T12:00:00Z'), now, false)).toMatchObject({ action: 'run', dueAt: at('2025-12-02T00:00:00Z') });
  });

  it('skips a due time while the previous run is still going', () => {
    expect(decideTick('* * * * *', at('2026-01-01T00:00:30Z'), at('2026-01-01T00:01:01Z'), true)).toEqual({
      action: 'skip',
      dueAt: at('2026-01-01T00:01:00Z'),
      next: at('2026-01-01T00:02:00Z'),
    });
  });
});
