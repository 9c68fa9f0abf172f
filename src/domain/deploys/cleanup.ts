// Removing what deploys leave behind: containers of replaced or failed deployments, and images
// beyond the number kept for rollbacks.
import type { AppRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';

/** The image repository of an app's builds, e.g. berth/acme/shop. */
export const imageRepo = (deps: Deps, app: Pick<AppRow, 'owner' | 'name'>): string => `${deps.config.containerPrefix}/${app.owner}/${app.name}`;

/** Stops and removes containers; `stopTimeoutSec` is how long each gets to exit on SIGTERM. */
export async function removeContainers(deps: Deps, ids: string[], stopTimeoutSec = 10): Promise<void> {
  await Promise.all(ids.map((id) => deps.docker.remove(id, stopTimeoutSec)));
}

/** Keeps the images of the newest `keepImages` deployments that have one; removes the rest. */
export async function pruneImages(deps: Deps, appId: number): Promise<void> {
  const app = deps.db.apps.get(appId);
  if (!app) return;
  const withImage = deps.db.deployments.listForApp(appId, 1000).filter((d) => d.image);
  for (const d of withImage.slice(deps.config.keepImages)) {
    if (d.id === app.currentDeploymentId) continue;
    await deps.docker.removeImage(d.image!);
    deps.db.deployments.clearImage(d.id);
  }
}
