// Release history with one-click rollback to any earlier release (its kept image, no rebuild).
import { useState } from 'preact/hooks';
import { api, appPath, type ReleaseView } from '../api.js';
import { DeployLog } from '../components/deploy-log.js';
import { Notice } from '../components/notice.js';
import { ago } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

export function ReleasesTab({ ref_, canWrite, tick }: TabProps) {
  const releases = useApi<ReleaseView[]>(appPath(ref_, '/releases'), [tick]);
  const [deployment, setDeployment] = useState<number | null>(null);
  const { error, run } = useAction();
  const rollback = (version: number) =>
    run(async () => {
      const r = await api<{ deployment: { id: number } }>('POST', appPath(ref_, '/rollback'), { version });
      setDeployment(r.deployment.id);
    });
  return (
    <div class="stack">
      <Notice error={releases.error ?? error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Description</th>
              <th scope="col" class="wide-only">Config</th>
              <th scope="col" class="wide-only">When</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(releases.data ?? []).map((r) => (
              <tr key={r.version} class={r.current ? 'current' : undefined}>
                <td>
                  v{r.version} {r.current && <span class="badge badge-running">current</span>}
                </td>
                <td class="wrap">
                  {r.description}
                  <span class="muted narrow-only"> · {ago(r.createdAt)}</span>
                </td>
                <td class="wide-only wrap">{r.configKeys.join(', ') || '-'}</td>
                <td class="wide-only">{ago(r.createdAt)}</td>
                <td>
                  {canWrite && !r.current && (
                    <button type="button" onClick={() => rollback(r.version)} aria-label={`Roll back to v${r.version}`}>
                      Roll back
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {deployment && <DeployLog key={deployment} deploymentId={deployment} />}
    </div>
  );
}
