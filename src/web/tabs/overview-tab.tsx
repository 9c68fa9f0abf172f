// The current release, its processes with live CPU/memory, the health check and the URLs.
import { appPath, type PsRow, type ReleaseView } from '../api.js';
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
        {ps.data && ps.data.length === 0 && <p class="muted">No containers running.</p>}
        {ps.data && ps.data.length > 0 && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Container</th>
                  <th scope="col">Type</th>
                  <th scope="col">State</th>
                  <th scope="col">Up</th>
                  <th scope="col" class="num">Restarts</th>
                  <th scope="col" class="num">CPU</th>
                  <th scope="col" class="num">Memory</th>
                </tr>
              </thead>
              <tbody>
                {ps.data.map((p) => (
                  <tr key={p.name}>
                    <td>{p.name}</td>
                    <td>{p.type}</td>
                    <td>
                      <StatusBadge status={p.state} />
                    </td>
                    <td>{ago(p.startedAt).replace(' ago', '')}</td>
                    <td class="num">{p.restarts}</td>
                    <td class="num">{percent(p.cpuPercent)}</td>
                    <td class="num">{bytes(p.memoryBytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
