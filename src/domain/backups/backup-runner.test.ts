// Scheduled backups of a volume on a fake clock (only Date is faked: timers and I/O stay real):
// a due time runs once, one due while the last still runs is skipped with an event, and
// retention after each good backup prunes what the rule lets go, never the last good one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backupDeps, tarGz, VOLUME_SOURCE } from '../testing/backup-fixture.js';
import type { FakeDeps } from '../testing/deps.js';
import { BackupRunner, prune } from './backup-runner.js';
import { setSchedule } from './backup-settings.js';

const SOURCE = VOLUME_SOURCE;

let f: FakeDeps;
let runner: BackupRunner;
const archive = tarGz();
const at = (iso: string) => {
  const t = new Date(iso);
  vi.setSystemTime(t);
  return t;
};
const rows = () => f.deps.db.backups.list({ sourceKind: 'volume', source: SOURCE });
const kinds = () => f.deps.db.events.after(0).map((e) => e.kind);
const schedule = (cron: string, keepDaily = 7, keepWeekly = 4) =>
  setSchedule(f.deps, { source: SOURCE, schedule: cron, keepDaily, keepWeekly, drill: null, visible: undefined });
/** One tick at `iso` (the clock set there too), and whatever it started run to its end. */
const tickAt = async (iso: string) => {
  runner.tick(at(iso));
  await f.jobs.idle();
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  f = backupDeps();
  f.engine.pipedHandler = () => ({ stdout: archive, code: 0, stderr: '' });
  runner = new BackupRunner(f.deps);
});

afterEach(async () => {
  await runner.stop();
  await f.jobs.idle();
  f.cleanup();
  vi.useRealTimers();
});

