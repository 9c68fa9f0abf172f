// Scheduled backups and restore drills (backup_policies), and retention. Not app cron: a
// backup belongs to an add-on or volume and runs while its app is down. A due time runs once
// however long Berth was down; one due while the last run of the source still goes is skipped
// (an event). Pruning follows only a successful backup, so failures never remove the last good one.
import { messageOf } from '../../errors.js';
import type { BackupPolicyRow } from '../../infra/db/backups-repo.js';
import { decideTick } from '../apps/cron-schedule.js';
import type { Deps } from '../context.js';
import { createBackup, drillBackup, recoverBackups } from './backup-service.js';
import { applyRetention, ruleOf } from './prune.js';

/** The longest a tick waits, so a new or changed schedule is seen soon. */
const MAX_WAIT_MS = 15_000;

export class BackupRunner {
  private readonly going = new Map<string, Promise<unknown>>();
  private stopped = false;

  constructor(private readonly deps: Deps) {}

  /** After a restart: unfinished backups and drills marked, their one-offs removed. */
  async recover(): Promise<void> {
    await recoverBackups(this.deps);
  }

  /** Starts what is due; returns how long until the next tick should come (ms). */
  tick(now = new Date()): number {
    if (this.stopped) return MAX_WAIT_MS;
    let wait = MAX_WAIT_MS;
    for (const p of this.deps.db.backups.policies.list()) {
      for (const which of ['backup', 'drill'] as const) {
        const schedule = which === 'backup' ? p.schedule : p.drillSchedule;
        if (!schedule) continue;
        const handled = new Date((which === 'backup' ? p.handledThrough : p.drillHandledThrough) ?? p.createdAt);
        const key = `${which}:${p.id}`;
        const d = decideTick(schedule, handled, now, this.going.has(key));
        if (d.next) wait = Math.min(wait, Math.max(1000, d.next.getTime() - now.getTime()));
        if (d.action === 'wait') continue;
        if (which === 'backup') this.deps.db.backups.policies.setHandledThrough(p.id, now.toISOString());
        else this.deps.db.backups.policies.setDrillHandledThrough(p.id, now.toISOString());
        if (d.action === 'skip') {
          this.deps.db.events.add({ appId: p.appId, owner: p.owner, subject: `backup:${p.source}`, kind: `${which}.skipped`, message: `the ${which} of ${p.source} due at ${d.dueAt.toISOString()} was skipped: the last one still runs` });
          continue;
        }
        // A drill due with the backup drills that backup once it is taken: not the one before
        // it, nor (on the first day) none at all, which would be a false drill.failed.
        const backupGoing = which === 'drill' ? this.going.get(`backup:${p.id}`) : undefined;
        const started = which === 'backup' ? this.backup(p) : backupGoing ? backupGoing.catch(() => undefined).then(() => this.drill(p)) : this.drill(p);
        const run = started.finally(() => this.going.delete(key));
        this.going.set(key, run);
        this.deps.jobs.background(run);
      }
    }
    return wait;
  }

  private async backup(p: BackupPolicyRow): Promise<void> {
    const log = (l: string) => this.deps.logger.info({ source: p.source }, l.trim());
    try {
      const dest = p.destinationId ? this.deps.db.backups.destinations.get(p.destinationId)?.name : undefined;
      // Retention follows inside createBackup (after a good backup).
      await createBackup(this.deps, { source: p.source, to: dest, trigger: 'schedule', visible: undefined, log });
    } catch (e) {
      // The source or destination is gone, or the dump could not start: an event, as a failed dump is.
      this.deps.db.events.add({ appId: p.appId, owner: p.owner, subject: `backup:${p.source}`, kind: 'backup.failed', message: `the scheduled backup of ${p.source} could not run: ${messageOf(e)}` });
    }
  }

  private async drill(p: BackupPolicyRow): Promise<void> {
    const log = (l: string) => this.deps.logger.info({ source: p.source }, l.trim());
    try {
      await drillBackup(this.deps, { source: p.source, visible: undefined, log });
    } catch (e) {
      this.deps.db.events.add({ appId: p.appId, owner: p.owner, subject: `backup:${p.source}`, kind: 'drill.failed', message: `the scheduled restore drill of ${p.source} could not run: ${messageOf(e)}` });
    }
  }

  /** No tick starts anything after this; runs going are waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.going.values()]);
  }
}

/** Applies a policy's retention now (applyRetention with its rule). */
export function prune(deps: Deps, p: BackupPolicyRow, now = new Date()): Promise<string[]> {
  return applyRetention(deps, { sourceKind: p.sourceKind, source: p.source }, ruleOf(p), now);
}
