// deploy-runner's logic against fakes of Docker and Caddy (src/domain/testing): real SQLite,
// real health probe (a loopback server plays the containers); no Docker, no Caddy.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRow } from '../../infra/db/rows.js';
import { appHosts } from '../apps/urls.js';
import { specOfApp } from '../apps/release-spec.js';
import { deployImage, fakeDeps, serveApp, type FakeDeps, type LoopbackApp } from '../testing/deps.js';
import type { AppRoute } from '../testing/fake-proxy.js';
import { imageRepo } from './cleanup.js';

const V1_IP = '127.0.0.11';
const V2_IP = '127.0.0.12';
/** The app's own host names (no custom domain). */
const HOSTS = appHosts({ name: 'shop', owner: 'default', domains: [] }, 'localhost');

let f: FakeDeps;
let v1App: LoopbackApp;
let servers: LoopbackApp[];
let app: AppRow;

beforeEach(async () => {
  f = fakeDeps({ engine: { ips: [V1_IP, V2_IP] } });
  v1App = await serveApp([V1_IP, V2_IP]);
  servers = [v1App];
  f.deps.db.owners.ensure('default');
  f.deps.db.owners.update('default', { domains: ['shop.example'] });
  app = f.deps.db.apps.insert({ name: 'shop', owner: 'default', port: v1App.port, healthcheck: { attempts: 2, intervalMs: 20, timeoutMs: 1000 }, env: { GREETING: 'v1' } });
  f.engine.addImage(['acme/shop:v1']);
  f.engine.addImage(['acme/shop:v2']);
  // v1 is live: the app's first deploy.
  const v1 = await deployImage(f.deps, app.id, { kind: 'image', image: 'acme/shop:v1' });
  expect(v1).toMatchObject({ status: 'running', reason: null });
  await f.jobs.idle();
  app = f.deps.db.apps.get(app.id)!;
});

afterEach(async () => {
  await f.jobs.idle();
  await Promise.all(servers.map((s) => s.close()));
  f.cleanup();
});

const routeOf = (routes: AppRoute[]) => routes.find((r) => r.app === 'default/shop');
const appRow = () => f.deps.db.apps.get(app.id)!;
/** What a user sees of the app's settings. */
const settings = (a: AppRow) => ({ port: a.port, domains: a.domains, env: a.env, healthcheck: a.healthcheck, current: a.currentDeploymentId, pin: a.routingDeploymentId });

