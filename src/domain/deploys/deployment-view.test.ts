import { describe, expect, it } from 'vitest';
import type { Db } from '../../infra/db/database.js';
import type { BuildRow, DeploymentRow } from '../../infra/db/rows.js';
import { deploymentView, listSourceBuilds } from './deployment-view.js';

const build = (id: number, sourceKind: BuildRow['sourceKind'], status: BuildRow['status'] = 'succeeded') => ({ id, sourceKind, status }) as BuildRow;
const deployment = (id: number, buildId: number, status: DeploymentRow['status'], reason: string | null = null) => ({ id, buildId, status, reason }) as DeploymentRow;

/** Deploy #1 (upload) → v1; config change #2 → v2; deploy #3 (upload) built, then failed its health check; rollback #4 → v3. */
function fakeDb(): Db {
  const builds = [build(4, 'image'), build(3, 'upload'), build(2, 'image'), build(1, 'upload')];
  const deployments = [deployment(4, 4, 'running'), deployment(3, 3, 'failed', 'health check failed'), deployment(2, 2, 'stopped'), deployment(1, 1, 'stopped')];
  const releases: Record<number, number> = { 1: 1, 2: 2, 4: 3 };
  return {
    builds: { listForApp: () => builds },
    deployments: { byBuild: (id: number) => deployments.find((d) => d.buildId === id) },
    releases: { byDeployment: (id: number) => (releases[id] ? { version: releases[id] } : undefined) },
  } as unknown as Db;
}

describe('one numbering: releases vN for what runs, builds only of source', () => {
  it('lists only builds of source, each with how its deploy ended and the release it made', () => {
    const list = listSourceBuilds(fakeDb(), 1);
    expect(list.map((b) => b.id)).toEqual([3, 1]);
    expect(list[0]).toMatchObject({ status: 'succeeded', deploymentId: 3, deployStatus: 'failed', deployReason: 'health check failed', release: null });
    expect(list[1]).toMatchObject({ deploymentId: 1, deployStatus: 'stopped', release: 1 });
  });

  it('finds the builds of source behind many config changes (regression: a fixed window of 4 × limit showed none)', () => {
    // Newest first: 500 config changes (image rows) since the last two uploads.
    const rows = [...Array.from({ length: 500 }, (_, i) => build(502 - i, 'image')), build(2, 'upload'), build(1, 'upload')];
    const db = {
      builds: { listForApp: (_: number, limit: number) => rows.slice(0, limit) },
      deployments: { byBuild: () => undefined },
      releases: { byDeployment: () => undefined },
    } as unknown as Db;
    expect(listSourceBuilds(db, 1, 50).map((b) => b.id)).toEqual([2, 1]);
    expect(listSourceBuilds(db, 1, 1).map((b) => b.id)).toEqual([2]);
  });

  it('names the release a deployment put live, and none for a failed one', () => {
    const db = fakeDb();
    expect(deploymentView(db, deployment(4, 4, 'running')).release).toBe(3);
    expect(deploymentView(db, deployment(3, 3, 'failed')).release).toBeNull();
  });
});
