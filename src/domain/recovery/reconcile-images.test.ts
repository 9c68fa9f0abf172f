// reconcile() and images: it removes only this Berth's orphan images, and counts only what went.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';
import { openDb } from '../../infra/db/database.js';
import type { ContainerInfo, ImageInfo } from '../../infra/docker/types.js';
import { LABELS, type Deps } from '../context.js';
import { reconcile } from './reconcile.js';
import { engineParts } from '../testing/engine-parts.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Docker's reference filter: an image is listed when one of its tags' names matches the glob. */
const matches = (pattern: string, tag: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/:]*')}(:|$)`).test(tag);

/** A Berth (instance i1, prefix berth) whose app default/shop runs deployment 1, on an engine holding `images`. */
function setup(images: ImageInfo[], failing: Set<string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-reconcile-'));
  dirs.push(dataDir);
  const db = openDb(':memory:');
  const app = db.apps.insert({ name: 'shop', owner: 'default' });
  const b = db.builds.insert({ appId: app.id, sourceKind: 'image', source: 'x' });
  const d = db.deployments.insert({ appId: app.id, buildId: b.id });
  db.deployments.update(d.id, 'running', { image: 'berth/default/shop/i1:d1', port: 8080, containers: ['c1'] });
  db.apps.setCurrentDeployment(app.id, d.id);
  const c1: ContainerInfo = { id: 'c1', name: 'berth-default-shop-d1-web-1', state: 'running', exitCode: 0, restartCount: 0, ip: '10.0.0.1', labels: { [LABELS.instance]: 'i1', [LABELS.deployment]: '1', [LABELS.process]: 'web' }, image: 'img', startedAt: '', error: '', oomKilled: false, memoryLimitBytes: 0 };
  const removed: string[] = [];
  const warnings: string[] = [];
  const deps = {
    config: parseConfig({ dataDir }),
    db,
    instanceId: 'i1',
    jobs: { busy: () => false },
    logs: { append: () => undefined },
    logger: { info: () => undefined, warn: (_o: unknown, m: string) => warnings.push(m), error: () => undefined },
    proxy: { apply: async () => undefined },
    ...engineParts({
      ping: async () => undefined,
      ensureNetwork: async () => undefined,
      inspect: async (id: string) => (id === 'c1' ? c1 : null),
      start: async () => undefined,
      listContainers: async () => [c1],
      listVolumes: async () => [],
      remove: async () => undefined,
      listImages: async (pattern: string) => images.filter((i) => i.tags.some((t) => matches(pattern, t))),
      untaggedDescendants: async () => [],
      removeImage: async (ref: string) => {
        removed.push(ref);
        if (failing.has(ref)) throw new Error('conflict: image is being used by a stopped container');
      },
    }),
  } as unknown as Deps;
  return { deps, removed, warnings };
}

const image = (id: string, ...tags: string[]): ImageInfo => ({ id, tags, labels: {}, exposedPorts: [] });

describe('reconcile: orphan images', () => {
  it("removes this Berth's orphan tags only: never another Berth's images on the same engine, nor a user's tag on the same image", async () => {
    const { deps, removed } = setup(
      [
        image('sha256:a', 'berth/default/shop/i1:d1'), // the running release
        image('sha256:b', 'berth/default/shop/i1:d2', 'node:20'), // an interrupted image-source deploy of node:20
        image('sha256:c', 'berth/default/shop/i2:d1'), // another Berth's (same prefix, app and number)
        image('sha256:d', 'berth/default/shop/i2:d7', 'berth/default/shop/i1:d5'), // both Berths deployed the same image
        image('sha256:e', 'berth/default/shop:d4'), // a name this Berth does not give (a user's, or another Berth's before instances were in the name)
      ],
      new Set(),
    );
    const report = await reconcile(deps);
    expect(removed).toEqual(['berth/default/shop/i1:d2', 'berth/default/shop/i1:d5']);
    expect(report.removedImages).toBe(2);
  });

  it('does not count an image it failed to remove as removed, and says why in the log', async () => {
    const { deps, removed, warnings } = setup([image('sha256:b', 'berth/default/old/i1:d2'), image('sha256:c', 'berth/default/old/i1:d3')], new Set(['berth/default/old/i1:d3']));
    const report = await reconcile(deps);
    expect(removed).toEqual(['berth/default/old/i1:d2', 'berth/default/old/i1:d3']);
    expect(report.removedImages).toBe(1);
    expect(warnings).toEqual(['could not remove an orphan image']);
  });
});
