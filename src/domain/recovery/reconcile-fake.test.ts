// reconcile's logic against fakes of Docker and Caddy (src/domain/testing): a deploy really
// interrupted at its proxy switch (test-pause.ts), then a restart's reconcile, twice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRow } from '../../infra/db/rows.js';
import { imageRepo } from '../deploys/cleanup.js';
import { logKey } from '../log-keys.js';
import { reconcile } from './reconcile.js';
import { specOfApp } from '../apps/release-spec.js';
import { deployImage, fakeDeps, serveApp, type FakeDeps, type LoopbackApp } from '../testing/deps.js';
import type { AppRoute } from '../testing/fake-proxy.js';

const V1_IP = '127.0.0.21';
const V2_IP = '127.0.0.22';

let f: FakeDeps;
let server: LoopbackApp;
let app: AppRow;

beforeEach(async () => {
  f = fakeDeps({ engine: { ips: [V1_IP, V2_IP] } });
  server = await serveApp([V1_IP, V2_IP]);
  f.deps.db.owners.ensure('default');
  f.deps.db.owners.update('default', { domains: ['shop.example'] });
  app = f.deps.db.apps.insert({ name: 'shop', owner: 'default', port: server.port, healthcheck: { attempts: 2, intervalMs: 20, timeoutMs: 1000 } });
  f.engine.addImage(['acme/shop:v1']);
  f.engine.addImage(['acme/shop:v2']);
  expect(await deployImage(f.deps, app.id, { kind: 'image', image: 'acme/shop:v1' })).toMatchObject({ status: 'running' });
  await f.jobs.idle();
  app = f.deps.db.apps.get(app.id)!;
});

afterEach(async () => {
  delete process.env.BERTH_TEST_PAUSE_AT;
  await server.close();
  f.cleanup();
});

const routeOf = (routes: AppRoute[]) => routes.find((r) => r.app === 'default/shop');

/**
 * Deploys v2 (with a new domain) and stops it for good right after its proxy switch, as a
 * SIGKILL of Berth there would: v2 starting, the app pinned to it, the proxy routing it.
 * Then v1's container stops too (the host rebooted, say). Returns v2's deployment id.
 */
async function interruptedAtSwitch(image = 'acme/shop:v2'): Promise<number> {
  process.env.BERTH_TEST_PAUSE_AT = 'switch';
  // Never settles: the deploy waits at the pause for ever, like a killed process.
  void deployImage(f.deps, app.id, { kind: 'image', image, spec: { ...specOfApp(app, { web: '' }), domains: ['shop.example'] } });
  const v2 = f.deps.db.deployments.latestForApp(app.id)!.id;
  for (let i = 0; i < 500 && !f.deps.logs.read(logKey(v2)).some((l) => l.includes('paused at switch')); i++) await new Promise((r) => setTimeout(r, 10));
  delete process.env.BERTH_TEST_PAUSE_AT;
  expect(f.deps.db.deployments.get(v2)).toMatchObject({ status: 'starting', containers: [expect.any(String)] });
  expect(f.deps.db.apps.get(app.id)!.routingDeploymentId).toBe(v2);
  expect(routeOf(f.proxy.current)!.upstreams).toEqual([`${V2_IP}:${server.port}`]);
  expect(routeOf(f.proxy.current)!.hosts).toContain('shop.example');
  const [v1Container] = f.deps.db.deployments.get(app.currentDeploymentId!)!.containers;
  f.engine.setState(v1Container!, 'exited', 137);
  return v2;
}

describe('reconcile (fake engine, fake proxy)', () => {
  it('settles a deploy interrupted at its switch: fails it, unpins and routes the current release, removes what it made, starts the current release again', async () => {
    const v2 = await interruptedAtSwitch();
    const v1 = app.currentDeploymentId!;
    const [v1Container] = f.deps.db.deployments.get(v1)!.containers;
    const [v2Container] = f.deps.db.deployments.get(v2)!.containers;
    // One timeline of engine changes and route changes.
    f.proxy.onApply = (routes) => f.engine.calls.push(`routes ${routeOf(routes)?.upstreams.join(',')}`);
    f.engine.calls.length = 0;

    const report = await reconcile(f.deps);

    expect(report).toEqual({ interrupted: 1, removedContainers: 1, restartedContainers: 1, removedImages: 1, lostReleases: 0 });
    expect(f.deps.db.deployments.get(v2)).toMatchObject({ status: 'failed', reason: 'interrupted: the Berth server stopped during this deploy', image: null });
    expect(f.deps.db.apps.get(app.id)).toMatchObject({ routingDeploymentId: null, currentDeploymentId: v1, domains: [] });
    expect(f.deps.db.deployments.get(v1)!.status).toBe('running');
    // Routed back to v1 (without v2's domain), before v2's container went; v1's container runs again.
    expect(routeOf(f.proxy.current)).toMatchObject({ upstreams: [`${V1_IP}:${server.port}`] });
    expect(routeOf(f.proxy.current)!.hosts).not.toContain('shop.example');
    expect(f.engine.calls).toEqual([`start ${v1Container}`, `routes ${V1_IP}:${server.port}`, `remove ${v2Container}`, `removeImage ${imageRepo(f.deps, app)}:d${v2}`]);
    expect([...f.engine.containers.values()].map((c) => [c.id, c.state])).toEqual([[v1Container, 'running']]);
    expect(f.engine.tags()).toEqual(['acme/shop:v1', 'acme/shop:v2', `${imageRepo(f.deps, app)}:d${v1}`]);
  });

  it("removes an interrupted config change's tag of the current image, and keeps the current release's", async () => {
    const v1 = app.currentDeploymentId!;
    // A config change or restart deploys the running image again under its own tag.
    const v2 = await interruptedAtSwitch(`${imageRepo(f.deps, app)}:d${v1}`);
    expect(f.engine.tags()).toContain(`${imageRepo(f.deps, app)}:d${v2}`);

    const report = await reconcile(f.deps);

    expect(report.removedImages).toBe(1);
    expect(f.engine.tags()).toEqual(['acme/shop:v1', 'acme/shop:v2', `${imageRepo(f.deps, app)}:d${v1}`]);
  });

  it('changes nothing when run again (idempotent): no work reported, same engine state, same routes', async () => {
    await interruptedAtSwitch();
    await reconcile(f.deps);
    const engine = f.engine.snapshot();
    const routes = f.proxy.current;
    const db = { apps: f.deps.db.apps.list(), deployments: f.deps.db.deployments.listForApp(app.id), releases: f.deps.db.releases.listForApp(app.id) };
    f.engine.calls.length = 0;

    const again = await reconcile(f.deps);

    expect(again).toEqual({ interrupted: 0, removedContainers: 0, restartedContainers: 0, removedImages: 0, lostReleases: 0 });
    expect(f.engine.snapshot()).toEqual(engine);
    expect(f.engine.calls).toEqual([]);
    expect(f.proxy.current).toEqual(routes);
    expect({ apps: f.deps.db.apps.list(), deployments: f.deps.db.deployments.listForApp(app.id), releases: f.deps.db.releases.listForApp(app.id) }).toEqual(db);
  });
});
