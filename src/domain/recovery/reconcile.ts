// Makes Docker and Caddy agree with the database, idempotently. Runs at start-up (after a
// crash or kill -9 too): interrupted work is marked failed, orphans are removed, the current
// release of every app is running, and the routes are re-applied (before anything is removed).
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../../errors.js';
import { LABELS, type Deps } from '../context.js';
import { ownImageDeployment, ownImagesPattern } from '../deploys/cleanup.js';
import { logKey } from '../log-keys.js';
import { transitionBuild, transitionDeployment } from '../deploys/states.js';
import { syncRoutes } from '../routing/sync-routes.js';
import { ensureOwnerNetwork } from '../processes/process-containers.js';
import { orphanVolumes } from '../processes/app-volumes.js';
import { ensureAddonsRunning, isAddonContainer } from '../addons/addon-service.js';

export interface ReconcileReport {
  interrupted: number;
  removedContainers: number;
  restartedContainers: number;
  removedImages: number;
  lostReleases: number;
}

const INTERRUPTED = 'interrupted: the Berth server stopped during this deploy';

export async function reconcile(deps: Deps): Promise<ReconcileReport> {
  const report: ReconcileReport = { interrupted: 0, removedContainers: 0, restartedContainers: 0, removedImages: 0, lostReleases: 0 };
  await deps.scheduler.ping();
  for (const owner of new Set(deps.db.apps.list().map((a) => a.owner))) await ensureOwnerNetwork(deps, owner);

  // 1. Work that a restart interrupted can never finish: mark it failed, and remove the step
  // images its build left untagged.
  for (const b of deps.db.builds.unfinished()) {
    if (deps.jobs.busy(`app-${b.appId}`)) continue;
    transitionBuild(deps.db, b.id, 'failed', { error: INTERRUPTED });
    report.removedImages += await removeStepImages(deps, b.stepImages, b.createdAt);
  }
  for (const d of deps.db.deployments.unfinished()) {
    if (deps.jobs.busy(`app-${d.appId}`)) continue;
    // Its image never served: forgetting it here lets step 6 remove it as an orphan.
    transitionDeployment(deps.db, d.id, 'failed', { reason: INTERRUPTED }, () => {
      deps.db.deployments.clearImage(d.id);
      // A switch the restart cut short: the app is routed by its current release again (step 4).
      if (deps.db.apps.get(d.appId)?.routingDeploymentId === d.id) deps.db.apps.setRouting(d.appId, null);
    });
    deps.logs.append(logKey(d.id), ` !     ${INTERRUPTED}`);
    report.interrupted++;
  }

  // 2. The current release of every app: its containers are the ones to keep.
  const wanted = new Map<string, number>(); // container id -> deployment id
  const currentDeployments = deps.db.apps
    .list()
    .map((a) => (a.currentDeploymentId !== null ? deps.db.deployments.get(a.currentDeploymentId) : undefined))
    .filter((d) => d !== undefined && d.status === 'running');
  for (const d of currentDeployments) for (const id of d!.containers) wanted.set(id, d!.id);

  // 3. The current release of every app runs: start stopped containers, recreate missing ones.
  for (const d of currentDeployments) {
    const dep = d!;
    const infos = await Promise.all(dep.containers.map((id) => deps.scheduler.inspect(id)));
    if (infos.every((i) => i === null)) {
      // Its containers are gone (removed by hand, or the engine's state was lost).
      const app = deps.db.apps.get(dep.appId)!;
      deps.db.tx(() => {
        transitionDeployment(deps.db, dep.id, 'failed', { reason: 'its containers disappeared while Berth was not running; deploy again', containers: [] });
        deps.db.apps.setCurrentDeployment(app.id, null);
      });
      report.lostReleases++;
      continue;
    }
    for (const info of infos) {
      if (info && info.state !== 'running' && info.state !== 'restarting') {
        await deps.scheduler.start(info.id).catch((e: unknown) => deps.logger.warn({ err: messageOf(e), container: info.name }, 'could not restart container'));
        report.restartedContainers++;
      }
    }
  }

  // 4. Routes from the database, before any container goes: after a crash between a deploy's
  // proxy switch and its commit, the proxy still points at the new (now interrupted) release,
  // whose containers step 5 removes. Routed back to the current release first, no request
  // meets a removed container.
  await syncRoutes(deps);

  // 5. Containers that are not the current release of an app (nor of a deploy under way, nor an
  // add-on's: those run, started or created again on their volume, whatever the apps do) go.
  await ensureAddonsRunning(deps);
  const busyDeployments = new Set(deps.db.deployments.unfinished().map((d) => d.id));
  for (const c of await deps.scheduler.listContainers({ [LABELS.instance]: deps.instanceId })) {
    if (wanted.has(c.id) || busyDeployments.has(Number(c.labels[LABELS.deployment])) || isAddonContainer(deps, c.labels)) continue;
    await deps.scheduler.remove(c.id, 5);
    report.removedContainers++;
  }

  // 6. Images of this Berth that no deployment records any more (interrupted builds, destroyed
  // apps): only its own repositories (cleanup.ts imageRepo), so another Berth's images on the
  // same engine, and the user's or a registry's tags on the same image, are never removed.
  const known = new Set(deps.db.deployments.images());
  const own = { prefix: deps.config.containerPrefix, instanceId: deps.instanceId };
  for (const img of await deps.images.listImages(ownImagesPattern(deps))) {
    // Its own tags no deployment records and no deploy under way owns. An image that also has
    // a recorded tag (an interrupted config change or restart re-tagged the current image)
    // keeps that one and loses only the orphan.
    const orphans = img.tags.filter((t) => {
      const id = ownImageDeployment(t, own);
      return id !== null && !busyDeployments.has(id) && !known.has(t);
    });
    if (orphans.length > 0 && (await removeImageTags(deps, orphans))) report.removedImages++;
  }

  // 7. Left-over scratch space of interrupted deploys.
  if (busyDeployments.size === 0) {
    for (const sub of ['work', 'uploads']) {
      const dir = join(deps.config.dataDir, sub);
      for (const entry of await readdir(dir).catch(() => [] as string[])) await rm(join(dir, entry), { recursive: true, force: true });
    }
  }

  // 8. Volumes are never removed here, not even those of apps that are gone (destroyed without
  // --volumes): they hold data. Those are named in the log, one line per reconcile.
  const orphans = await orphanVolumes(deps).catch((e: unknown) => {
    deps.logger.warn({ err: messageOf(e) }, 'could not list volumes');
    return [];
  });
  if (orphans.length > 0) {
    deps.logger.info(
      { volumes: orphans.map((v) => v.volume) },
      `kept ${orphans.length} volume(s) of apps that no longer exist: ${orphans.map((v) => `${v.owner}/${v.app}:${v.name}`).join(', ')} (re-creating the app mounts them again; berth destroy APP --volumes removes them)`,
    );
  }

  return report;
}

