// Backups of the app's add-ons and named volumes: per source its newest backup and last drill,
// with "Back up now" and "Drill" for members; then every backup (status, size, sha256 prefix,
// destination, drill). Restoring overwrites data, so it stays a deliberate CLI command.
import { useEffect, useState } from 'preact/hooks';
import type { BackupView } from '../api.js';
import { appPath, postStream } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { Notice } from '../components/notice.js';
import { ago, bytes } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

interface Source {
  source: string;
  sourceKind: 'addon' | 'volume';
}

interface AppBackups {
  sources: Source[];
  backups: BackupView[];
}

/** Asked again every few seconds while the tab is open: scheduled backups and drills start on their own. */
const POLL_MS = 5000;

const badge = (s: string) => (s === 'ok' ? 'badge-running' : s === 'running' || s === 'verifying' ? 'badge-starting' : s === 'pruned' ? 'badge-stopped' : 'badge-failed');
/** `pg-1`, or `data (volume)` for owner/app:data. */
const label = (s: Source) => (s.sourceKind === 'volume' ? `${s.source.slice(s.source.lastIndexOf(':') + 1)} (volume)` : s.source);

function Drill({ b }: { b: BackupView }) {
  if (!b.drill) return <span class="muted">never</span>;
  const text = b.drill.status === 'failed' ? `failed: ${b.drill.error ?? b.drill.summary}` : b.drill.status === 'ok' ? `ok ${b.drill.summary}` : 'running';
  return (
    <span title={b.drill.lines.map((l) => `${l.table}: ${l.expected ?? '?'} → ${l.restored ?? '?'}`).join('\n')}>
      <span class={`badge ${badge(b.drill.status)}`}>{text}</span> {ago(b.drill.at)}
    </span>
  );
}

function Status({ b }: { b: BackupView }) {
  return (
    <span class={`badge ${badge(b.status)}`} title={b.error ?? b.warning ?? undefined}>
      {b.status === 'failed' && b.error ? `failed: ${b.error}` : b.status}
    </span>
  );
}

export function BackupsTab({ ref_, canWrite, tick }: TabProps) {
  const [poll, setPoll] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setPoll((n) => n + 1), POLL_MS);
    return () => clearInterval(t);
  }, []);
  const data = useApi<AppBackups>(appPath(ref_, '/backups'), [tick, poll]);
  const { error, run, busy } = useAction();
  const [job, setJob] = useState<{ what: string; lines: string[]; result: string | null } | null>(null);

  /** Runs a backup or a drill, showing its lines as they come and its outcome. */
  const start = (what: string, path: string, body: unknown) =>
    run(async () => {
      const lines: string[] = [];
      setJob({ what, lines, result: null });
      const exit = await postStream<{ backup?: BackupView }>(path, body, (l) => {
        lines.push(l);
        setJob({ what, lines: [...lines], result: null });
      });
      setJob({ what, lines, result: exit.code === 0 ? 'done' : `failed: ${exit.error ?? 'unknown error'}` });
      data.reload();
      if (exit.code !== 0) throw new Error(`${what} failed: ${exit.error ?? 'unknown error'}`);
    });

  const newest = (s: Source) => data.data?.backups.find((b) => b.source === s.source && b.status !== 'pruned');
  const lastDrilled = (s: Source) => data.data?.backups.find((b) => b.source === s.source && b.drill);
  return (
    <div class="stack">
      <Notice error={data.error ?? error} />
      <DataTable
        rows={data.data?.sources}
        rowKey={(s) => s.source}
        empty="Nothing to back up: the app has no add-ons and no named volumes."
        columns={[
          { header: 'Source', rowHeader: true, cell: (s) => <code title={s.source}>{label(s)}</code> },
          {
            header: 'Last backup',
            cellClass: 'wrap',
            cell: (s) => {
              const b = newest(s);
              return b ? (
                <>
                  <Status b={b} /> {bytes(b.plainBytes)} {ago(b.startedAt)}
                </>
              ) : (
                <span class="muted">never</span>
              );
            },
          },
          {
            header: 'Last drill',
            class: 'wide-only',
            cellClass: 'wrap',
            cell: (s) => {
              const b = lastDrilled(s);
              return b ? <Drill b={b} /> : <span class="muted">never</span>;
            },
          },
          {
            header: 'Actions',
            hidden: true,
            cell: (s) =>
              canWrite && (
                <span class="row">
                  <button type="button" onClick={() => start(`Backup of ${label(s)}`, '/backups', { source: s.source })} disabled={busy} aria-label={`Back up ${label(s)} now`}>
                    Back up now
                  </button>
                  <button type="button" class="ghost" onClick={() => start(`Drill of ${label(s)}`, '/drills', { source: s.source })} disabled={busy || !newest(s)} aria-label={`Drill the newest backup of ${label(s)}`}>
                    Drill
                  </button>
                </span>
              ),
          },
        ]}
      />
      {job && (
        <section aria-label={job.what}>
          <h2>
            {job.what}: {job.result ?? 'running…'}
          </h2>
          <pre class="log" data-testid="backup-log">
            {job.lines.join('\n') || '…'}
          </pre>
        </section>
      )}
      <h2>Backups</h2>
      <DataTable
        rows={data.data?.backups}
        rowKey={(b) => b.id}
        empty="No backups yet."
        columns={[
          { header: 'Backup', cell: (b) => <code>{b.id}</code> },
          { header: 'Source', cell: (b) => label(b) },
          { header: 'Status', cellClass: 'wrap', cell: (b) => <Status b={b} /> },
          { header: 'Size', class: 'num', cell: (b) => bytes(b.plainBytes) },
          { header: 'SHA-256', class: 'wide-only', cell: (b) => <code title={b.sha256 ?? undefined}>{b.sha256?.slice(0, 12) ?? '-'}</code> },
          { header: 'Destination', class: 'wide-only', cell: (b) => b.destination },
          { header: 'Started', cell: (b) => ago(b.startedAt) },
          { header: 'Drill', class: 'wide-only', cellClass: 'wrap', cell: (b) => <Drill b={b} /> },
        ]}
      />
      <p class="muted">
        Restoring replaces the data of an add-on or a volume (a safety backup is taken first), so it is done from the command line: <code>berth backups restore SOURCE --backup ID --yes</code>
      </p>
    </div>
  );
}
