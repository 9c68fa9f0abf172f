import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiredFailures, isoWeek, keep, toPrune, utcDay, type RetainedBackup } from './retention.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const ok = (id: string, startedAt: string, extra: Partial<RetainedBackup> = {}): RetainedBackup => ({ id, status: 'ok', startedAt, ...extra });
const sorted = (s: Iterable<string>) => [...s].sort();

describe('ISO weeks and UTC days', () => {
  it.each([
    ['2020-12-28T00:00:00Z', '2020-W53'],
    ['2020-12-31T23:59:59Z', '2020-W53'],
    ['2021-01-03T12:00:00Z', '2020-W53'],
    ['2021-01-04T00:00:00Z', '2021-W01'],
    ['2019-12-30T00:00:00Z', '2020-W01'],
    ['2026-01-01T00:00:00Z', '2026-W01'],
    ['2027-01-03T00:00:00Z', '2026-W53'],
    ['2026-11-24T03:00:00Z', '2026-W48'],
  ])('puts %s in %s', (t, week) => {
    expect(isoWeek(new Date(t))).toBe(week);
  });

  it('uses UTC, not the server\'s zone', () => {
    expect(utcDay(new Date('2026-10-31T23:30:00-02:00'))).toBe('2026-11-01');
  });
});

describe('retention', () => {
  it('keeps only the newest of two backups on one day', () => {
    const backups = [ok('a', '2026-11-24T01:00:00Z'), ok('b', '2026-11-24T03:00:00Z')];
    expect(sorted(keep(backups, { daily: 7, weekly: 0 }, NOW))).toEqual(['b']);
    expect(toPrune(backups, { daily: 7, weekly: 0 }, NOW)).toEqual(['a']);
  });

  it('counts days across a month boundary as different days', () => {
    const backups = [ok('oct31', '2026-10-31T23:00:00Z'), ok('nov1', '2026-11-01T01:00:00Z'), ok('oct30', '2026-10-30T23:00:00Z')];
    expect(sorted(keep(backups, { daily: 2, weekly: 0 }, NOW))).toEqual(['nov1', 'oct31']);
  });

  it('keeps one backup for ISO week 53, which spans the new year', () => {
    const backups = [ok('dec28', '2020-12-28T03:00:00Z'), ok('dec31', '2020-12-31T03:00:00Z'), ok('jan3', '2021-01-03T03:00:00Z'), ok('jan4', '2021-01-04T03:00:00Z')];
    expect(sorted(keep(backups, { daily: 0, weekly: 2 }, NOW))).toEqual(['jan3', 'jan4']);
    expect(sorted(keep(backups, { daily: 0, weekly: 3 }, NOW))).toEqual(['jan3', 'jan4']);
  });

  it('counts days that have a backup, not calendar days: a month offline still keeps N', () => {
    const backups = [ok('a', '2026-09-01T03:00:00Z'), ok('b', '2026-09-02T03:00:00Z'), ok('c', '2026-09-03T03:00:00Z')];
    expect(sorted(keep(backups, { daily: 2, weekly: 0 }, NOW))).toEqual(['b', 'c']);
  });

  it('lets one backup count as both a daily and a weekly one', () => {
    // Mon 23rd and Tue 24th are in week 48, Sun 22nd in week 47.
    const backups = [ok('sun', '2026-11-22T03:00:00Z'), ok('mon', '2026-11-23T03:00:00Z'), ok('tue', '2026-11-24T03:00:00Z')];
    expect(sorted(keep(backups, { daily: 1, weekly: 2 }, NOW))).toEqual(['sun', 'tue']);
  });

  it('always keeps the newest ok backup, and never counts or prunes failed ones', () => {
    const backups = [ok('old', '2026-11-01T03:00:00Z'), { id: 'f', status: 'failed', startedAt: '2026-11-24T03:00:00Z' }];
    expect(sorted(keep(backups, { daily: 0, weekly: 0 }, NOW))).toEqual(['old']);
    expect(toPrune(backups, { daily: 0, weekly: 0 }, NOW)).toEqual([]);
  });

  it('keeps backups in progress, pinned ones, and ones dated after now', () => {
    const backups = [
      ok('new', '2026-11-24T03:00:00Z'),
      ok('pinned', '2026-01-01T03:00:00Z', { pinned: true }),
      ok('old', '2026-02-01T03:00:00Z'),
      { id: 'run', status: 'running', startedAt: '2026-11-24T11:00:00Z' },
      { id: 'ver', status: 'verifying', startedAt: '2026-11-24T11:30:00Z' },
      ok('future', '2026-11-25T03:00:00Z'),
    ];
    expect(sorted(keep(backups, { daily: 1, weekly: 0 }, NOW))).toEqual(['future', 'new', 'pinned', 'run', 'ver']);
    expect(toPrune(backups, { daily: 1, weekly: 0 }, NOW)).toEqual(['old']);
  });

  it('lets failed backups\' objects go after 7 days, unless pinned', () => {
    const backups = [
      { id: 'f-old', status: 'failed', startedAt: '2026-11-10T03:00:00Z' },
      { id: 'f-pinned', status: 'failed', startedAt: '2026-11-10T03:00:00Z', pinned: true },
      { id: 'f-new', status: 'failed', startedAt: '2026-11-20T03:00:00Z' },
      ok('ok-old', '2026-01-01T03:00:00Z'),
    ];
    expect(expiredFailures(backups, NOW)).toEqual(['f-old']);
  });
});

