import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';
import { openDb, type Db } from '../../infra/db/database.js';
import type { ContainerInfo } from '../../infra/docker/types.js';
import type { RoutedApp } from '../ports.js';
import { LABELS, type Deps } from '../context.js';
import { reconcile } from './reconcile.js';
import { engineParts } from '../testing/engine-parts.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function container(id: string, deployment: number, ip: string): ContainerInfo {
  return { id, name: `berth-default-shop-d${deployment}-web-1`, state: 'running', exitCode: 0, restartCount: 0, ip, labels: { [LABELS.instance]: 'i1', [LABELS.deployment]: String(deployment), [LABELS.process]: 'web' }, image: 'img', startedAt: '', error: '', oomKilled: false, memoryLimitBytes: 0 };
}

/** A database with v1 live and v2 switched in the proxy but not committed (the server died between). */
function crashedMidSwitch(db: Db): void {
  const app = db.apps.insert({ name: 'shop', owner: 'default' });
  for (const [n, status] of [[1, 'running'], [2, 'starting']] as const) {
    const b = db.builds.insert({ appId: app.id, sourceKind: 'image', source: 'x' });
    const d = db.deployments.insert({ appId: app.id, buildId: b.id });
    db.deployments.update(d.id, status, { image: `berth/default/shop:d${n}`, port: 8080, containers: [`c${n}`] });
  }
  db.apps.setCurrentDeployment(app.id, 1);
}

describe('reconcile', () => {
  it('routes back to the current release before it removes the interrupted release (no 502 after a crash mid-switch)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-reconcile-'));
    dirs.push(dataDir);
    const db = openDb(':memory:');
    crashedMidSwitch(db);
    const calls: string[] = [];
    const infos = new Map([['c1', container('c1', 1, '10.0.0.1')], ['c2', container('c2', 2, '10.0.0.2')]]);
    const deps = {
      config: parseConfig({ dataDir }),
      db,
      instanceId: 'i1',
            jobs: { busy: () => false },
      logs: { append: () => undefined },
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      proxy: {
        apply: async (build: () => Promise<RoutedApp[]>) => {
          const routes = JSON.stringify(await build());
          calls.push(`routes ${['10.0.0.1', '10.0.0.2'].filter((ip) => routes.includes(ip)).join(',')}`);
        },
      },
      ...engineParts({
        ping: async () => undefined,
        ensureNetwork: async () => undefined,
        inspect: async (id: string) => infos.get(id) ?? null,
        start: async () => undefined,
        listContainers: async () => [...infos.values()],
        remove: async (id: string) => {
          calls.push(`remove ${id}`);
          infos.delete(id);
        },
        listImages: async () => [],
        untaggedDescendants: async () => [],
        removeImage: async () => undefined,
      }),
    } as unknown as Deps;
    const report = await reconcile(deps);
    expect(report.interrupted).toBe(1);
    expect(calls).toEqual(['routes 10.0.0.1', 'remove c2']);
  });
});
