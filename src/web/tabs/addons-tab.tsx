// The add-ons attached to the app (managed PostgreSQL and Redis): type and version, the
// container's state, the URL apps get (password masked), and which apps it is attached to.
import type { AddonView } from '../api.js';
import { appPath } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { Notice } from '../components/notice.js';
import { ago } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useApi } from '../use-api.js';

const badge = (status: string) => (status === 'running' ? 'badge-running' : status === 'restarting' ? 'badge-restarting' : 'badge-failed');

export function AddonsTab({ ref_, tick }: TabProps) {
  const addons = useApi<AddonView[]>(appPath(ref_, '/addons'), [tick]);
  return (
    <div class="stack">
      <Notice error={addons.error} />
      <DataTable
        rows={addons.data}
        rowKey={(a) => a.name}
        empty={`No add-ons. Create one with: berth addons create postgres --app ${ref_}`}
        columns={[
          { header: 'Name', rowHeader: true, cell: (a) => <code>{a.name}</code> },
          { header: 'Type', cell: (a) => `${a.type} ${a.version}` },
          { header: 'Status', cell: (a) => <span class={`badge ${badge(a.status)}`}>{a.status}</span> },
          { header: 'URL', cellClass: 'wrap', cell: (a) => <code title={`as ${a.envVar} on attached apps`}>{a.url}</code> },
          { header: 'Attached to', class: 'wide-only', cellClass: 'wrap', cell: (a) => a.attachedTo.join(', ') || '-' },
          { header: 'Created', class: 'wide-only', cell: (a) => ago(a.createdAt) },
        ]}
      />
    </div>
  );
}
