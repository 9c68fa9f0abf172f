// sync-routes' choice of what each app is routed to, against fakes of Docker and Caddy
// (src/domain/testing): real SQLite rows, fake containers, the route table as applied.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRow, DeploymentStatus } from '../../infra/db/rows.js';
import { appHosts } from '../apps/urls.js';
import { LABELS } from '../context.js';
import { specOfApp } from '../apps/release-spec.js';
import { fakeDeps, type FakeDeps } from '../testing/deps.js';
import { syncRoutes } from './sync-routes.js';

let f: FakeDeps;
let shop: AppRow;

beforeEach(() => {
  f = fakeDeps();
  f.deps.db.owners.ensure('default');
  shop = f.deps.db.apps.insert({ name: 'shop', owner: 'default', domains: ['old.example'] });
});

afterEach(() => f.cleanup());

/** A deployment of `app` in `status` with one container per entry (web unless named), on port 8080. */
function deployment(app: AppRow, status: DeploymentStatus, containers: { ip: string | null; process?: string; state?: string }[], domains?: string[]): number {
  const b = f.deps.db.builds.insert({ appId: app.id, sourceKind: 'image', source: 'acme/shop' });
  const d = f.deps.db.deployments.insert({ appId: app.id, buildId: b.id });
  const ids = containers.map((c, i) =>
    f.engine.addContainer({
      name: `berth-${app.owner}-${app.name}-d${d.id}-${c.process ?? 'web'}-${i + 1}`,
      labels: { [LABELS.instance]: f.deps.instanceId, [LABELS.deployment]: String(d.id), [LABELS.process]: c.process ?? 'web' },
      ip: c.ip,
      ...(c.state ? { state: c.state } : {}),
    }),
  );
  const spec = { ...specOfApp(app, { web: '' }), ...(domains ? { domains } : {}) };
  f.deps.db.deployments.update(d.id, status, { image: `acme/shop:d${d.id}`, port: 8080, containers: ids, spec });
  return d.id;
}

const ownHosts = (app: AppRow) => appHosts({ ...app, domains: [] }, f.deps.config.domain);

describe('syncRoutes (fake engine, fake proxy)', () => {
  it("routes a deploy's pinned release with that release's domains, not the app's", async () => {
    const v1 = deployment(shop, 'running', [{ ip: '10.0.0.1' }]);
    f.deps.db.apps.setCurrentDeployment(shop.id, v1);
    const v2 = deployment(shop, 'starting', [{ ip: '10.0.0.2' }], ['new.example']);
    f.deps.db.apps.setRouting(shop.id, v2);

    await syncRoutes(f.deps);

    expect(f.proxy.current).toEqual([{ app: 'default/shop', hosts: [...ownHosts(shop), 'new.example'], upstreams: ['10.0.0.2:8080'] }]);
  });

  it('ignores the pin of a deploy that failed: the current release is routed with the app\'s domains', async () => {
    const v1 = deployment(shop, 'running', [{ ip: '10.0.0.1' }]);
    f.deps.db.apps.setCurrentDeployment(shop.id, v1);
    const v2 = deployment(shop, 'failed', [{ ip: '10.0.0.2' }], ['new.example']);
    f.deps.db.apps.setRouting(shop.id, v2);

    await syncRoutes(f.deps);

    expect(f.proxy.current).toEqual([{ app: 'default/shop', hosts: [...ownHosts(shop), 'old.example'], upstreams: ['10.0.0.1:8080'] }]);
  });

  it('gives no route to an app without a running release', async () => {
    const v1 = deployment(shop, 'running', [{ ip: '10.0.0.1' }]);
    f.deps.db.apps.setCurrentDeployment(shop.id, v1);
    f.deps.db.apps.insert({ name: 'never', owner: 'default' });
    const stopped = f.deps.db.apps.insert({ name: 'stopped', owner: 'default' });
    f.deps.db.apps.setCurrentDeployment(stopped.id, deployment(stopped, 'stopped', [{ ip: '10.0.0.3' }]));
    const failedPin = f.deps.db.apps.insert({ name: 'firstfail', owner: 'default' });
    f.deps.db.apps.setRouting(failedPin.id, deployment(failedPin, 'failed', [{ ip: '10.0.0.4' }]));

    await syncRoutes(f.deps);

    expect(f.proxy.current.map((r) => r.app)).toEqual(['default/shop']);
  });

  it('routes only the running web containers of a release (a release whose containers are all down gets the 503 page)', async () => {
    const v1 = deployment(shop, 'running', [{ ip: '10.0.0.1' }, { ip: '10.0.0.5', state: 'exited' }, { ip: '10.0.0.6', process: 'worker' }, { ip: null }]);
    f.deps.db.apps.setCurrentDeployment(shop.id, v1);
    const down = f.deps.db.apps.insert({ name: 'down', owner: 'default' });
    f.deps.db.apps.setCurrentDeployment(down.id, deployment(down, 'running', [{ ip: '10.0.0.7', state: 'exited' }]));

    await syncRoutes(f.deps);

    expect(f.proxy.current.map((r) => [r.app, r.upstreams])).toEqual([
      ['default/down', []],
      ['default/shop', ['10.0.0.1:8080']],
    ]);
  });
});
