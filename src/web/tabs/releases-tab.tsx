// Release history with one-click rollback to any earlier release (its kept image, no rebuild).
import { useState } from 'preact/hooks';
import { api, appPath, type ReleaseView } from '../api.js';
import { DataTable } from '../components/data-table.js';
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
      <DataTable
        rows={releases.data}
        rowKey={(r) => r.version}
        empty="No releases yet."
        rowClass={(r) => (r.current ? 'current' : undefined)}
        columns={[
          {
            header: 'Release',
            cell: (r) => (
              <>
                v{r.version} {r.current && <span class="badge badge-running">current</span>}
              </>
            ),
          },
          {
            header: 'Description',
            cellClass: 'wrap',
            cell: (r) => (
              <>
                {r.description}
                {r.changes.length > 0 && <span class="muted"> ({r.changes.join(', ')})</span>}
                <span class="muted narrow-only"> · {ago(r.createdAt)}</span>
              </>
            ),
          },
          { header: 'Config', class: 'wide-only', cellClass: 'wrap', cell: (r) => r.configKeys.join(', ') || '-' },
          { header: 'When', class: 'wide-only', cell: (r) => ago(r.createdAt) },
          {
            header: 'Actions',
            hidden: true,
            cell: (r) =>
              canWrite &&
              !r.current && (
                <button type="button" onClick={() => rollback(r.version)} aria-label={`Roll back to v${r.version}`}>
                  Roll back
                </button>
              ),
          },
        ]}
      />
      {deployment && <DeployLog key={deployment} deploymentId={deployment} />}
    </div>
  );
}