describe('retention properties', () => {
  const START = Date.parse('2020-06-01T00:00:00Z');
  const HOUR = 3_600_000;
  // Up to two years of backups, a few a day at most, some failed or in progress.
  const backupsArb = fc
    .uniqueArray(fc.integer({ min: 0, max: 2 * 365 * 24 }), { maxLength: 60 })
    .chain((hours) =>
      fc.tuple(fc.constant(hours), fc.array(fc.constantFrom('ok', 'ok', 'ok', 'failed', 'running'), { minLength: hours.length, maxLength: hours.length })),
    )
    .map(([hours, statuses]) => hours.map((h, i): RetainedBackup => ({ id: `b${i}`, status: statuses[i]!, startedAt: new Date(START + h * HOUR).toISOString() })));
  const ruleArb = fc.record({ daily: fc.integer({ min: 0, max: 10 }), weekly: fc.integer({ min: 0, max: 8 }) });
  const now = new Date(START + 3 * 365 * 24 * HOUR);
  const okOnly = (bs: RetainedBackup[]) => bs.filter((b) => b.status === 'ok');
  const newestOk = (bs: RetainedBackup[]) => okOnly(bs).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))[0];

  it('always keeps the newest ok backup', () => {
    fc.assert(
      fc.property(backupsArb, ruleArb, (bs, rule) => {
        const n = newestOk(bs);
        if (n) expect(keep(bs, rule, now).has(n.id)).toBe(true);
      }),
    );
  });

  it('keeps at most daily + weekly + 1 ok backups, each the newest of its day', () => {
    fc.assert(
      fc.property(backupsArb, ruleArb, (bs, rule) => {
        const kept = keep(bs, rule, now);
        const keptOk = okOnly(bs).filter((b) => kept.has(b.id));
        expect(keptOk.length).toBeLessThanOrEqual(rule.daily + rule.weekly + 1);
        for (const k of keptOk) {
          const sameDay = okOnly(bs).filter((b) => utcDay(new Date(b.startedAt)) === utcDay(new Date(k.startedAt)));
          expect(sameDay.every((b) => b.startedAt <= k.startedAt)).toBe(true);
        }
      }),
    );
  });

  it('keeps the same set when applied again to what it kept', () => {
    fc.assert(
      fc.property(backupsArb, ruleArb, (bs, rule) => {
        const kept = keep(bs, rule, now);
        expect(sorted(keep(bs.filter((b) => kept.has(b.id)), rule, now))).toEqual(sorted(kept));
      }),
    );
  });

  it('never evicts a kept backup when an older one is added', () => {
    fc.assert(
      fc.property(backupsArb, ruleArb, fc.integer({ min: 1, max: 2000 }), (bs, rule, hoursBefore) => {
        const kept = keep(bs, rule, now);
        const older: RetainedBackup = { id: 'older', status: 'ok', startedAt: new Date(START - hoursBefore * HOUR).toISOString() };
        const after = keep([...bs, older], rule, now);
        for (const id of kept) expect(after.has(id)).toBe(true);
      }),
    );
  });

  it('prunes exactly the ok backups it does not keep, whatever the input order', () => {
    fc.assert(
      fc.property(backupsArb, ruleArb, (bs, rule) => {
        const kept = keep(bs, rule, now);
        expect(sorted(toPrune(bs, rule, now))).toEqual(sorted(okOnly(bs).filter((b) => !kept.has(b.id)).map((b) => b.id)));
        expect(sorted(keep([...bs].reverse(), rule, now))).toEqual(sorted(kept));
      }),
    );
  });
});
