// Retention put in force for one source, after each of its backups: ok backups the policy's rule
// does not keep lose their objects (the row stays, status pruned), and failed or interrupted
// ones lose theirs a week after they were taken (their rows and errors stay). Only a successful
// backup prunes ok ones, so failures never remove the last good backup.
import { messageOf } from '../../errors.js';
import type { BackupPolicyRow, BackupSourceKind } from '../../infra/db/backups-repo.js';
import type { Deps } from '../context.js';
import { storeOf } from './backup-destinations.js';
import { expiredFailures, toPrune, type RetentionRule } from './retention.js';

/** Retention when a schedule names none: a week of dailies, a month of weeklies. */
export const DEFAULT_KEEP = { daily: 7, weekly: 4 } as const;

/** The rule of a policy (the defaults for what it leaves out). */
export const ruleOf = (p: BackupPolicyRow): RetentionRule => ({ daily: p.keepDaily ?? DEFAULT_KEEP.daily, weekly: p.keepWeekly ?? DEFAULT_KEEP.weekly });

/**
 * Removes the objects retention lets go for the source: with `rule`, ok backups it does not keep;
 * always, failed and interrupted ones older than a week. The ids whose objects went.
 */
export async function applyRetention(deps: Deps, source: { sourceKind: BackupSourceKind; source: string }, rule: RetentionRule | null, now = new Date()): Promise<string[]> {
  const rows = deps.db.backups.list({ sourceKind: source.sourceKind, source: source.source });
  // Interrupted ones (Berth stopped mid-way; the object may be whole if it was being checked)
  // are not trusted either: their objects expire as failed ones do, not never.
  const failures = rows.filter((r) => r.status === 'failed' || r.status === 'interrupted').map((r) => ({ ...r, status: 'failed' as const }));
  const gone = [...(rule ? toPrune(rows, rule, now) : []), ...expiredFailures(failures, now)];
  const pruned: string[] = [];
  for (const id of gone) {
    const b = rows.find((r) => r.id === id);
    if (!b) continue;
    try {
      await storeOf(deps, b).delete(b.objectKey);
      if (b.status === 'ok') deps.db.backups.setStatus(b.id, 'pruned');
      pruned.push(b.id);
    } catch (e) {
      deps.logger.warn({ backup: b.id, err: messageOf(e) }, 'could not prune a backup object');
    }
  }
  return pruned;
}