describe('deploy-runner (fake engine, fake proxy)', () => {
  it('routes the new release before it is recorded running, applies its spec in that commit, and stops the old release only after the switch', async () => {
    const [oldContainer] = f.deps.db.deployments.get(app.currentDeploymentId!)!.containers;
    const atSwitch: { upstreams: string[]; status: string; pin: number | null; env: Record<string, string>; oldAlive: boolean }[] = [];
    let v2Id = 0;
    f.proxy.onApply = (routes) => {
      const d = f.deps.db.deployments.latestForApp(app.id)!;
      v2Id = d.id;
      atSwitch.push({ upstreams: routeOf(routes)?.upstreams ?? [], status: d.status, pin: appRow().routingDeploymentId, env: appRow().env, oldAlive: f.engine.containers.has(oldContainer!) });
    };
    const applyCountBefore = f.proxy.applied.length;

    const v2 = await deployImage(f.deps, app.id, { kind: 'image', image: 'acme/shop:v2', spec: { ...specOfApp(app, { web: '' }), env: { GREETING: 'v2' } } });
    await f.jobs.idle();

    expect(v2.status).toBe('running');
    expect(v2.id).toBe(v2Id);
    // One atomic switch, straight to the new release's containers (never both, never neither).
    expect(f.proxy.applied.length).toBe(applyCountBefore + 1);
    expect(atSwitch).toEqual([{ upstreams: [`${V2_IP}:${v1App.port}`], status: 'starting', pin: v2.id, env: { GREETING: 'v1' }, oldAlive: true }]);
    // The commit: running, current, spec applied to the app, pin cleared, a release recorded.
    expect(settings(appRow())).toMatchObject({ env: { GREETING: 'v2' }, current: v2.id, pin: null });
    expect(f.deps.db.deployments.get(v2.id - 1)!.status).toBe('stopped');
    expect(f.deps.db.releases.listForApp(app.id).map((r) => r.version).sort()).toEqual([1, 2]);
    // The old release's container went, and after the switch.
    expect(f.engine.containers.has(oldContainer!)).toBe(false);
    const switchAt = f.engine.calls.indexOf(`run berth-default-shop-d${v2.id}-web-1`);
    expect(switchAt).toBeGreaterThanOrEqual(0);
    expect(f.engine.calls.indexOf(`remove ${oldContainer}`)).toBeGreaterThan(switchAt);
    expect(routeOf(f.proxy.current)).toEqual({ app: 'default/shop', hosts: HOSTS, upstreams: [`${V2_IP}:${v1App.port}`] });
  });

  it.each([
    ['refuses the switch (the old table stays in force)', 'refuse'],
    ['fails the switch after loading it (the new table is in force)', 'after-apply'],
  ] as const)('rolls back when the proxy %s: routes back to the old release before removing the new containers, and leaves the app as it was', async (_, mode) => {
    const before = settings(appRow());
    const v1Route = routeOf(f.proxy.current);
    // The new release moves to another port, adds a domain and changes env.
    const v2App = await serveApp([V2_IP]);
    servers.push(v2App);
    const spec = { ...specOfApp(app, { web: '' }), port: v2App.port, domains: ['shop.example'], env: { GREETING: 'v2' } };
    const attempts: { route: AppRoute | undefined; outcome: string }[] = [];
    f.proxy.onApply = (routes, outcome) => {
      attempts.push({ route: routeOf(routes), outcome });
      f.engine.calls.push(`routes ${routeOf(routes)?.upstreams.join(',')}`);
    };
    f.proxy.failNext('caddy said no', mode);

    const v2 = await deployImage(f.deps, app.id, { kind: 'image', image: 'acme/shop:v2', spec });
    await f.jobs.idle();

    expect(v2.status).toBe('failed');
    expect(v2.reason).toContain('caddy said no');
    // The switch to v2 with its new domain and port, then one change back to v1 as it was.
    expect(attempts).toEqual([
      { route: { app: 'default/shop', hosts: [...HOSTS, 'shop.example'], upstreams: [`${V2_IP}:${v2App.port}`] }, outcome: mode === 'refuse' ? 'refused' : 'applied' },
      { route: v1Route, outcome: 'applied' },
    ]);
    expect(routeOf(f.proxy.current)).toEqual(v1Route);
    // (The first deploy removed nothing: the one removal is v2's container.)
    const routedBack = f.engine.calls.indexOf(`routes ${V1_IP}:${v1App.port}`);
    expect(routedBack).toBeGreaterThan(0);
    expect(f.engine.calls.findIndex((c) => c.startsWith('remove '))).toBeGreaterThan(routedBack);
    // Nothing a user sees changed: settings, containers, images, releases, the running deployment, no pin.
    expect(settings(appRow())).toEqual(before);
    expect([...f.engine.containers.values()].map((c) => c.name)).toEqual([`berth-default-shop-d${before.current}-web-1`]);
    expect(f.engine.tags()).not.toContain(`${imageRepo(f.deps, app)}:d${v2.id}`);
    expect(f.deps.db.deployments.get(before.current!)!.status).toBe('running');
    expect(f.deps.db.releases.listForApp(app.id).length).toBe(1);
  });

  it('keeps the app exactly as it was when the new release fails its health check', async () => {
    const before = settings(appRow());
    const v2App = await serveApp([V2_IP]);
    servers.push(v2App);
    v2App.status.set(V2_IP, 500);
    const applied = f.proxy.applied.length;
    const spec = { ...specOfApp(app, { web: '' }), port: v2App.port, domains: ['shop.example'], env: { GREETING: 'v2' } };

    const v2 = await deployImage(f.deps, app.id, { kind: 'image', image: 'acme/shop:v2', spec });
    await f.jobs.idle();

    expect(v2.status).toBe('failed');
    expect(v2.reason).toMatch(/health check failed: .*answered 500/);
    expect(settings(appRow())).toEqual(before);
    // Never routed; the new container and Berth's tag of the image are gone; no release v2.
    expect(f.proxy.applied.length).toBe(applied);
    expect([...f.engine.containers.values()].map((c) => c.name)).toEqual([`berth-default-shop-d${before.current}-web-1`]);
    expect(f.engine.tags()).toEqual(['acme/shop:v1', 'acme/shop:v2', `${imageRepo(f.deps, app)}:d${before.current}`]);
    expect(f.deps.db.releases.listForApp(app.id).map((r) => r.version)).toEqual([1]);
    expect(f.deps.db.deployments.get(before.current!)!.status).toBe('running');
  });
});
