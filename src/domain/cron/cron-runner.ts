// Runs scheduled jobs: each tick starts the jobs that are due, each run a one-off container of
// the app's current release with its config (`berth run`'s oneOffContext and runCommand). Never
// two runs of one job at once; the state lives in SQLite (cron_state, cron_runs), so a restart
// picks up where it was. The timer that calls tick() lives in src/jobs/ticker.ts.
import { Conflict, NotFound, Unavailable, messageOf } from '../../errors.js';
import type { AppRow, CronJobSpec, CronRunRow } from '../../infra/db/rows.js';
import { appRef, getApp } from '../apps/app-ref.js';
import type { Deps } from '../context.js';
import { processCmd, runCommand } from '../processes/process-containers.js';
import { oneOffContext } from '../processes/scale.js';
import { decideTick, nextDue } from '../apps/cron-schedule.js';

/** A run still going after this long is stopped and recorded as failed. */
export const RUN_TIMEOUT_MS = 60 * 60_000;
/** What is kept of a run's output: its last 64 KiB. */
export const CRON_OUTPUT_BYTES = 64 * 1024;
/** Runs kept per job. */
export const KEEP_RUNS = 20;
/** A tick comes at least this often (a newly deployed job is seen within it), and at most this often. */
const MAX_SLEEP_MS = 5000;
const MIN_SLEEP_MS = 200;
/** How long stopping waits for the runs it stopped to end: a container Docker is still creating may miss the stop (reconcile removes it at the next start). */
const STOP_WAIT_MS = 15_000;

/** The last `max` bytes of what a run printed, line by line. */
export class OutputTail {
  private lines: string[] = [];
  private bytes = 0;
  private cut = false;
  constructor(private readonly max = CRON_OUTPUT_BYTES) {}

  push(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    while (this.bytes > this.max && this.lines.length > 1) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
      this.cut = true;
    }
  }

  text(): string {
    const last = this.lines.length === 1 && this.bytes > this.max ? Buffer.from(this.lines[0]!).subarray(-this.max).toString() : null;
    const body = last ?? this.lines.join('\n');
    return this.cut || last !== null ? `[earlier output cut: only the last ${Math.round(this.max / 1024)} KiB are kept]\n${body}` : body;
  }
}

const hhmm = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export interface CronRunnerOptions {
  now?: () => Date;
  timeoutMs?: number;
}

