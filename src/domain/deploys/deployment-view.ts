// What users and the API see of deployments and builds, in one numbering: a release vN (per app)
// is what runs; a deployment #N is one attempt to put a release live; a build #N builds source.
import type { Db } from '../../infra/db/database.js';
import type { BuildRow, DeploymentRow } from '../../infra/db/rows.js';
import { NotFound } from '../../errors.js';
import type { Deps } from '../context.js';

/** A deployment with the release (vN) it put live, or null: it failed, is under way, or was restarted since. */
export type DeploymentView = DeploymentRow & { release: number | null };

/** A build with how the deploy it was made for ended: a build can succeed and its deploy fail. */
export type BuildView = BuildRow & { deploymentId: number | null; deployStatus: string | null; deployReason: string | null; release: number | null };

export function deploymentView(db: Db, d: DeploymentRow): DeploymentView {
  return { ...d, release: db.releases.byDeployment(d.id)?.version ?? null };
}

/** Deployment #id as users see it; NotFound when there is none. */
export function showDeployment(deps: Pick<Deps, 'db'>, id: number): DeploymentView {
  const d = deps.db.deployments.get(id);
  if (!d) throw NotFound(`deployment #${id} does not exist`);
  return deploymentView(deps.db, d);
}

/**
 * Whether a build row is a build of source (an upload, a git ref). Config changes, rollbacks,
 * restarts and `--image` deploys reuse an image: their rows exist for the deploy, not as builds.
 */
export const isSourceBuild = (b: Pick<BuildRow, 'sourceKind'>): boolean => b.sourceKind !== 'image';

/** The app's newest `limit` builds of source, each with its deploy's outcome. */
export function listSourceBuilds(db: Db, appId: number, limit = 50): BuildView[] {
  // Config changes, rollbacks and restarts add image rows between builds of source: read further
  // back until `limit` of source are found or the rows run out (a fixed window of 4 × limit
  // showed an app with many config changes as having no builds at all).
  let source: BuildRow[] = [];
  for (let window = limit * 4; ; window *= 4) {
    const rows = db.builds.listForApp(appId, window);
    source = rows.filter(isSourceBuild);
    if (source.length >= limit || rows.length < window) break;
  }
  return source
    .slice(0, limit)
    .map((b) => {
      const d = db.deployments.byBuild(b.id);
      return { ...b, deploymentId: d?.id ?? null, deployStatus: d?.status ?? null, deployReason: d?.reason ?? null, release: d ? (db.releases.byDeployment(d.id)?.version ?? null) : null };
    });
}
