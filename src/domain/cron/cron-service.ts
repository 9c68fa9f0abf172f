// What `berth cron`, the API and the dashboard show of an app's scheduled jobs: each job with
// when it next runs and its last runs (exit code, duration, output tail).
import { NotFound } from '../../errors.js';
import type { CronRunRow } from '../../infra/db/rows.js';
import { getApp } from '../apps/app-ref.js';
import type { Deps } from '../context.js';
import { KEEP_RUNS } from './cron-runner.js';
import { nextDue } from '../apps/cron-schedule.js';

export type { CronRunRow } from '../../infra/db/rows.js';

export type CronRunSummary = Omit<CronRunRow, 'output'>;

export interface CronJobView {
  id: string;
  schedule: string;
  command: string;
  /** When it is next due (UTC); a time already past: due at the next tick. */
  nextRunAt: string | null;
  running: boolean;
  /** The newest run, with its output. */
  lastRun: CronRunRow | null;
  /** The last runs, newest first, without output. */
  runs: CronRunSummary[];
}

const summary = ({ output: _, ...r }: CronRunRow): CronRunSummary => r;

/** The app's jobs (those of its live release). */
export function cronJobs(deps: Deps, appName: string, now = new Date()): CronJobView[] {
  const app = getApp(deps, appName);
  return app.cron.map((job) => {
    const handled = deps.db.cron.handledThrough(app.id, job.id);
    const runs = deps.db.cron.list(app.id, job.id, KEEP_RUNS);
    return {
      ...job,
      nextRunAt: nextDue(job.schedule, handled ? new Date(handled) : now)?.toISOString() ?? null,
      running: runs.some((r) => r.status === 'running'),
      lastRun: runs[0] ?? null,
      runs: runs.map(summary),
    };
  });
}

function jobOf(deps: Deps, appName: string, jobId: string) {
  const app = getApp(deps, appName);
  if (!app.cron.some((j) => j.id === jobId)) throw NotFound(`${app.name} has no cron job ${jobId}`, { hint: `run \`berth cron list ${app.name}\`` });
  return app;
}

/** A job's last runs with their output, newest first. */
export function cronRuns(deps: Deps, appName: string, jobId: string): CronRunRow[] {
  const app = jobOf(deps, appName, jobId);
  return deps.db.cron.list(app.id, jobId, KEEP_RUNS);
}

/** One run of a job, with its output. */
export function cronRun(deps: Deps, appName: string, jobId: string, runId: number): CronRunRow {
  const app = jobOf(deps, appName, jobId);
  const run = deps.db.cron.get(runId);
  if (!run || run.appId !== app.id || run.jobId !== jobId) throw NotFound(`cron job ${jobId} of ${app.name} has no run #${runId}`);
  return run;
}
