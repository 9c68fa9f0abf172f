// Scheduled jobs as app.json declares them (Dokku's `cron`: [{ command, schedule }]): parsing
// and validation at deploy time, and when a job is next due. Pure: no I/O, the clock is passed in.
import { createHash } from 'node:crypto';
// croner, not a parser of our own: a kept library (no dependencies, typed) that knows the
// standard 5-field syntax with names (MON, JAN), ranges, steps and the @nicknames, and computes
// the next time in a given time zone. Its backward search (previousRuns) is not used: it can
// throw on some patterns; only nextRun is.
import { Cron } from 'croner';
import { Invalid } from '../../errors.js';
import type { CronJobSpec } from '../../infra/db/rows.js';
import { checkCommand } from './manifest.js';

export type { CronJobSpec } from '../../infra/db/rows.js';

/** Jobs one app may declare. */
export const MAX_CRON_JOBS = 50;

/** The nicknames accepted besides 5 fields; @midnight is @daily's other name. */
const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** croner's field names → how a user reads them, with their allowed values. */
const FIELDS: Record<string, string> = {
  minute: 'minute must be 0-59',
  hour: 'hour must be 0-23',
  day: 'day of month must be 1-31',
  nearestWeekdays: 'day of month must be 1-31',
  month: 'month must be 1-12 or JAN-DEC',
  dayOfWeek: 'day of week must be 0-7 or SUN-SAT',
};

/**
 * A job's id: the first 8 hex digits of sha256(schedule + command), so it stays the same across
 * deploys as long as the entry does (its history with it), and changes when either part does.
 */
export function cronJobId(schedule: string, command: string): string {
  return createHash('sha256').update(`${schedule}\n${command}`).digest('hex').slice(0, 8);
}

function pattern(schedule: string): Cron {
  return new Cron(schedule, { timezone: 'UTC', paused: true });
}

/** What is wrong with a schedule, in a user's words; null when it is a valid one. */
export function scheduleProblem(schedule: string): string | null {
  const s = schedule.trim();
  if (s === '') return 'is empty';
  if (s.startsWith('@')) {
    if (!NICKNAMES.includes(s.toLowerCase())) return `is not one of ${NICKNAMES.filter((n) => n !== '@midnight').join(', ')}`;
  } else {
    const fields = s.split(/\s+/).length;
    if (fields !== 5) return `has ${fields} field${fields === 1 ? '' : 's'}; expected 5: minute hour day-of-month month day-of-week`;
  }
  let cron: Cron;
  try {
    cron = pattern(s);
  } catch (e) {
    const msg = (e as Error).message.replace(/^CronPattern: /, '');
    const field = /Invalid value for (\w+)/.exec(msg)?.[1];
    return field && FIELDS[field] ? FIELDS[field] : msg;
  }
  // e.g. 0 0 31 2 *: valid fields, but no such date ever comes.
  if (cron.nextRun(new Date(0)) === null) return 'never comes (no date matches it)';
  return null;
}

/** The schedule as stored: trimmed, single spaces, nicknames in lowercase. */
function normalize(schedule: string): string {
  const s = schedule.trim().replace(/\s+/g, ' ');
  return s.startsWith('@') ? s.toLowerCase() : s;
}

/**
 * Reads app.json's `cron`: an array of { command, schedule } (Dokku's other keys, such as
 * `maintenance` and `concurrency_policy`, are ignored: Berth never runs a job twice at once).
 * Throws Invalid naming the entry, e.g. `app.json: cron[1].schedule "61 * * * *": minute must be 0-59`.
 */
export function parseCron(raw: unknown): CronJobSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw Invalid('app.json: cron must be a list of { "command": ..., "schedule": ... }');
  if (raw.length > MAX_CRON_JOBS) throw Invalid(`app.json: cron has ${raw.length} entries; an app may have at most ${MAX_CRON_JOBS}`);
  const out: CronJobSpec[] = [];
  raw.forEach((entry: unknown, i) => {
    const where = `app.json: cron[${i}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw Invalid(`${where} must be an object with "command" and "schedule"`);
    const { command, schedule } = entry as { command?: unknown; schedule?: unknown };
    if (typeof schedule !== 'string') throw Invalid(`${where}.schedule is missing (a cron schedule such as "0 3 * * *" or "@daily")`);
    const problem = scheduleProblem(schedule);
    if (problem) throw Invalid(`${where}.schedule ${JSON.stringify(schedule)}: ${problem}`);
    if (typeof command !== 'string' || command.trim() === '') throw Invalid(`${where}.command is missing (the command to run, e.g. "node task.js")`);
    const job = { schedule: normalize(schedule), command: checkCommand(command.trim(), `${where}.command`) };
    const id = cronJobId(job.schedule, job.command);
    const twin = out.findIndex((j) => j.id === id);
    if (twin >= 0) throw Invalid(`${where} repeats cron[${twin}] (same schedule and command)`);
    out.push({ id, ...job });
  });
  return out;
}

/** The first time after `after` the schedule is due (UTC); null when it never is again. */
export function nextDue(schedule: string, after: Date): Date | null {
  return pattern(schedule).nextRun(after);
}

/** What one tick does with one job. */
export type TickDecision =
  /** Not due yet; `next` is when it is. */
  | { action: 'wait'; next: Date | null }
  /** Due (`dueAt`: the first due time not yet handled): start a run. */
  | { action: 'run'; dueAt: Date; next: Date | null }
  /** Due, but the previous run is still going: this one is skipped. */
  | { action: 'skip'; dueAt: Date; next: Date | null };

/**
 * Decides a tick for a job whose due times up to `handledThrough` have been handled (run or
 * skipped). However many due times passed since (Berth was down for hours), the job runs once:
 * after a run or skip the caller records `now` as handled, so the missed ones never come back.
 */
export function decideTick(schedule: string, handledThrough: Date, now: Date, running: boolean): TickDecision {
  const due = nextDue(schedule, handledThrough);
  if (!due || due.getTime() > now.getTime()) return { action: 'wait', next: due };
  return { action: running ? 'skip' : 'run', dueAt: due, next: nextDue(schedule, now) };
}
