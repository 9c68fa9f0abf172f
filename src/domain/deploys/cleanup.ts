// Removing what deploys leave behind: containers of replaced or failed deployments, and images
// beyond the number kept for rollbacks.
import type { AppRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';

/**
 * The image repository of an app's deploys on this Berth, `<prefix>/<owner>/<app>/<instance>`
 * (tags `d<deployment>`), e.g. berth/acme/shop/3f9a0c1b2d4e. The instance id keeps two Berths
 * on one Docker Engine apart even with the same prefix and app names: each prunes and
 * reconciles only its own repositories. A name, not a label: an image source is only tagged.
 */
export const imageRepo = (deps: Deps, app: Pick<AppRow, 'owner' | 'name'>): string => `${deps.config.containerPrefix}/${app.owner}/${app.name}/${deps.instanceId}`;

/** Docker's reference filter for every image repository of this Berth (see imageRepo). */
export const ownImagesPattern = (deps: Deps): string => `${deps.config.containerPrefix}/*/*/${deps.instanceId}`;

/**
 * The deployment a tag of this Berth's images belongs to (`<prefix>/<owner>/<app>/<instance>:d<N>`),
 * or null for any other name: another Berth's, a user's, a registry's. Pure.
 */
export function ownImageDeployment(ref: string, own: { prefix: string; instanceId: string }): number | null {
  const parts = ref.split('/');
  const m = /^([^:]+):d(\d+)$/.exec(parts[3] ?? '');
  if (parts.length !== 4 || parts[0] !== own.prefix || !parts[1] || !parts[2] || !m || m[1] !== own.instanceId) return null;
  return Number(m[2]);
}

/** Keeps the images of the newest `keepImages` deployments that have one; removes the rest. */
export async function pruneImages(deps: Deps, appId: number): Promise<void> {
  const app = deps.db.apps.get(appId);
  if (!app) return;
  const withImage = deps.db.deployments.listForApp(appId, 1000).filter((d) => d.image);
  for (const d of withImage.slice(deps.config.keepImages)) {
    if (d.id === app.currentDeploymentId) continue;
    await deps.images.removeImage(d.image!);
    deps.db.deployments.clearImage(d.id);
  }
}