export class CronRunner {
  private readonly inFlight = new Map<number, { abort: AbortController; done: Promise<void> }>();
  private readonly seenJobs = new Map<number, string>();
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private stopping = false;
  /** Runs start one after another: one-off containers are named by the millisecond they start in. */
  private starting: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: Deps,
    opts: CronRunnerOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.timeoutMs = opts.timeoutMs ?? RUN_TIMEOUT_MS;
  }

  /**
   * At start: runs a stopped Berth left going are marked interrupted (reconcile has removed
   * their containers: they carry the labels of the release they ran in).
   */
  recover(): number {
    const rows = this.deps.db.cron.interruptAll('Berth stopped during the run; its container was removed');
    for (const r of rows) this.event(r.appId, r.jobId, 'cron.interrupted', `cron job ${r.jobId}: the run started ${r.startedAt} was interrupted by a Berth restart`);
    return rows.length;
  }

  /**
   * One pass over every app's jobs: the due ones start (or are skipped while their previous run
   * goes on). Returns how long to wait for the next pass.
   */
  tick(): number {
    if (this.stopping) return MAX_SLEEP_MS;
    const now = this.now();
    let wake = MAX_SLEEP_MS;
    for (const app of this.deps.db.apps.list()) {
      this.forgetRemoved(app);
      if (app.cron.length === 0) continue;
      // The jobs belong to the live release: an app with none running has none due.
      const d = app.currentDeploymentId !== null ? this.deps.db.deployments.get(app.currentDeploymentId) : undefined;
      if (!d || d.status !== 'running') continue;
      for (const job of app.cron) {
        const handled = this.deps.db.cron.handledThrough(app.id, job.id);
        if (handled === undefined) {
          // A job seen for the first time is due from when its release went live (a tick can
          // come a few seconds later, or Berth may have been down since).
          const live = new Date(Math.min(Date.parse(d.updatedAt), now.getTime()));
          this.deps.db.cron.setHandledThrough(app.id, job.id, live.toISOString());
          wake = Math.min(wake, (nextDue(job.schedule, live)?.getTime() ?? Infinity) - now.getTime());
          continue;
        }
        const running = this.deps.db.cron.running(app.id, job.id);
        const decision = decideTick(job.schedule, new Date(handled), now, running !== undefined);
        if (decision.next) wake = Math.min(wake, decision.next.getTime() - now.getTime());
        if (decision.action === 'wait') continue;
        // Handled through now, whatever happens next: a tick never comes back to these due times.
        this.deps.db.cron.setHandledThrough(app.id, job.id, now.toISOString());
        if (decision.action === 'skip') {
          this.event(app.id, job.id, 'cron.skipped', `cron job ${job.id} (${job.command}): the run due ${hhmm(decision.dueAt)} was skipped; the one started ${hhmm(new Date(running!.startedAt))} is still going`);
        } else {
          this.launchInTurn(app, job, 'schedule').catch((e: unknown) => this.deps.logger.warn({ err: e, app: app.name, job: job.id }, 'starting a scheduled job failed'));
        }
      }
    }
    return Math.max(MIN_SLEEP_MS, Math.min(MAX_SLEEP_MS, wake));
  }

  /** `berth cron run`: starts the job now; the run as recorded (still going). */
  async runNow(appName: string, jobId: string): Promise<CronRunRow> {
    const app = getApp(this.deps, appName);
    const job = app.cron.find((j) => j.id === jobId);
    if (!job) throw NotFound(`${app.name} has no cron job ${jobId}`, { hint: `run \`berth cron list ${app.name}\`` });
    return this.launchInTurn(app, job, 'manual');
  }

  /** Stops every run going (recorded as interrupted) and waits for them to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.starting.catch(() => undefined);
    for (const r of this.inFlight.values()) r.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.inFlight.values()].map((r) => r.done)), new Promise((r) => (timer = setTimeout(r, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** launch, after the launches asked before it (and a clock tick apart from them). */
  private launchInTurn(app: AppRow, job: CronJobSpec, trigger: CronRunRow['trigger']): Promise<CronRunRow> {
    const p = this.starting.then(() => {
      if (this.stopping) throw Unavailable('Berth is stopping; run the job when it is back');
      return this.launch(app, job, trigger);
    });
    this.starting = p.catch(() => undefined).then(() => new Promise((r) => setTimeout(r, 2)));
    return p;
  }

  /** Starts a run in the background; a manual one that cannot start throws, a scheduled one is recorded as failed. */
  private async launch(app: AppRow, job: CronJobSpec, trigger: CronRunRow['trigger']): Promise<CronRunRow> {
    const argv = processCmd(job.command) ?? [];
    let ctx;
    try {
      // The same checks and context as `berth run`: a running release, the owner's run quota.
      ctx = await oneOffContext(this.deps, appRef(app), argv, { event: false });
    } catch (e) {
      if (trigger === 'manual') throw e;
      const run = this.deps.db.cron.start(app.id, job.id, trigger);
      this.deps.db.cron.finish(run.id, { status: 'failed', exitCode: null, error: `could not start: ${messageOf(e)}`, output: '' }, KEEP_RUNS);
      this.event(app.id, job.id, 'cron.failed', `cron job ${job.id} (${job.command}) could not start: ${messageOf(e)}`);
      return this.deps.db.cron.get(run.id)!;
    }
    const run = this.deps.db.tx(() => {
      const going = this.deps.db.cron.running(app.id, job.id);
      if (going) throw Conflict(`cron job ${job.id} of ${app.name} is running (since ${going.startedAt}); a job never runs twice at once`);
      return this.deps.db.cron.start(app.id, job.id, trigger);
    });
    const abort = new AbortController();
    const done = this.execute(app, job, run, argv, ctx, abort).finally(() => this.inFlight.delete(run.id));
    this.inFlight.set(run.id, { abort, done });
    return run;
  }

  private async execute(app: AppRow, job: CronJobSpec, run: CronRunRow, argv: string[], ctx: Awaited<ReturnType<typeof oneOffContext>>, abort: AbortController): Promise<void> {
    const out = new OutputTail();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.timeoutMs);
    let result: { status: 'succeeded' | 'failed' | 'interrupted'; exitCode: number | null; error: string | null };
    try {
      const r = await runCommand(this.deps, ctx, argv, (l) => out.push(l), abort.signal);
      if (timedOut) result = { status: 'failed', exitCode: r.code, error: `timed out after ${Math.round(this.timeoutMs / 60_000)} min: stopped` };
      else if (abort.signal.aborted) result = { status: 'interrupted', exitCode: r.code, error: 'Berth stopped during the run' };
      else result = { status: r.code === 0 ? 'succeeded' : 'failed', exitCode: r.code, error: r.error ?? null };
    } catch (e) {
      result = { status: 'failed', exitCode: null, error: `could not run: ${messageOf(e)}` };
    } finally {
      clearTimeout(timer);
    }
    try {
      this.deps.db.cron.finish(run.id, { ...result, output: out.text() }, KEEP_RUNS);
      if (result.status === 'failed') {
        const why = result.error === null ? `exit code ${result.exitCode}` : result.exitCode !== null ? `exit code ${result.exitCode} (${result.error})` : result.error;
        this.event(app.id, job.id, 'cron.failed', `cron job ${job.id} (${job.command}) failed: ${why}`);
      }
    } catch (e) {
      // The app may have been destroyed meanwhile (its runs went with it).
      this.deps.logger.warn({ err: e, app: app.name, job: job.id }, 'recording a cron run failed');
    }
  }

  /** A job removed from app.json by a deploy: its state and history go. */
  private forgetRemoved(app: AppRow): void {
    const ids = app.cron.map((j) => j.id).join(',');
    if (this.seenJobs.get(app.id) === ids) return;
    this.deps.db.cron.forgetJobsExcept(app.id, app.cron.map((j) => j.id));
    this.seenJobs.set(app.id, ids);
  }

  private event(appId: number, jobId: string, kind: string, message: string): void {
    if (!this.deps.db.apps.get(appId)) return;
    this.deps.db.events.add({ appId, subject: `cron:${jobId}`, kind, message });
  }
}
