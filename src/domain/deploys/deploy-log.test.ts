import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';
import { openDb } from '../../infra/db/database.js';
import { LogStore } from '../../infra/logs/log-store.js';
import type { Deps } from '../context.js';
import { deployLogFollower, deploymentOfBuild, readDeployLog, type DeployLogEnd } from './deploy-log.js';
import { logKey } from '../log-keys.js';

describe("a deploy's log", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-deploy-log-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const db = openDb(':memory:');
  const logs = new LogStore(join(dataDir, 'logs'));
  const deps = { config: parseConfig({ dataDir }), db, logs } as unknown as Deps;
  const app = db.apps.insert({ name: 'shop', owner: 'default' });
  const build = db.builds.insert({ appId: app.id, sourceKind: 'image', source: 'x' });
  const d = db.deployments.insert({ appId: app.id, buildId: build.id });

  it('reads what is written so far, and says when it is finished', () => {
    logs.open(logKey(d.id));
    logs.append(logKey(d.id), '-----> building');
    expect(readDeployLog(deps, d.id)).toEqual({ lines: ['-----> building'], done: false });
  });

  it('follows the log to its end, then tells how the deploy ended and where the app is', () => {
    const lines: string[] = [];
    const ends: DeployLogEnd[] = [];
    const stop = deployLogFollower(deps, d.id)((l) => lines.push(l), (e) => ends.push(e));
    logs.append(logKey(d.id), '-----> released');
    db.deployments.update(d.id, 'failed', { reason: 'health check failed' });
    logs.close(logKey(d.id));
    stop();
    expect(lines).toEqual(['-----> building', '-----> released']);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ status: 'failed', reason: 'health check failed' });
    expect(ends[0]!.urls[0]).toContain('shop');
    expect(readDeployLog(deps, d.id).done).toBe(true);
  });

  it("finds a build's deployment", () => {
    expect(deploymentOfBuild(deps, build.id)).toBe(d.id);
  });

  it('is not found for a deployment or build that does not exist, before anything is followed', () => {
    expect(() => readDeployLog(deps, 999)).toThrow('deployment #999 does not exist');
    expect(() => deployLogFollower(deps, 999)).toThrow('deployment #999 does not exist');
    expect(() => deploymentOfBuild(deps, 999)).toThrow('build #999 does not exist');
  });
});
