// The current release, its processes with live CPU/memory, the health check and the URLs.
import { appPath, type PsRow, type ReleaseView } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { StatusBadge } from '../components/status-badge.js';
import { ago, bytes, percent } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useApi } from '../use-api.js';

export function OverviewTab({ app, ref_, tick }: TabProps) {
  const ps = useApi<PsRow[]>(appPath(ref_, '/ps'), [tick]);
  const releases = useApi<ReleaseView[]>(appPath(ref_, '/releases'), [tick]);
  const current = releases.data?.find((r) => r.current);
  const hc = app.healthcheck;
  return (
    <div class="grid">
      <section class="card" aria-labelledby="rel-h">
        <h2 id="rel-h">Release</h2>
        {current ? (
          <p>
            <strong>v{current.version}</strong> · {current.description} · {ago(current.createdAt)}
          </p>
        ) : (
          <p class="muted">No release yet.</p>
        )}
        {app.latestDeployment && (
          <p>
            Last deploy #{app.latestDeployment.id} <StatusBadge status={app.latestDeployment.status} /> {ago(app.latestDeployment.createdAt)}
            {app.latestDeployment.reason && <span class="reason"> — {app.latestDeployment.reason}</span>}
          </p>
        )}
      </section>
      <section class="card" aria-labelledby="health-h">
        <h2 id="health-h">Health</h2>
        <p>
          GET <code>{hc.path}</code> on port {app.port ?? '-'} · timeout {hc.timeoutMs / 1000}s · {hc.attempts} attempts
        </p>
      </section>
      <section class="card wide" aria-labelledby="ps-h">
        <h2 id="ps-h">Processes</h2>
        {!ps.data && !ps.error && <p class="muted">Reading container stats…</p>}
        {ps.error && <p class="notice error">{ps.error}</p>}
        <DataTable
          rows={ps.data}
          rowKey={(p) => p.name}
          empty="No containers running."
          columns={[
            { header: 'Container', cell: (p) => p.name },
            { header: 'Type', cell: (p) => p.type },
            { header: 'State', cell: (p) => <StatusBadge status={p.state} /> },
            { header: 'Up', cell: (p) => ago(p.startedAt).replace(' ago', '') },
            { header: 'Restarts', class: 'num', cell: (p) => p.restarts },
            { header: 'CPU', class: 'num', cell: (p) => percent(p.cpuPercent) },
            { header: 'Memory', class: 'num', cell: (p) => bytes(p.memoryBytes) },
          ]}
        />
      </section>
    </div>
  );
}
