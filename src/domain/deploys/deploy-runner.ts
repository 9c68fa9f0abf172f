// One deploy from start to end: build (build-phase.ts), run the release command, start the
// new release's containers beside the running ones, check them, switch the proxy in one atomic
// change, record release vN, and let the old release drain and stop in the background.
// Any failure leaves the running release untouched and removes what this deploy created.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, messageOf } from '../../errors.js';
import type { DeploymentRow, ReleaseRow } from '../../infra/db/rows.js';
import { redactUrl } from '../../infra/git/git.js';
import { resolveHealthCheck } from '../apps/manifest.js';
import { readConfig, sealSnapshot, storeConfig } from '../config-vars/config-service.js';
import type { Deps } from '../context.js';
import { checkInstances, planInstances, removeContainers, type ProcessContext, runOnce, type StartedProcess, startInstance } from '../processes/process-containers.js';
import { syncRoutes } from '../routing/sync-routes.js';
import { appWithSpec, specChanges } from '../apps/release-spec.js';
import { processTypes, quantityOf } from '../apps/procfile.js';
import { buildPhase, type Built } from './build-phase.js';
import { pruneImages } from './cleanup.js';
import { uploadPath, type DeploySource } from './deploy-source.js';
import { logKey } from '../log-keys.js';
import { transitionBuild, transitionDeployment } from './states.js';
import { pauseForTests } from './test-pause.js';
import { runStartupChecks } from '../health/startup-checks.js';

export interface RunDeployParams {
  appId: number;
  buildId: number;
  deploymentId: number;
  source: DeploySource;
}

const DEFAULT_PORT = 8080;

/** Runs the deploy; never throws: the outcome is the returned (final) deployment row. */
export async function runDeploy(deps: Deps, p: RunDeployParams): Promise<DeploymentRow> {
  const key = logKey(p.deploymentId);
  const log = (line: string) => deps.logs.append(key, line);
  const workDir = join(deps.config.dataDir, 'work', `deployment-${p.deploymentId}`);
  const made: { image?: string; containers: string[]; switched?: boolean } = { containers: [] };
  try {
    const built = await buildPhase(deps, p, workDir, log);
    await pauseForTests('built', log);
    made.image = built.image;
    await releasePhase(deps, p, built, made, log);
  } catch (e) {
    const reason = e instanceof BerthError ? e.message : `internal error: ${messageOf(e)}`;
    if (!(e instanceof BerthError)) deps.logger.error({ err: e, deployment: p.deploymentId }, 'deploy crashed');
    log(` !     ${reason}`);
    await failDeploy(deps, p, reason, made).catch((err: unknown) => deps.logger.error({ err }, 'cleanup after a failed deploy failed'));
  } finally {
    // The log ends whatever the clean-up meets: a follower (the CLI) waits for that end.
    deps.logs.close(key);
    await rm(workDir, { recursive: true, force: true, maxRetries: 3 }).catch((e: unknown) => deps.logger.warn({ err: e, workDir }, 'could not remove a build folder'));
    await rm(uploadPath(deps, p.buildId), { force: true }).catch((e: unknown) => deps.logger.warn({ err: e }, 'could not remove an upload'));
  }
  return deps.db.deployments.get(p.deploymentId)!;
}

