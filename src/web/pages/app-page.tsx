// One app: a header with its status, URLs and a restart button, and a tab per concern. The
// tab is in the URL; an unknown one says so and links to the real ones.
import type { TabProps } from '../tabs/tab-props.js';
import { useState } from 'preact/hooks';
import type { AppView } from '../api.js';
import { api, appPath } from '../api.js';
import { DeployLog } from '../components/deploy-log.js';
import { Notice } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { useLiveTick } from '../live.js';
import { appHref } from '../router.js';
import { AddonsTab } from '../tabs/addons-tab.js';
import { BackupsTab } from '../tabs/backups-tab.js';
import { BuildsTab } from '../tabs/builds-tab.js';
import { ConfigTab } from '../tabs/config-tab.js';
import { CronTab } from '../tabs/cron-tab.js';
import { DeployTab } from '../tabs/deploy-tab.js';
import { DomainsTab } from '../tabs/domains-tab.js';
import { LogsTab } from '../tabs/logs-tab.js';
import { MetricsTab } from '../tabs/metrics-tab.js';
import { OverviewTab } from '../tabs/overview-tab.js';
import { ReleasesTab } from '../tabs/releases-tab.js';
import { ScaleTab } from '../tabs/scale-tab.js';
import { SettingsTab } from '../tabs/settings-tab.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';
import { MissingPage } from './missing-page.js';

const TABS = [
  ['overview', 'Overview'],
  ['deploy', 'Deploy'],
  ['logs', 'Logs'],
  ['builds', 'Builds'],
  ['releases', 'Releases'],
  ['config', 'Config'],
  ['scale', 'Scaling'],
  ['cron', 'Cron'],
  ['addons', 'Add-ons'],
  ['backups', 'Backups'],
  ['domains', 'Domains'],
  ['metrics', 'Metrics'],
  ['settings', 'Settings'],
] as const;


export function AppPage({ ref_, tab, canWrite }: { ref_: string; tab: string; canWrite: boolean }) {
  const tick = useLiveTick(ref_);
  const { data: app, error, reload } = useApi<AppView>(appPath(ref_), [tick]);
  const restart = useAction();
  const [restarted, setRestarted] = useState<number | null>(null);
  if (error) return <Notice error={error} />;
  if (!app) return <p class="muted">Loading…</p>;
  const props: TabProps = { app, ref_, canWrite, tick, reload };
  const known = TABS.some(([id]) => id === tab);
  const doRestart = () =>
    restart.run(async () => {
      const r = await api<{ deployment: { id: number } }>('POST', appPath(ref_, '/restart'));
      setRestarted(r.deployment.id);
    });
  return (
    <article aria-labelledby="app-title">
      <header class="app-head">
        <h1 id="app-title">
          {app.name} <span class="muted owner">{app.owner}</span>
        </h1>
        <StatusBadge status={app.status} />
        {canWrite && app.currentDeployment && (
          <button type="button" class="ghost compact" onClick={doRestart} disabled={restart.busy} title="The current release in new containers, then the switch: no downtime">
            {restart.busy ? 'Restarting…' : 'Restart'}
          </button>
        )}
        <ul class="urls">
          {app.urls.map((u) => (
            <li key={u}>
              <a href={u} target="_blank" rel="noopener">
                {u}
              </a>
            </li>
          ))}
        </ul>
      </header>
      <Notice error={restart.error} />
      {restarted && <DeployLog key={restarted} deploymentId={restarted} />}
      <nav class="tabs" aria-label="App sections">
        {TABS.map(([id, label]) => (
          <a key={id} href={appHref(ref_, id)} aria-current={tab === id ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {!known && <MissingPage what={`tab “${tab}”`} links={TABS.map(([id, label]) => [appHref(ref_, id), label])} />}
      <section class="tab-body" aria-label={TABS.find(([id]) => id === tab)?.[1] ?? 'No such tab'}>
        {tab === 'overview' && <OverviewTab {...props} />}
        {tab === 'deploy' && <DeployTab {...props} />}
        {tab === 'logs' && <LogsTab {...props} />}
        {tab === 'builds' && <BuildsTab {...props} />}
        {tab === 'releases' && <ReleasesTab {...props} />}
        {tab === 'config' && <ConfigTab {...props} />}
        {tab === 'scale' && <ScaleTab {...props} />}
        {tab === 'cron' && <CronTab {...props} />}
        {tab === 'addons' && <AddonsTab {...props} />}
        {tab === 'backups' && <BackupsTab {...props} />}
        {tab === 'domains' && <DomainsTab {...props} />}
        {tab === 'metrics' && <MetricsTab {...props} />}
        {tab === 'settings' && <SettingsTab {...props} />}
      </section>
    </article>
  );
}
