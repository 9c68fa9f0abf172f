// `berth cron list|run|runs`: an app's scheduled jobs (app.json `cron`), running one now, and
// the output of its last runs.
import type { Command } from 'commander';
import type { CronJobView, CronRunRow } from '../../domain/cron/cron-service.js';
import type { CliContext } from '../context.js';
import { ago, table } from '../output.js';

const jobPath = (app: string, job: string) => `/api/v1/apps/${encodeURIComponent(app)}/cron/${encodeURIComponent(job)}`;
/** The last lines of a run's output `berth cron list` shows under each job. */
const LIST_LINES = 5;

/** How long a run took, e.g. `3s`, `2m05s`; `-` while it goes. */
export function duration(r: Pick<CronRunRow, 'startedAt' | 'finishedAt'>): string {
  if (!r.finishedAt) return '-';
  const s = Math.max(0, Math.round((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** A run's outcome in a few words: `exit 0`, `exit 3 (timed out…)`, `running`. */
export function outcome(r: Pick<CronRunRow, 'status' | 'exitCode' | 'error'>): string {
  if (r.status === 'running') return 'running';
  const code = r.exitCode === null ? r.status : `exit ${r.exitCode}`;
  return r.error ? `${code} (${r.error})` : code;
}

const utc = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '-');

function printRun(ctx: CliContext, r: CronRunRow): void {
  ctx.out(`run #${r.id} (${r.trigger}) started ${utc(r.startedAt)}, ${duration(r)}: ${outcome(r)}`);
  if (r.output !== '') ctx.out(r.output.replace(/^/gm, '  '));
}

export function registerCron(program: Command, ctx: CliContext): void {
  const cron = program.command('cron').description("an app's scheduled jobs (app.json cron, in UTC): list them, run one now, read their runs' output");

  cron
    .command('list')
    .description('each job: id, schedule, command, next run, and its last run (time, exit code, duration, last lines of output)')
    .argument('<app>')
    .option('--json', 'print JSON')
    .action(async (app: string, o: { json?: boolean }) => {
      const jobs = await ctx.client().request<CronJobView[]>('GET', `/api/v1/apps/${encodeURIComponent(app)}/cron`);
      if (o.json) return ctx.out(JSON.stringify(jobs, null, 2));
      if (jobs.length === 0) return ctx.out(`${app} has no scheduled jobs (app.json "cron": [{ "command": "...", "schedule": "@daily" }])`);
      ctx.out(
        table(
          ['ID', 'SCHEDULE', 'COMMAND', 'NEXT RUN', 'LAST RUN', 'RESULT', 'TOOK'],
          jobs.map((j) => [j.id, j.schedule, j.command, utc(j.nextRunAt), j.lastRun ? ago(j.lastRun.startedAt) : 'never', j.lastRun ? outcome(j.lastRun) : '-', j.lastRun ? duration(j.lastRun) : '-']),
        ),
      );
      for (const j of jobs) {
        if (!j.lastRun || j.lastRun.output === '') continue;
        const lines = j.lastRun.output.split('\n');
        ctx.out(`\n${j.id} last output${lines.length > LIST_LINES ? ` (last ${LIST_LINES} lines; all: berth cron runs ${app} ${j.id})` : ''}:`);
        ctx.out(lines.slice(-LIST_LINES).map((l) => `  ${l}`).join('\n'));
      }
    });

  cron
    .command('run')
    .description("run a job now, in a one-off container of the current release; prints its output and exits with the job's exit code")
    .argument('<app>')
    .argument('<id>', 'the job id (berth cron list)')
    .action(async (app: string, id: string) => {
      const client = ctx.client();
      let run = await client.request<CronRunRow>('POST', `${jobPath(app, id)}/run`);
      ctx.err(`started run #${run.id} of cron job ${id}`);
      while (run.status === 'running') {
        await new Promise((r) => setTimeout(r, 1000));
        run = await client.request<CronRunRow>('GET', `${jobPath(app, id)}/runs/${run.id}`);
      }
      if (run.output !== '') ctx.out(run.output);
      ctx.err(`run #${run.id}: ${outcome(run)} after ${duration(run)}`);
      process.exitCode = run.status === 'succeeded' ? 0 : run.exitCode || 1;
    });

  cron
    .command('runs')
    .description("a job's last runs (up to 20), newest first, each with its exit code and output")
    .argument('<app>')
    .argument('<id>', 'the job id (berth cron list)')
    .option('--json', 'print JSON')
    .action(async (app: string, id: string, o: { json?: boolean }) => {
      const runs = await ctx.client().request<CronRunRow[]>('GET', `${jobPath(app, id)}/runs`);
      if (o.json) return ctx.out(JSON.stringify(runs, null, 2));
      if (runs.length === 0) return ctx.out(`cron job ${id} has not run yet`);
      runs.forEach((r, i) => {
        if (i > 0) ctx.out('');
        printRun(ctx, r);
      });
    });
}