async function releasePhase(
  deps: Deps,
  p: RunDeployParams,
  built: Built,
  made: { containers: string[]; switched?: boolean },
  log: (l: string) => void,
): Promise<void> {
  const { image, spec } = built;
  const { processes } = spec;
  // The app as this release runs it; the row itself changes only in the switch's transaction.
  const app = appWithSpec(deps.db.apps.get(p.appId)!, spec);
  // Config vars override the manifest's env; a config change or rollback brings its own set.
  const config = p.source.kind === 'image' && p.source.config ? p.source.config : readConfig(deps, app.id);
  const port = spec.port ?? (await deps.images.image(image))?.exposedPorts[0] ?? DEFAULT_PORT;
  transitionDeployment(deps.db, p.deploymentId, 'starting', { image, port, processes, spec });
  const ctx: ProcessContext = { app, deploymentId: p.deploymentId, image, port, env: { ...spec.env, ...config }, processes };

  // Dokku's scripts.dokku.predeploy, then the release command (Procfile release:, app.json
  // scripts.predeploy): each once, in a new container of this image, before anything starts.
  // Unlike Dokku, what predeploy writes is not committed to the image (Berth's images are built once).
  if (built.dokku?.predeploy) await runOnce(deps, ctx, 'predeploy', built.dokku.predeploy, log);
  if (processes.release) await runOnce(deps, ctx, 'release', processes.release, log);
  await pauseForTests('release', log);

  const instances = planInstances(processes, app.formation);
  if (instances.length > 0) log(`-----> starting ${instances.map((i) => `${i.type}.${i.index}`).join(', ')} (PORT=${port})`);
  else log('-----> every process type is scaled to 0: nothing to start');
  const idle = processTypes(processes).filter((t) => quantityOf(t, app.formation) === 0);
  if (idle.length > 0) log(`-----> not running (quantity 0): ${idle.join(', ')}; start one with: berth scale ${app.name} ${idle[0]}=1`);
  const started: StartedProcess[] = [];
  for (const inst of instances) {
    const s = await startInstance(deps, ctx, inst);
    started.push(s);
    made.containers.push(s.id);
    // Recorded as they start, so a restart mid-deploy knows what to remove.
    deps.db.deployments.update(p.deploymentId, 'starting', { containers: [...made.containers] });
    await pauseForTests('start', log);
  }
  await checkInstances(deps, ctx, started, resolveHealthCheck(app.healthcheck), log);
  // app.json's startup checks (content, port, every process type), after Berth's own waited for the app to answer.
  await runStartupChecks(deps, { appName: app.name, port, containers: started, checks: app.healthcheck.checks ?? [] }, log);
  await pauseForTests('check', log);

  // Switch: route to the new web containers first (atomic in Caddy), then record it all, then
  // drain the old. The pin is in the database: a sync meanwhile (a container event, a restart of
  // Berth) routes by it, never back to the release being replaced.
  deps.db.apps.setRouting(app.id, p.deploymentId);
  made.switched = true;
  await syncRoutes(deps);
  await pauseForTests('switch', log);
  const previous = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  const previousRelease = previous ? deps.db.releases.byDeployment(previous.id) : undefined;
  let release: ReleaseRow | undefined;
  transitionDeployment(deps.db, p.deploymentId, 'running', {}, () => {
    // The release's spec becomes the app's: port, health check, env, domains, capabilities, limits, formation.
    const { processes: _, formation, ...settings } = spec;
    deps.db.apps.update(app.id, settings);
    deps.db.apps.setFormation(app.id, formation);
    deps.db.apps.setCurrentDeployment(app.id, p.deploymentId);
    deps.db.apps.setRouting(app.id, null);
    if (previous && previous.status === 'running') transitionDeployment(deps.db, previous.id, 'stopped', { reason: `replaced by deployment #${p.deploymentId}` });
    storeConfig(deps, app.id, config);
    const restartOf = p.source.kind === 'image' ? p.source.restartOf : undefined;
    if (restartOf !== undefined) {
      deps.db.releases.moveToDeployment(restartOf, p.deploymentId);
      release = deps.db.releases.listForApp(app.id).find((r) => r.id === restartOf);
    }
    if (!release) {
      release = deps.db.releases.insert({ appId: app.id, deploymentId: p.deploymentId, image, config: sealSnapshot(deps, config), description: describeSource(p), spec });
      const changes = specChanges(previousRelease?.spec, spec);
      deps.db.events.add({ appId: app.id, subject: `release:${release.id}`, kind: 'release.created', message: `v${release.version}: ${release.description}${changes.length > 0 ? ` (${changes.join(', ')})` : ''}` });
    }
  });
  // The database now says what the proxy does: later syncs need no pin.
  await pauseForTests('commit', log);
  log(`-----> release v${release!.version} is live (deploy #${p.deploymentId})`);
  // Heroku's scripts.postdeploy runs once, after the app's first release; Dokku's
  // scripts.dokku.postdeploy after every deploy's switch. The release is live either way.
  const after = [...(built.postdeploy && release!.version === 1 ? [built.postdeploy] : []), ...(built.dokku?.postdeploy ? [built.dokku.postdeploy] : [])];
  for (const command of after) {
    await runOnce(deps, ctx, 'postdeploy', command, log).catch((e: unknown) => {
      log(` !     ${messageOf(e)} (release v${release!.version} is live)`);
      deps.db.events.add({ appId: app.id, subject: `deployment:${p.deploymentId}`, kind: 'deploy.postdeploy-failed', message: `postdeploy of v${release!.version} failed: ${messageOf(e)}` });
    });
  }
  // The user's wait ends here; the old release drains and stops while the job still holds the app.
  deps.logs.close(logKey(p.deploymentId));
  // The old release drains in the background (no new requests reach it; in-flight ones get
  // drainSeconds, then SIGTERM): the app's next deploy need not wait for it.
  const old = previous && previous.status === 'running' ? previous.containers : [];
  const drain = old.length > 0 ? new Promise((r) => setTimeout(r, deps.config.drainSeconds * 1000)) : Promise.resolve();
  deps.jobs.background(
    drain
      .then(() => pauseForTests('drain', () => undefined))
      .then(() => removeContainers(deps, old))
      .then(() => pruneImages(deps, app.id))
      .catch((e: unknown) => deps.logger.warn({ err: e, app: app.name }, 'stopping the previous release failed')),
  );
}

/** A release's one-line description of where it came from. */
function describeSource(p: RunDeployParams): string {
  const s = p.source;
  if (s.kind === 'image') return s.note ?? `deploy of image ${s.image}`;
  if (s.kind === 'git') return `deploy of ${redactUrl(s.url)} at ${s.ref}`;
  return `deploy of uploaded source (build #${p.buildId})`;
}

async function failDeploy(deps: Deps, p: RunDeployParams, reason: string, made: { image?: string; containers: string[]; switched?: boolean }): Promise<void> {
  const dep = deps.db.deployments.get(p.deploymentId);
  // If the proxy was already pointed at this release, point it back before its containers go.
  const pinned = deps.db.apps.get(p.appId)?.routingDeploymentId === p.deploymentId;
  if (pinned) deps.db.apps.setRouting(p.appId, null);
  if (pinned || made.switched) await syncRoutes(deps).catch((e: unknown) => deps.logger.error({ err: e, deployment: p.deploymentId }, 'could not route back to the current release after a failed deploy'));
  const build = deps.db.builds.get(p.buildId);
  // A release that failed never served traffic: no need to let it drain.
  await removeContainers(deps, [...new Set([...made.containers, ...(dep?.containers ?? [])])], 1);
  const builtImage = made.image ?? build?.image ?? undefined;
  if (builtImage) await deps.images.removeImage(builtImage).catch(() => undefined);
  deps.db.tx(() => {
    const b = deps.db.builds.get(p.buildId);
    if (b && b.status !== 'succeeded' && b.status !== 'failed') transitionBuild(deps.db, p.buildId, 'failed', { error: reason });
    const d = deps.db.deployments.get(p.deploymentId);
    if (d && d.status !== 'failed' && d.status !== 'stopped') transitionDeployment(deps.db, p.deploymentId, 'failed', { reason, containers: [] });
    deps.db.deployments.clearImage(p.deploymentId);
  });
}
