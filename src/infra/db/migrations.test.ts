import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from './database.js';
import { MIGRATIONS } from './migrations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T = '2026-01-01T00:00:00.000Z';

describe('ids', () => {
  it('are never reused after a destroy: apps, builds and deployments', () => {
    const db = openDb(':memory:');
    const make = (name: string) => {
      const app = db.apps.insert({ name, owner: 'default' });
      const build = db.builds.insert({ appId: app.id, sourceKind: 'upload', source: 'x' });
      const deployment = db.deployments.insert({ appId: app.id, buildId: build.id });
      return { app: app.id, build: build.id, deployment: deployment.id };
    };
    const first = make('shop');
    db.apps.delete(first.app); // cascades to its builds and deployments
    const second = make('shop');
    expect(second.app).toBeGreaterThan(first.app);
    expect(second.build).toBeGreaterThan(first.build);
    expect(second.deployment).toBeGreaterThan(first.deployment);
  });

  it('migrating an existing database keeps its rows, ids and foreign keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-migrate-'));
    dirs.push(dir);
    const old = new Database(join(dir, 'berth.db'));
    for (const sql of MIGRATIONS.slice(0, 11)) old.exec(sql);
    old.pragma('user_version = 11');
    old.exec(`
      INSERT INTO apps (id, name, owner, created_at, updated_at, current_deployment_id, domains) VALUES (4, 'shop', 'default', '${T}', '${T}', 9, '["shop.example.com"]');
      INSERT INTO apps (id, name, owner, created_at, updated_at, parent_app_id, pr_number) VALUES (5, 'shop-pr-1', 'default', '${T}', '${T}', 4, 1);
      INSERT INTO builds (id, app_id, source_kind, source, status, created_at, source_digest) VALUES (8, 4, 'upload', 'x', 'succeeded', '${T}', 'sha');
      INSERT INTO deployments (id, app_id, build_id, status, containers, created_at, updated_at, processes) VALUES (9, 4, 8, 'running', '["c1"]', '${T}', '${T}', '{"web":""}');
      INSERT INTO releases (app_id, version, deployment_id, image, config, description, created_at) VALUES (4, 1, 9, 'img', '{}', 'v1', '${T}');
      INSERT INTO events (app_id, subject, kind, message, created_at) VALUES (4, 'app:4', 'app.created', 'x', '${T}');
    `);
    old.close();

    const db = openDb(dir);
    const app = db.apps.get(4)!;
    expect(app).toMatchObject({ name: 'shop', currentDeploymentId: 9, domains: ['shop.example.com'] });
    expect(db.apps.get(5)).toMatchObject({ parentAppId: 4, prNumber: 1 });
    expect(db.builds.get(8)).toMatchObject({ appId: 4, status: 'succeeded' });
    expect(db.deployments.get(9)).toMatchObject({ appId: 4, buildId: 8, containers: ['c1'], processes: { web: '' } });
    // The foreign keys still hold: destroying the app takes its builds, deployments and events.
    db.apps.delete(4);
    expect(db.builds.get(8)).toBeUndefined();
    expect(db.deployments.get(9)).toBeUndefined();
    expect(db.events.listForApp(4)).toEqual([]);
    expect(db.apps.get(5)!.parentAppId).toBeNull();
    // And the destroyed ids are not handed out again.
    expect(db.apps.insert({ name: 'shop', owner: 'default' }).id).toBe(6);
    db.close();
  });
});

describe("upgrading to Heroku's process model (web 1, others 0 unless scaled)", () => {
  it('keeps every type an app ran before running: its formation and its releases’ specs name them, chosen quantities win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-migrate-'));
    dirs.push(dir);
    const old = new Database(join(dir, 'berth.db'));
    for (const sql of MIGRATIONS.slice(0, 16)) old.exec(sql);
    old.pragma('user_version = 16');
    const spec = JSON.stringify({ processes: { web: 'a', worker: 'b', clock: 'c', release: 'm' }, formation: { web: 2 }, env: {} });
    old.exec(`
      INSERT INTO apps (id, name, owner, created_at, updated_at, current_deployment_id, formation) VALUES (4, 'shop', 'default', '${T}', '${T}', 9, '{"web":2,"clock":0}');
      INSERT INTO apps (id, name, owner, created_at, updated_at, formation) VALUES (5, 'fresh', 'default', '${T}', '${T}', '{}');
      INSERT INTO builds (id, app_id, source_kind, source, status, created_at) VALUES (8, 4, 'upload', 'x', 'succeeded', '${T}');
      INSERT INTO deployments (id, app_id, build_id, status, containers, created_at, updated_at, processes, spec) VALUES (9, 4, 8, 'running', '[]', '${T}', '${T}', '{"web":"a","worker":"b","clock":"c","release":"m"}', '${spec}');
      INSERT INTO releases (app_id, version, deployment_id, image, config, description, created_at, spec) VALUES (4, 1, 9, 'img', '{}', 'v1', '${T}', '${spec}');
    `);
    old.close();

    const db = openDb(dir);
    expect(db.apps.get(4)!.formation).toEqual({ web: 2, worker: 1, clock: 0 });
    expect(db.apps.get(5)!.formation).toEqual({});
    expect(db.deployments.get(9)!.spec!.formation).toEqual({ web: 2, worker: 1, clock: 1 });
    expect(db.releases.listForApp(4)[0]!.spec!.formation).toEqual({ web: 2, worker: 1, clock: 1 });
    expect(db.deployments.get(9)!.spec!.processes).toEqual({ web: 'a', worker: 'b', clock: 'c', release: 'm' });
    db.close();
  });
});

describe('upgrading to backups (migration 22)', () => {
  it('keeps the events of a v21 database, with no owner, and adds the backup tables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-migrate-'));
    dirs.push(dir);
    const old = new Database(join(dir, 'berth.db'));
    for (const sql of MIGRATIONS.slice(0, 21)) old.exec(sql);
    old.pragma('user_version = 21');
    old.exec(`
      INSERT INTO owners (name, created_at) VALUES ('acme', '${T}');
      INSERT INTO apps (id, name, owner, created_at, updated_at) VALUES (4, 'shop', 'acme', '${T}', '${T}');
      INSERT INTO events (app_id, subject, kind, message, created_at) VALUES (4, 'app:4', 'app.created', 'x', '${T}');
      INSERT INTO addons (name, owner, type, version, password, created_at) VALUES ('shop-db', 'acme', 'postgres', '15', 'sealed', '${T}');
    `);
    old.close();

    const db = openDb(dir);
    expect(db.events.listForApp(4)).toEqual([expect.objectContaining({ kind: 'app.created', owner: null })]);
    db.events.add({ appId: null, owner: 'acme', subject: 'backup:shop-db', kind: 'backup.failed', message: 'backup of shop-db failed' });
    expect(db.events.after(0).at(-1)).toMatchObject({ appId: null, owner: 'acme', kind: 'backup.failed' });
    const b = db.backups.insert({ owner: 'acme', sourceKind: 'addon', source: 'shop-db', appId: null, destinationId: null, objectKey: 'k', trigger: 'schedule' });
    expect(db.backups.latestOk('addon', 'shop-db')).toBeUndefined();
    expect(db.backups.get(b.id)).toMatchObject({ status: 'running', owner: 'acme' });
    expect(db.addons.byName('shop-db')).toMatchObject({ owner: 'acme', type: 'postgres' });
    db.close();
  });
});
