// Every app the user may see: status (the API's one status field, as the app's header shows
// it), URL, last deploy, owner, CPU and memory now. On a phone: name and status. Refreshes
// itself when anything happens to any app.
import { useMemo, useState } from 'preact/hooks';
import type { AppView } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { Notice } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { ago, appRef, bytes, percent } from '../format.js';
import { useLiveTick } from '../live.js';
import { appHref } from '../router.js';
import { useApi } from '../use-api.js';

interface Metric {
  app: string;
  cpuPercent: number;
  memoryBytes: number;
}

export function AppsPage() {
  const tick = useLiveTick();
  const apps = useApi<AppView[]>('/apps', [tick]);
  const metrics = useApi<Metric[]>('/metrics', [tick]);
  const [query, setQuery] = useState('');
  const byApp = useMemo(() => new Map((metrics.data ?? []).map((m) => [m.app, m])), [metrics.data]);
  const shown = (apps.data ?? []).filter((a) => appRef(a).includes(query.trim().toLowerCase()));

  return (
    <section aria-labelledby="apps-title">
      <div class="row spread">
        <h1 id="apps-title">Apps</h1>
        <a class="button" href="#/new">
          New app
        </a>
      </div>
      <Notice error={apps.error} />
      <label class="search">
        <span class="sr-only">Filter apps</span>
        <input type="search" placeholder="Filter apps" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </label>
      {apps.data && apps.data.length === 0 && <p class="empty">No apps yet. Deploy one with “New app” or `berth deploy`.</p>}
      {apps.data && apps.data.length > 0 && (
        <DataTable
          rows={shown}
          rowKey={appRef}
          class="apps"
          columns={[
            {
              header: 'App',
              rowHeader: true,
              cell: (a) => (
                <>
                  <a href={appHref(appRef(a))}>{a.name}</a>
                  {a.owner !== 'default' && <span class="muted narrow-only"> {a.owner}</span>}
                </>
              ),
            },
            { header: 'Status', cell: (a) => <StatusBadge status={a.status} /> },
            { header: 'Owner', class: 'wide-only', cell: (a) => a.owner },
            { header: 'URL', class: 'wide-only', cellClass: 'url', cell: (a) => a.urls[0] && <a href={a.urls[0]}>{a.urls[0].replace(/^https?:\/\//, '')}</a> },
            { header: 'Last deploy', class: 'wide-only', cell: (a) => ago(a.latestDeployment?.createdAt) },
            { header: 'CPU', class: 'num wide-only', cell: (a) => percent(byApp.get(appRef(a))?.cpuPercent) },
            { header: 'Memory', class: 'num wide-only', cell: (a) => bytes(byApp.get(appRef(a))?.memoryBytes) },
          ]}
        />
      )}
    </section>
  );
}
