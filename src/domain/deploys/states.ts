// The build and deployment state machines: one transition table each. Every transition is one
// SQL transaction that also writes an event row; an illegal transition throws.
import type { Db } from '../../infra/db/database.js';
import type { DeploymentFields } from '../../infra/db/deployments-repo.js';
import type { BuildStatus, DeploymentStatus } from '../../infra/db/rows.js';

export const BUILD_TRANSITIONS: Record<BuildStatus, readonly BuildStatus[]> = {
  pending: ['fetching', 'failed'],
  fetching: ['building', 'succeeded', 'failed'],
  building: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
};

export const DEPLOYMENT_TRANSITIONS: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
  pending: ['starting', 'failed'],
  starting: ['running', 'unhealthy', 'failed'],
  running: ['stopped', 'failed'],
  unhealthy: ['failed', 'stopped'],
  failed: [],
  stopped: [],
};

export class IllegalTransition extends Error {
  constructor(kind: string, id: number, from: string, to: string) {
    super(`illegal ${kind} transition for #${id}: ${from} -> ${to}`);
  }
}

export function assertTransition<S extends string>(table: Record<S, readonly S[]>, kind: string, id: number, from: S, to: S): void {
  if (!table[from].includes(to)) throw new IllegalTransition(kind, id, from, to);
}

/** Moves a build to `to` and records the event, atomically. */
export function transitionBuild(db: Db, id: number, to: BuildStatus, fields: { image?: string; error?: string } = {}): void {
  db.tx(() => {
    const b = db.builds.get(id);
    if (!b) throw new Error(`build #${id} vanished`);
    assertTransition(BUILD_TRANSITIONS, 'build', id, b.status, to);
    db.builds.setStatus(id, to, fields);
    db.events.add({ appId: b.appId, subject: `build:${id}`, kind: `build.${to}`, message: fields.error ?? `build #${id} ${to}` });
  });
}

/** Moves a deployment to `to` (with its new fields) and records the event, atomically. */
export function transitionDeployment(db: Db, id: number, to: DeploymentStatus, fields: DeploymentFields = {}, extra?: () => void): void {
  db.tx(() => {
    const d = db.deployments.get(id);
    if (!d) throw new Error(`deployment #${id} vanished`);
    assertTransition(DEPLOYMENT_TRANSITIONS, 'deployment', id, d.status, to);
    db.deployments.update(id, to, fields);
    db.events.add({
      appId: d.appId,
      subject: `deployment:${id}`,
      kind: `deployment.${to}`,
      message: fields.reason ? `deployment #${id} ${to}: ${fields.reason}` : `deployment #${id} ${to}`,
    });
    extra?.();
  });
}