/**
 * Removes the tags (an image goes with its last one); true only when every one went. A failure
 * is logged, not thrown: the next reconcile tries again.
 */
async function removeImageTags(deps: Pick<Deps, 'images' | 'logger'>, tags: string[]): Promise<boolean> {
  let all = tags.length > 0;
  for (const tag of tags) {
    try {
      await deps.images.removeImage(tag);
    } catch (e) {
      deps.logger.warn({ err: messageOf(e), image: tag }, 'could not remove an orphan image');
      all = false;
    }
  }
  return all;
}

/**
 * Removes the step images an interrupted build made, newest first. The ids come from the
 * build's output, which the build's own commands could imitate, so only images that are
 * untagged and were made after the build began are touched, and never by force: Docker keeps
 * an image that is in use or has children.
 */
async function removeStepImages(deps: Deps, logged: string[], since: string): Promise<number> {
  let removed = 0;
  // The builder may have committed a step after the last one the log named (the server was
  // killed while reading it): those descend from a named one.
  const later = logged.length > 0 ? await deps.images.untaggedDescendants(logged) : [];
  for (const id of [...later, ...[...logged].reverse()]) {
    const info = await deps.images.image(id).catch(() => null);
    if (!info || info.tags.length > 0 || !info.createdAt || Date.parse(info.createdAt) < Date.parse(since) - 2000) continue;
    try {
      await deps.images.removeImage(info.id);
      removed++;
    } catch {
      // In use or a parent of another image: not this build's to take.
    }
  }
  return removed;
}
