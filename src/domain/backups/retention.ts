// Which backups a `--keep-daily N --keep-weekly M` rule keeps, with restic's semantics: the
// newest backup of each of the N latest days that have one, plus of each of the M latest ISO weeks. Pure.

/** What retention reads of a backup row. */
export interface RetainedBackup {
  id: string;
  status: string;
  /** ISO 8601 with a zone, as Berth stores times. */
  startedAt: string;
  /** `berth backups keep ID`: never pruned. */
  pinned?: boolean | undefined;
}

export interface RetentionRule {
  daily: number;
  weekly: number;
}

/** Backups still being made or checked: never pruned (their objects may not even be whole). */
const IN_PROGRESS = new Set(['running', 'verifying']);

/** `2026-11-24`: the UTC day. */
export const utcDay = (t: Date): string => t.toISOString().slice(0, 10);

/** `2020-W53`: the ISO 8601 week and week-year of a UTC time (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(t: Date): string {
  const day = (t.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  // The Thursday of the same week decides the week-year (2021-01-03, a Sunday, is in 2020's week 53).
  const thursday = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Newest first; equal times by id, so the choice never depends on the input's order. */
function newestFirst(a: { t: number; id: string }, b: { t: number; id: string }): number {
  return b.t - a.t || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The newest of each of the `n` latest periods that have a backup (input newest first). */
function newestPerPeriod(sorted: { t: number; id: string }[], n: number, period: (t: Date) => string): string[] {
  const kept: string[] = [];
  let last: string | undefined;
  for (const b of sorted) {
    if (kept.length >= n) break;
    const p = period(new Date(b.t));
    if (p !== last) kept.push(b.id);
    last = p;
  }
  return kept;
}

/**
 * The ids the rule keeps: among `ok` backups the newest of each of the N latest distinct UTC
 * days and of the M latest ISO weeks (one backup can count for both), and always the newest
 * ok one, whatever the rule. Also kept, whatever their status: backups in progress, pinned
 * ones, and any dated after `now` or not at all (a clock set back must not cost the newest
 * backups). Days with no backup do not count: after a month with the server off, N are still kept.
 */
export function keep(backups: readonly RetainedBackup[], rule: RetentionRule, now: Date): Set<string> {
  const kept = new Set<string>();
  const ok: { t: number; id: string }[] = [];
  for (const b of backups) {
    const t = Date.parse(b.startedAt);
    if (b.pinned || IN_PROGRESS.has(b.status)) kept.add(b.id);
    else if (b.status === 'ok' && (Number.isNaN(t) || t > now.getTime())) kept.add(b.id);
    else if (b.status === 'ok') ok.push({ t, id: b.id });
  }
  ok.sort(newestFirst);
  if (ok[0]) kept.add(ok[0].id);
  for (const id of newestPerPeriod(ok, Math.max(0, Math.floor(rule.daily)), utcDay)) kept.add(id);
  for (const id of newestPerPeriod(ok, Math.max(0, Math.floor(rule.weekly)), isoWeek)) kept.add(id);
  return kept;
}

/** The ok backups the rule does not keep, newest first: their objects can go. Failed ones expire by age instead. */
export function toPrune(backups: readonly RetainedBackup[], rule: RetentionRule, now: Date): string[] {
  const kept = keep(backups, rule, now);
  return backups
    .filter((b) => b.status === 'ok' && !kept.has(b.id))
    .map((b) => ({ t: Date.parse(b.startedAt), id: b.id }))
    .sort(newestFirst)
    .map((b) => b.id);
}

/** How long a failed backup keeps its (partial) object, for a look at what went wrong; its row and error stay. */
export const FAILED_OBJECT_DAYS = 7;

/** The failed backups (not pinned) whose objects are older than FAILED_OBJECT_DAYS at `now`. */
export function expiredFailures(backups: readonly RetainedBackup[], now: Date, days = FAILED_OBJECT_DAYS): string[] {
  const before = now.getTime() - days * 86_400_000;
  return backups.filter((b) => b.status === 'failed' && !b.pinned && Date.parse(b.startedAt) < before).map((b) => b.id);
}
