import { describe, expect, it } from 'vitest';
import { openDb } from '../../infra/db/database.js';
import { IllegalTransition, transitionBuild, transitionDeployment } from './states.js';

function fixture() {
  const db = openDb(':memory:');
  const app = db.apps.insert({ name: 'web', owner: 'default' });
  const build = db.builds.insert({ appId: app.id, sourceKind: 'upload', source: 'upload' });
  const dep = db.deployments.insert({ appId: app.id, buildId: build.id });
  return { db, app, build, dep };
}

describe('state machines', () => {
  it('walks a build through its happy path and writes an event per step', () => {
    const { db, app, build } = fixture();
    transitionBuild(db, build.id, 'fetching');
    transitionBuild(db, build.id, 'building');
    transitionBuild(db, build.id, 'succeeded', { image: 'berth/x:1' });
    expect(db.builds.get(build.id)).toMatchObject({ status: 'succeeded', image: 'berth/x:1' });
    expect(db.builds.get(build.id)?.finishedAt).toBeTruthy();
    expect(db.events.listForApp(app.id).map((e) => e.kind)).toEqual(['build.succeeded', 'build.building', 'build.fetching']);
  });

  it('refuses an illegal transition and changes nothing', () => {
    const { db, dep, app } = fixture();
    expect(() => transitionDeployment(db, dep.id, 'running')).toThrow(IllegalTransition);
    expect(db.deployments.get(dep.id)?.status).toBe('pending');
    expect(db.events.listForApp(app.id)).toHaveLength(0);
  });

  it('rolls back the whole transition when the extra step fails', () => {
    const { db, dep } = fixture();
    expect(() =>
      transitionDeployment(db, dep.id, 'starting', {}, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(db.deployments.get(dep.id)?.status).toBe('pending');
  });

  it('a failed deployment is final', () => {
    const { db, dep } = fixture();
    transitionDeployment(db, dep.id, 'failed', { reason: 'build failed' });
    expect(() => transitionDeployment(db, dep.id, 'starting')).toThrow(/failed -> starting/);
    expect(db.deployments.get(dep.id)?.reason).toBe('build failed');
  });
});
