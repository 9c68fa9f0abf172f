// Pipelines: an app may name its next stage (staging -> production). Promoting deploys the
// exact image and process types of the app's running release to the next stage, without a
// build, with the next stage's own config.
import { Conflict, Forbidden, Invalid } from '../../errors.js';
import { appRef } from '../apps/app-ref.js';
import type { AppRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';
import { startDeploy, type StartedDeploy } from '../deploys/deploy-service.js';
import { specOfApp } from '../apps/release-spec.js';

/** Sets (or with null, clears) the app's next stage; refuses a loop. */
export function setNextStage(deps: Deps, app: AppRow, next: AppRow | null): void {
  if (next) {
    for (let cur: AppRow | undefined = next; cur; cur = cur.promoteToAppId !== null ? deps.db.apps.get(cur.promoteToAppId) : undefined) {
      if (cur.id === app.id) throw Conflict(`promoting ${app.name} to ${next.name} would make a loop`);
    }
  }
  deps.db.tx(() => {
    deps.db.apps.setGit(app.id, { promoteToAppId: next?.id ?? null });
    deps.db.events.add({ appId: app.id, subject: `app:${app.id}`, kind: 'app.pipeline', message: next ? `promotes to ${next.owner}/${next.name}` : 'promotes nowhere' });
  });
}

/**
 * Deploys the app's running release's image to its next stage. `mayDeploy` says whether the
 * caller may deploy to an owner's apps *now*: the link was made earlier, perhaps by someone
 * else, and a member of the first stage must not push code into a stage it cannot change.
 */
export async function promote(deps: Deps, app: AppRow, mayDeploy: (owner: string) => boolean): Promise<StartedDeploy> {
  if (app.promoteToAppId === null) throw Invalid(`${app.name} has no next stage`, { hint: `link one: berth pipeline ${app.name} <next-app>` });
  const next = deps.db.apps.get(app.promoteToAppId);
  if (!next) throw Invalid(`${app.name}'s next stage no longer exists`);
  if (!mayDeploy(next.owner)) throw Forbidden(`${appRef(app)} promotes to an app of owner ${next.owner}, and you may not deploy to that owner's apps`);
  const current = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  if (!current?.image || current.status !== 'running') throw Conflict(`${app.name} has no running release to promote`);
  const release = deps.db.releases.listForApp(app.id).find((r) => r.deploymentId === current.id);
  return startDeploy(deps, {
    appName: appRef(next),
    // The caller may deploy to both stages, and the image is the first stage's own.
    localSources: true,
    source: {
      kind: 'image',
      image: current.image,
      // What the source says about itself (processes, port, health check, manifest env) comes
      // along; the stage keeps its own domains, formation, capabilities and limits.
      spec: { ...specOfApp(next, current.processes), port: app.port, healthcheck: app.healthcheck, env: app.env },
      note: `promoted from ${app.name}${release ? ` v${release.version}` : ''}`,
    },
  });
}
