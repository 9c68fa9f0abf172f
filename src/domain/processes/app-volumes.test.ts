// An app's named volumes against the fake engine: made once and made writable before any
// container mounts them, mounted in every container of the app, kept across deploys and by a
// plain destroy, removed by destroy with volumes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRow } from '../../infra/db/rows.js';
import { specOfApp } from '../apps/release-spec.js';
import { destroyApp } from '../catalog/app-service.js';
import { deployImage, fakeDeps, serveApp, type FakeDeps, type LoopbackApp } from '../testing/deps.js';
import { orphanVolumes } from './app-volumes.js';
import { reconcile } from '../recovery/reconcile.js';
import { processSpec } from './process-containers.js';

let f: FakeDeps;
let web: LoopbackApp;
let app: AppRow;

beforeEach(async () => {
  f = fakeDeps({ engine: { ips: ['127.0.0.21', '127.0.0.22', '127.0.0.23'] } });
  web = await serveApp(['127.0.0.21', '127.0.0.22', '127.0.0.23']);
  f.deps.db.owners.ensure('acme');
  app = f.deps.db.apps.insert({ name: 'shop', owner: 'acme', port: web.port, healthcheck: { attempts: 2, intervalMs: 20, timeoutMs: 1000 } });
  f.engine.addImage([f.deps.config.images.base]);
  f.engine.addImage(['acme/shop:v1']);
  f.engine.addImage(['acme/shop:v2']);
});

afterEach(async () => {
  await f.jobs.idle();
  await web.close();
  f.cleanup();
});

const deploy = (image: string, volumes: Record<string, string>, processes: Record<string, string> = { web: '' }) =>
  deployImage(f.deps, app.id, { kind: 'image', image, spec: { ...specOfApp(f.deps.db.apps.get(app.id)!, processes), volumes } });
const mountsOf = (id: string) => f.engine.containers.get(id)?.spec.mounts;

describe('app volumes (fake engine)', () => {
  it('makes each volume once, labelled with its app, and mounts it in every container of the app, the release command too', async () => {
    const d = await deploy('acme/shop:v1', { data: '/data' }, { web: '', release: 'migrate' });
    expect(d.status).toBe('running');
    const vol = 'berth-acme.shop.data';
    expect(f.engine.volumes.get(vol)).toMatchObject({ 'berth.instance': 'fake0instance', 'berth.owner': 'acme', 'berth.app': 'shop', 'berth.volume': 'data' });
    expect(mountsOf(d.containers[0]!)).toEqual([{ volume: vol, target: '/data' }]);
    // Made, then prepared by one short container of the base image, before the release command ran.
    const calls = f.engine.calls.filter((c) => /ensureVolume|runOnce|run /.test(c));
    expect(calls[0]).toBe(`ensureVolume ${vol}`);
    expect(calls[1]).toMatch(/^runOnce berth-acme-shop-volume-data-/);
    expect(calls[2]).toMatch(/^runOnce berth-acme-shop-d\d+-release-/);
    // `berth run` and other one-offs are made from the same spec.
    const spec = processSpec(f.deps, { app: f.deps.db.apps.get(app.id)!, deploymentId: d.id, image: 'acme/shop:v1', port: 1, env: {}, processes: {} }, 'x', 'run', ['sh']);
    expect(spec.mounts).toEqual([{ volume: vol, target: '/data' }]);
  });

  it('keeps the volume across deploys (made once) and records it on the app when the deploy goes live', async () => {
    await deploy('acme/shop:v1', { data: '/data' });
    const d2 = await deploy('acme/shop:v2', { data: '/data' });
    expect(f.engine.calls.filter((c) => c.startsWith('ensureVolume'))).toHaveLength(1);
    expect(f.engine.calls.filter((c) => c.startsWith('removeVolume'))).toEqual([]);
    expect(mountsOf(d2.containers[0]!)).toEqual([{ volume: 'berth-acme.shop.data', target: '/data' }]);
    expect(f.deps.db.apps.get(app.id)!.volumes).toEqual({ data: '/data' });
    expect(f.deps.db.releases.listForApp(app.id)[0]!.description).toContain('v2');
  });

  it('fails the deploy, and leaves no half-made volume, when the volume cannot be made writable', async () => {
    f.engine.runOnceExitCode = 1;
    const d = await deploy('acme/shop:v1', { data: '/data' });
    expect(d.status).toBe('failed');
    expect(d.reason).toContain('could not prepare volume data (/data)');
    expect(f.engine.volumes.size).toBe(0);
    expect(f.deps.db.apps.get(app.id)!.volumes).toEqual({});
  });

  it('keeps the volumes on destroy and says which; destroy with volumes removes them', async () => {
    await deploy('acme/shop:v1', { data: '/data', cache: '/cache' });
    expect(await destroyApp(f.deps, 'acme/shop')).toEqual({ kept: ['cache', 'data'], removed: [] });
    expect([...f.engine.volumes.keys()].sort()).toEqual(['berth-acme.shop.cache', 'berth-acme.shop.data']);
    expect(await orphanVolumes(f.deps)).toEqual([
      { owner: 'acme', app: 'shop', name: 'cache', volume: 'berth-acme.shop.cache' },
      { owner: 'acme', app: 'shop', name: 'data', volume: 'berth-acme.shop.data' },
    ]);
    // Start-up reconcile keeps them (data!) and names them in the log, once.
    await reconcile(f.deps);
    expect(f.engine.volumes.size).toBe(2);
    expect(f.logger.lines.filter((l) => l.msg.includes('volume(s) of apps that no longer exist')).map((l) => l.msg)).toEqual([
      'kept 2 volume(s) of apps that no longer exist: acme/shop:cache, acme/shop:data (re-creating the app mounts them again; berth destroy APP --volumes removes them)',
    ]);

    // Created again with the same name: the same volumes, not made again.
    app = f.deps.db.apps.insert({ name: 'shop', owner: 'acme', port: web.port, healthcheck: { attempts: 2, intervalMs: 20, timeoutMs: 1000 } });
    const before = f.engine.calls.filter((c) => c.startsWith('ensureVolume')).length;
    expect((await deploy('acme/shop:v1', { data: '/data' })).status).toBe('running');
    expect(f.engine.calls.filter((c) => c.startsWith('ensureVolume'))).toHaveLength(before);
    expect(await orphanVolumes(f.deps)).toEqual([]);

    expect(await destroyApp(f.deps, 'acme/shop', { volumes: true })).toEqual({ kept: [], removed: ['cache', 'data'] });
    expect(f.engine.volumes.size).toBe(0);
  });

  it("never touches another owner's volumes", async () => {
    await deploy('acme/shop:v1', { data: '/data' });
    f.deps.db.owners.ensure('other');
    const other = f.deps.db.apps.insert({ name: 'shop2', owner: 'other', port: web.port, healthcheck: { attempts: 2, intervalMs: 20, timeoutMs: 1000 } });
    const d = await deployImage(f.deps, other.id, { kind: 'image', image: 'acme/shop:v2', spec: { ...specOfApp(other, { web: '' }), volumes: { data: '/data' } } });
    expect(mountsOf(d.containers[0]!)).toEqual([{ volume: 'berth-other.shop2.data', target: '/data' }]);
    expect(await destroyApp(f.deps, 'other/shop2', { volumes: true })).toEqual({ kept: [], removed: ['data'] });
    expect([...f.engine.volumes.keys()]).toEqual(['berth-acme.shop.data']);
  });
});
