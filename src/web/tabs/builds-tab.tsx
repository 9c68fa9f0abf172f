// Every build of the app with its status; open one to read its log.
import { useState } from 'preact/hooks';
import { api, appPath, type BuildRow } from '../api.js';
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
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Build</th>
              <th scope="col">Source</th>
              <th scope="col">Status</th>
              <th scope="col">When</th>
              <th scope="col">Log</th>
            </tr>
          </thead>
          <tbody>
            {(builds.data ?? []).map((b) => (
              <tr key={b.id}>
                <td>#{b.id}</td>
                <td class="url">{b.source}</td>
                <td>
                  <StatusBadge status={b.status} />
                  {b.error && <span class="reason"> {b.error}</span>}
                  {b.release ? <span class="reason"> released as v{b.release}</span> : null}
                  {b.status === 'succeeded' && b.deployStatus === 'failed' && <span class="reason"> deploy failed{b.deployReason ? `: ${b.deployReason}` : ''}</span>}
                </td>
                <td>{ago(b.createdAt)}</td>
                <td>
                  <button type="button" class="ghost" onClick={() => show(b.id)} aria-label={`Show the log of build #${b.id}`}>
                    Show log
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open && (
        <section aria-label={`Build #${open.id} log`}>
          <h2>Build #{open.id}</h2>
          <pre class="log tall">{open.lines.join('\n')}</pre>
        </section>
      )}
    </div>
  );
}
