// Every build of the app with its status; open one to read its log.
import { useState } from 'preact/hooks';
import { api, appPath, type BuildRow } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { Notice } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { ago } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

/** A build with how the deploy it was for ended (a build can succeed and its deploy fail). */
type Built = BuildRow & { deployStatus?: string | null; deployReason?: string | null; release?: number | null };

export function BuildsTab({ ref_, tick }: TabProps) {
  const builds = useApi<Built[]>(appPath(ref_, '/builds'), [tick]);
  const [open, setOpen] = useState<{ id: number; lines: string[] } | null>(null);
  const { error, run } = useAction();
  const show = (id: number) =>
    run(async () => {
      const r = await api<{ lines: string[] }>('GET', `/builds/${id}/log`);
      setOpen({ id, lines: r.lines });
    });
  return (
    <div class="stack">
      <Notice error={builds.error ?? error} />
      <DataTable
        rows={builds.data}
        rowKey={(b) => b.id}
        empty="No builds yet."
        columns={[
          { header: 'Build', cell: (b) => `#${b.id}` },
          { header: 'Source', cellClass: 'url', cell: (b) => b.source },
          {
            header: 'Status',
            cell: (b) => (
              <>
                <StatusBadge status={b.status} />
                {b.error && <span class="reason"> {b.error}</span>}
                {b.release ? <span class="reason"> released as v{b.release}</span> : null}
                {b.status === 'succeeded' && b.deployStatus === 'failed' && <span class="reason"> deploy failed{b.deployReason ? `: ${b.deployReason}` : ''}</span>}
              </>
            ),
          },
          { header: 'When', cell: (b) => ago(b.createdAt) },
          {
            header: 'Log',
            cell: (b) => (
              <button type="button" class="ghost" onClick={() => show(b.id)} aria-label={`Show the log of build #${b.id}`}>
                Show log
              </button>
            ),
          },
        ]}
      />
      {open && (
        <section aria-label={`Build #${open.id} log`}>
          <h2>Build #{open.id}</h2>
          <pre class="log tall">{open.lines.join('\n')}</pre>
        </section>
      )}
    </div>
  );
}
