// Scheduled jobs (app.json cron, UTC): each job with its next run and last runs (exit code,
// duration, output); a member can run one now.
import { useEffect, useState } from 'preact/hooks';
import { api, appPath } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { Notice } from '../components/notice.js';
import { ago } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

interface CronRun {
  id: number;
  trigger: 'schedule' | 'manual';
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  exitCode: number | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  output?: string;
}

interface CronJob {
  id: string;
  schedule: string;
  command: string;
  nextRunAt: string | null;
  running: boolean;
  lastRun: (CronRun & { output: string }) | null;
  runs: CronRun[];
}

const utc = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '-');
const took = (r: CronRun) => (r.finishedAt ? `${Math.max(0, Math.round((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000))}s` : '-');
const result = (r: CronRun) => (r.status === 'running' ? 'running' : `${r.exitCode === null ? r.status : `exit ${r.exitCode}`}${r.error ? ` (${r.error})` : ''}`);
const badge = (r: CronRun) => (r.status === 'succeeded' ? 'badge-running' : r.status === 'running' ? 'badge-starting' : 'badge-failed');

/** Runs are short and the list small: asked again every few seconds while the tab is open. */
const POLL_MS = 5000;

export function CronTab({ ref_, canWrite, tick }: TabProps) {
  const [poll, setPoll] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setPoll((n) => n + 1), POLL_MS);
    return () => clearInterval(t);
  }, []);
  const jobs = useApi<CronJob[]>(appPath(ref_, '/cron'), [tick, poll]);
  const [open, setOpen] = useState<{ job: string; run: number } | null>(null);
  const output = useApi<CronRun & { output: string }>(open ? appPath(ref_, `/cron/${open.job}/runs/${open.run}`) : null, [open?.job, open?.run, poll]);
  const { error, run } = useAction();
  const runNow = (id: string) =>
    run(async () => {
      const r = await api<CronRun>('POST', appPath(ref_, `/cron/${id}/run`));
      setOpen({ job: id, run: r.id });
      jobs.reload();
    });
  return (
    <div class="stack">
      <Notice error={jobs.error ?? error} />
      <DataTable
        rows={jobs.data}
        rowKey={(j) => j.id}
        empty='No scheduled jobs. Add them to app.json: "cron": [{ "command": "node task.js", "schedule": "@daily" }] (UTC).'
        columns={[
          { header: 'Job', cell: (j) => <code>{j.id}</code> },
          { header: 'Schedule', cell: (j) => <code>{j.schedule}</code> },
          { header: 'Command', cellClass: 'wrap', cell: (j) => <code>{j.command}</code> },
          { header: 'Next run', class: 'wide-only', cell: (j) => utc(j.nextRunAt) },
          {
            header: 'Last run',
            cell: (j) =>
              j.lastRun ? (
                <button type="button" class="ghost compact" onClick={() => setOpen({ job: j.id, run: j.lastRun!.id })} aria-label={`Output of the last run of ${j.id}`}>
                  <span class={`badge ${badge(j.lastRun)}`}>{result(j.lastRun)}</span> {ago(j.lastRun.startedAt)}
                </button>
              ) : (
                <span class="muted">never</span>
              ),
          },
          {
            header: 'Actions',
            hidden: true,
            cell: (j) =>
              canWrite && (
                <button type="button" onClick={() => runNow(j.id)} disabled={j.running} aria-label={`Run ${j.id} now`}>
                  {j.running ? 'Running…' : 'Run now'}
                </button>
              ),
          },
        ]}
      />
      {jobs.data?.map(
        (j) =>
          j.runs.length > 0 && (
            <details key={j.id}>
              <summary>
                Last {j.runs.length} runs of <code>{j.id}</code> ({j.command})
              </summary>
              <DataTable
                rows={j.runs}
                rowKey={(r) => r.id}
                columns={[
                  { header: 'Run', cell: (r) => `#${r.id}` },
                  { header: 'Started', cell: (r) => utc(r.startedAt) },
                  { header: 'Trigger', class: 'wide-only', cell: (r) => r.trigger },
                  { header: 'Result', cellClass: 'wrap', cell: (r) => <span class={`badge ${badge(r)}`}>{result(r)}</span> },
                  { header: 'Took', cell: took },
                  {
                    header: 'Output',
                    hidden: true,
                    cell: (r) => (
                      <button type="button" class="ghost compact" onClick={() => setOpen({ job: j.id, run: r.id })} aria-label={`Output of run ${r.id}`}>
                        Output
                      </button>
                    ),
                  },
                ]}
              />
            </details>
          ),
      )}
      {open && (
        <section aria-label={`Output of run ${open.run}`}>
          <h2>
            Run #{open.run} of <code>{open.job}</code> {output.data && `: ${result(output.data)}`}
          </h2>
          <Notice error={output.error} />
          <pre class="log tall" data-testid="cron-output">
            {output.data ? output.data.output || '(no output)' : 'Loading…'}
          </pre>
        </section>
      )}
    </div>
  );
}