describe('the backup runner', () => {
  it('runs a 0 3 * * * schedule set at 02:00 once at 03:00, not again at 03:00:30, and again the next day', async () => {
    at('2030-01-01T02:00:00Z');
    schedule('0 3 * * *');
    await tickAt('2030-01-01T02:59:59Z');
    expect(rows()).toEqual([]);
    await tickAt('2030-01-01T03:00:05Z');
    expect(rows().map((b) => [b.status, b.trigger])).toEqual([['ok', 'schedule']]);
    await tickAt('2030-01-01T03:00:30Z');
    await tickAt('2030-01-01T12:00:00Z');
    expect(rows()).toHaveLength(1);
    await tickAt('2030-01-02T03:00:02Z');
    expect(rows()).toHaveLength(2);
  });

  it('still runs the 03:00 backup when only the retention was changed at 03:00:02, before the tick', async () => {
    at('2030-01-01T02:00:00Z');
    schedule('0 3 * * *');
    at('2030-01-01T03:00:02Z');
    schedule('0 3 * * *', 3, 1);
    await tickAt('2030-01-01T03:00:05Z');
    expect(rows()).toHaveLength(1);
    // A changed expression counts from when it was set: 04:00 was set at 04:00:02, so the next is tomorrow.
    at('2030-01-01T04:00:02Z');
    schedule('0 4 * * *', 3, 1);
    await tickAt('2030-01-01T04:00:05Z');
    expect(rows()).toHaveLength(1);
    await tickAt('2030-01-02T04:00:05Z');
    expect(rows()).toHaveLength(2);
  });

  it('runs once after Berth was down across several due times', async () => {
    at('2030-01-01T02:00:00Z');
    schedule('0 * * * *');
    await tickAt('2030-01-01T09:30:00Z');
    expect(rows()).toHaveLength(1);
    await tickAt('2030-01-01T09:45:00Z');
    expect(rows()).toHaveLength(1);
  });

  it('skips a due time while the last backup of the source still runs, with a backup.skipped event', async () => {
    at('2030-01-01T02:00:00Z');
    schedule('0 3 * * *');
    runner.tick(at('2030-01-01T03:00:01Z'));
    // The first is still going (it needs I/O to finish) when the next day's tick comes.
    runner.tick(at('2030-01-02T03:00:01Z'));
    await f.jobs.idle();
    expect(rows()).toHaveLength(1);
    const skipped = f.deps.db.events.after(0).filter((e) => e.kind === 'backup.skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ owner: 'acme', subject: `backup:${SOURCE}` });
    expect(skipped[0]!.message).toContain('due at 2030-01-02T03:00:00.000Z was skipped');
  });

  it('records a scheduled backup that fails as a backup.failed event', async () => {
    f.engine.pipedHandler = () => ({ stdout: Buffer.alloc(0), code: 0, stderr: '' });
    at('2030-01-01T02:00:00Z');
    schedule('0 3 * * *');
    await tickAt('2030-01-01T03:00:01Z');
    expect(rows().map((b) => b.status)).toEqual(['failed']);
    expect(kinds()).toContain('backup.failed');
  });

  it('after each good backup keeps the newest of the 2 latest days and 2 latest ISO weeks; the rest are pruned, objects deleted', async () => {
    at('2030-01-01T02:00:00Z'); // a Tuesday: Jan 1-6 are 2030-W01, Jan 7-10 2030-W02
    schedule('0 3 * * *', 2, 2);
    for (let day = 1; day <= 10; day++) await tickAt(`2030-01-${String(day).padStart(2, '0')}T03:00:01Z`);
    const all = rows();
    expect(all).toHaveLength(10);
    const kept = all.filter((b) => b.status === 'ok').map((b) => b.startedAt.slice(0, 10));
    expect(kept.sort()).toEqual(['2030-01-06', '2030-01-09', '2030-01-10']);
    expect(all.filter((b) => b.status === 'pruned')).toHaveLength(7);
    for (const b of all) expect(existsSync(join(f.deps.config.backupDir, b.objectKey))).toBe(b.status === 'ok');
  });

  it('never prunes the last good backup when the backups after it fail, for weeks', async () => {
    at('2030-01-01T02:00:00Z');
    schedule('0 3 * * *', 1, 0);
    await tickAt('2030-01-01T03:00:01Z');
    await tickAt('2030-01-02T03:00:01Z');
    const good = rows().find((b) => b.status === 'ok')!;
    expect(good.startedAt.slice(0, 10)).toBe('2030-01-02');
    f.engine.pipedHandler = () => ({ stdout: archive, code: 2, stderr: 'tar: boom' });
    for (let day = 3; day <= 28; day++) await tickAt(`2030-01-${String(day).padStart(2, '0')}T03:00:01Z`);
    expect(rows().filter((b) => b.status === 'failed')).toHaveLength(26);
    expect(f.deps.db.backups.get(good.id)!.status).toBe('ok');
    expect(existsSync(join(f.deps.config.backupDir, good.objectKey))).toBe(true);
    // A direct prune (as after a later good backup) still keeps it: the newest ok one always stays.
    await prune(f.deps, f.deps.db.backups.policies.list()[0]!, new Date('2030-02-01T00:00:00Z'));
    expect(f.deps.db.backups.get(good.id)!.status).toBe('ok');
  });

  it('deletes the objects of failed and interrupted backups once they are a week old (rows and errors stay)', async () => {
    at('2030-01-01T02:00:00Z');
    schedule('0 3 * * *', 7, 4);
    await tickAt('2030-01-01T03:00:01Z');
    const [interrupted] = rows();
    // As recoverBackups leaves one Berth stopped while it was being checked: the object is there.
    f.deps.db.backups.setStatus(interrupted!.id, 'interrupted', { error: 'Berth stopped while this was under way' });
    f.engine.pipedHandler = () => ({ stdout: archive, code: 2, stderr: 'tar: boom' });
    await tickAt('2030-01-02T03:00:01Z');
    const failed = rows().find((b) => b.status === 'failed')!;
    const stored = (id: string) => existsSync(join(f.deps.config.backupDir, f.deps.db.backups.get(id)!.objectKey));
    expect([stored(interrupted!.id), stored(failed.id)]).toEqual([true, true]);
    f.engine.pipedHandler = () => ({ stdout: archive, code: 0, stderr: '' });
    await tickAt('2030-01-05T03:00:01Z'); // a good backup prunes; neither is a week old yet
    expect([stored(interrupted!.id), stored(failed.id)]).toEqual([true, true]);
    await tickAt('2030-01-10T03:00:01Z');
    expect([stored(interrupted!.id), stored(failed.id)]).toEqual([false, false]);
    expect(f.deps.db.backups.get(interrupted!.id)).toMatchObject({ status: 'interrupted', error: 'Berth stopped while this was under way' });
    expect(f.deps.db.backups.get(failed.id)).toMatchObject({ status: 'failed' });
  });

  it('a drill due with the backup drills that new backup (no "no checked backup" on the first day)', async () => {
    f.engine.runOnce = async (_spec, onLine) => {
      onLine('1'); // the files the restored copy holds: a.txt
      return 0;
    };
    at('2030-01-01T02:00:00Z');
    setSchedule(f.deps, { source: SOURCE, schedule: '0 3 * * *', keepDaily: 7, keepWeekly: 4, drill: '0 3 * * *', visible: undefined });
    await tickAt('2030-01-01T03:00:01Z');
    const [b] = rows();
    expect(b).toMatchObject({ status: 'ok', drillStatus: 'ok' });
    expect(kinds()).toEqual(expect.arrayContaining(['backup.succeeded', 'drill.succeeded']));
    expect(kinds()).not.toContain('drill.failed');
  });

  it('starts nothing after stop()', async () => {
    at('2030-01-01T02:00:00Z');
    schedule('0 3 * * *');
    await runner.stop();
    await tickAt('2030-01-01T03:00:01Z');
    expect(rows()).toEqual([]);
  });
});
