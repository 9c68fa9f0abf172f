// The cron_state and cron_runs tables: per scheduled job, how far its due times were handled,
// and its runs (exit code, output tail). An app's rows go with it (ON DELETE CASCADE).
import type Database from 'better-sqlite3';
import type { CronRunRow, CronRunStatus } from './rows.js';
import { now } from './time.js';

interface RawRun {
  id: number;
  app_id: number;
  job_id: string;
  trigger: 'schedule' | 'manual';
  status: CronRunStatus;
  exit_code: number | null;
  error: string | null;
  output: string;
  started_at: string;
  finished_at: string | null;
}

const toRun = (r: RawRun): CronRunRow => ({
  id: r.id,
  appId: r.app_id,
  jobId: r.job_id,
  trigger: r.trigger,
  status: r.status,
  exitCode: r.exit_code,
  error: r.error,
  output: r.output,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export class CronRepo {
  constructor(private readonly db: Database.Database) {}

  /** The time up to which the job's due times were handled; undefined for a job not seen yet. */
  handledThrough(appId: number, jobId: string): string | undefined {
    return this.db.prepare<[number, string], { handled_through: string }>('SELECT handled_through FROM cron_state WHERE app_id = ? AND job_id = ?').get(appId, jobId)?.handled_through;
  }

  setHandledThrough(appId: number, jobId: string, at: string): void {
    this.db
      .prepare('INSERT INTO cron_state (app_id, job_id, handled_through) VALUES (?, ?, ?) ON CONFLICT(app_id, job_id) DO UPDATE SET handled_through = excluded.handled_through')
      .run(appId, jobId, at);
  }

  /** Forgets the state and runs of the app's jobs not in `keep` (removed from app.json by a deploy). */
  forgetJobsExcept(appId: number, keep: string[]): void {
    const list = JSON.stringify(keep);
    this.db.prepare('DELETE FROM cron_state WHERE app_id = ? AND job_id NOT IN (SELECT value FROM json_each(?))').run(appId, list);
    this.db.prepare("DELETE FROM cron_runs WHERE app_id = ? AND status != 'running' AND job_id NOT IN (SELECT value FROM json_each(?))").run(appId, list);
  }

  /** The job's run that is going, if any. */
  running(appId: number, jobId: string): CronRunRow | undefined {
    const r = this.db.prepare<[number, string], RawRun>("SELECT * FROM cron_runs WHERE app_id = ? AND job_id = ? AND status = 'running' ORDER BY id DESC LIMIT 1").get(appId, jobId);
    return r && toRun(r);
  }

  /** Records a run that starts now. */
  start(appId: number, jobId: string, trigger: 'schedule' | 'manual'): CronRunRow {
    const info = this.db.prepare("INSERT INTO cron_runs (app_id, job_id, trigger, status, started_at) VALUES (?, ?, ?, 'running', ?)").run(appId, jobId, trigger, now());
    return this.get(Number(info.lastInsertRowid))!;
  }

  /** Records how a run ended, and keeps only the job's last `keep` runs. */
  finish(id: number, f: { status: Exclude<CronRunStatus, 'running'>; exitCode: number | null; error: string | null; output: string }, keep: number): void {
    const run = this.get(id);
    if (!run) return;
    this.db.prepare('UPDATE cron_runs SET status = ?, exit_code = ?, error = ?, output = ?, finished_at = ? WHERE id = ?').run(f.status, f.exitCode, f.error, f.output, now(), id);
    this.db
      .prepare('DELETE FROM cron_runs WHERE app_id = ? AND job_id = ? AND id NOT IN (SELECT id FROM cron_runs WHERE app_id = ? AND job_id = ? ORDER BY id DESC LIMIT ?)')
      .run(run.appId, run.jobId, run.appId, run.jobId, keep);
  }

  /** Runs left `running` by a Berth that stopped without finishing them: marked interrupted, returned. */
  interruptAll(error: string): CronRunRow[] {
    const rows = this.db.prepare<[], RawRun>("SELECT * FROM cron_runs WHERE status = 'running'").all().map(toRun);
    this.db.prepare("UPDATE cron_runs SET status = 'interrupted', error = ?, finished_at = ? WHERE status = 'running'").run(error, now());
    return rows;
  }

  get(id: number): CronRunRow | undefined {
    const r = this.db.prepare<[number], RawRun>('SELECT * FROM cron_runs WHERE id = ?').get(id);
    return r && toRun(r);
  }

  /** The job's runs, newest first. */
  list(appId: number, jobId: string, limit = 20): CronRunRow[] {
    return this.db.prepare<[number, string, number], RawRun>('SELECT * FROM cron_runs WHERE app_id = ? AND job_id = ? ORDER BY id DESC LIMIT ?').all(appId, jobId, limit).map(toRun);
  }
}
