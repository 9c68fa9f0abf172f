// One deploy from start to end: fetch the source, build the image, start a container beside
// the running one, probe its health, switch the proxy in one atomic change, stop the old one.
// Any failure leaves the running release untouched and removes what this deploy created.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, Failed, messageOf } from '../../errors.js';
import type { DeploymentRow, ReleaseRow } from '../../infra/db/rows.js';
import { cloneRepo } from '../../infra/git/git.js';
import { resolveHealthCheck, type Manifest } from '../apps/manifest.js';
import { readConfig, sealSnapshot, storeConfig } from '../config-vars/config-service.js';
import { LABELS, type Deps } from '../context.js';
import { probe } from '../health/probe.js';
import { extractUpload, readManifest, requireDockerfile } from '../source/source.js';
import { syncRoutes } from '../routing/sync-routes.js';
import { imageRepo, pruneImages, removeContainers } from './cleanup.js';
import { logKey, uploadPath, type DeploySource } from './deploy-source.js';
import { transitionBuild, transitionDeployment } from './states.js';

export interface RunDeployParams {
  appId: number;
  buildId: number;
  deploymentId: number;
  source: DeploySource;
}

const DEFAULT_PORT = 8080;
const LOG_TAIL_ON_FAILURE = 15;

/** Runs the deploy; never throws: the outcome is the returned (final) deployment row. */
export async function runDeploy(deps: Deps, p: RunDeployParams): Promise<DeploymentRow> {
  const key = logKey(p.deploymentId);
  const log = (line: string) => deps.logs.append(key, line);
  const workDir = join(deps.config.dataDir, 'work', `deployment-${p.deploymentId}`);
  let image: string | undefined;
  let containerId: string | undefined;
  try {
    image = await buildPhase(deps, p, workDir, log);
    containerId = await releasePhase(deps, p, image, log);
  } catch (e) {
    const reason = e instanceof BerthError ? e.message : `internal error: ${messageOf(e)}`;
    if (!(e instanceof BerthError)) deps.logger.error({ err: e, deployment: p.deploymentId }, 'deploy crashed');
    log(` !     ${reason}`);
    await failDeploy(deps, p, reason, { image, containerId }).catch((err: unknown) => deps.logger.error({ err }, 'cleanup after a failed deploy failed'));
  } finally {
    await rm(workDir, { recursive: true, force: true });
    await rm(uploadPath(deps, p.buildId), { force: true });
    deps.logs.close(key);
  }
  return deps.db.deployments.get(p.deploymentId)!;
}

async function buildPhase(deps: Deps, p: RunDeployParams, workDir: string, log: (l: string) => void): Promise<string> {
  const app = deps.db.apps.get(p.appId)!;
  const tag = `d${p.deploymentId}`;
  const image = `${imageRepo(deps, app)}:${tag}`;
  transitionBuild(deps.db, p.buildId, 'fetching');

  if (p.source.kind === 'image') {
    const found = await deps.docker.image(p.source.image);
    if (!found) throw Failed(`image ${p.source.image} is not on this host`, { hint: 'build or pull it first, or push it to a registry the host can reach' });
    // Tag it as this app's own, so cleanup removes Berth's tag and never the user's image.
    await deps.docker.tagImage(p.source.image, imageRepo(deps, app), tag);
    log(`-----> using image ${p.source.image}`);
    transitionBuild(deps.db, p.buildId, 'succeeded', { image });
    return image;
  }

  const src = join(workDir, 'src');
  let sourceId: string;
  if (p.source.kind === 'upload') {
    log('-----> unpacking uploaded source');
    [sourceId] = await Promise.all([fileDigest(uploadPath(deps, p.buildId)), extractUpload(uploadPath(deps, p.buildId), src)]);
  } else {
    log(`-----> fetching ${p.source.url} at ${p.source.ref}`);
    sourceId = await cloneRepo({ url: p.source.url, ref: p.source.ref, dir: src });
    log(`       commit ${sourceId}`);
  }
  const manifest = readManifest(src);
  if (manifest) applyManifest(deps, p.appId, manifest, log);
  requireDockerfile(src);

  // Dockerfiles may name Berth's base images through these build arguments.
  const i = deps.config.images;
  const buildArgs = { BERTH_IMAGE_BASE: i.base, BERTH_IMAGE_NODE: i.node, BERTH_IMAGE_PYTHON: i.python, BERTH_IMAGE_GO: i.go, BERTH_IMAGE_STATIC: i.static };
  // Same source, same build arguments and same base images build the same image: reuse it.
  const baseIds = await Promise.all(Object.values(buildArgs).map(async (ref) => (await deps.docker.image(ref))?.id ?? 'none'));
  const digest = createHash('sha256').update([sourceId, JSON.stringify(buildArgs), ...baseIds].join('\0')).digest('hex');
  deps.db.builds.setDigest(p.buildId, digest);
  const reusable = deps.db.builds.reusableImage(p.appId, digest);
  if (reusable && (await deps.docker.image(reusable))) {
    await deps.docker.tagImage(reusable, imageRepo(deps, app), tag);
    log(`-----> source unchanged: reusing ${reusable}`);
    transitionBuild(deps.db, p.buildId, 'succeeded', { image });
    return image;
  }

  transitionBuild(deps.db, p.buildId, 'building');
  log(`-----> building ${image}`);
  try {
    await deps.docker.build({
      contextDir: src,
      tag: image,
      // No per-deployment label: it would change the last layers and defeat the build cache.
      labels: { [LABELS.instance]: deps.instanceId, [LABELS.app]: app.name, [LABELS.owner]: app.owner },
      buildArgs,
      onLog: (l) => log(`       ${l}`),
    });
  } catch (e) {
    // A failed build may still have tagged nothing; make sure of it.
    await deps.docker.removeImage(image).catch(() => undefined);
    throw e instanceof BerthError ? e : Failed(`build failed: ${messageOf(e)}`);
  }
  transitionBuild(deps.db, p.buildId, 'succeeded', { image });
  return image;
}

function applyManifest(deps: Deps, appId: number, m: Manifest, log: (l: string) => void): void {
  const app = deps.db.apps.get(appId)!;
  if (m.name && m.name !== app.name) log(`       note: berth.yml names app ${m.name}; deploying it as ${app.name}`);
  deps.db.apps.update(appId, {
    ...(m.port !== undefined ? { port: m.port } : {}),
    ...(m.healthcheck ? { healthcheck: m.healthcheck } : {}),
    env: { ...app.env, ...m.env },
    domains: m.domains,
  });
  log('       applied settings from the manifest');
}

async function releasePhase(deps: Deps, p: RunDeployParams, image: string, log: (l: string) => void): Promise<string> {
  const app = deps.db.apps.get(p.appId)!;
  // Config vars override the manifest's env; a config change or rollback brings its own set.
  const config = p.source.kind === 'image' && p.source.config ? p.source.config : readConfig(deps, app.id);
  const port = app.port ?? (await deps.docker.image(image))?.exposedPorts[0] ?? DEFAULT_PORT;
  transitionDeployment(deps.db, p.deploymentId, 'starting', { image, port });

  const name = `${deps.config.containerPrefix}-${app.owner}-${app.name}-d${p.deploymentId}-web-1`;
  log(`-----> starting ${name} (PORT=${port})`);
  const containerId = await deps.docker.run({
    name,
    image,
    env: { ...app.env, ...config, PORT: String(port) },
    labels: {
      [LABELS.instance]: deps.instanceId,
      [LABELS.app]: app.name,
      [LABELS.owner]: app.owner,
      [LABELS.deployment]: String(p.deploymentId),
      [LABELS.process]: 'web',
    },
    network: deps.config.network,
    memoryMb: deps.config.defaultMemoryMb,
    cpus: deps.config.defaultCpus,
    pidsLimit: 512,
  });
  // Recorded before probing, so a restart mid-probe knows what to remove.
  deps.db.deployments.update(p.deploymentId, 'starting', { containers: [containerId] });

  const hc = resolveHealthCheck(app.healthcheck);
  log(`-----> health check: GET ${hc.path} on port ${port} (${hc.attempts} attempts, every ${hc.intervalMs} ms)`);
  const result = await probe(
    {
      port,
      host: `${app.name}.${deps.config.domain}`,
      address: containerAddress(deps, containerId),
    },
    hc,
    (msg) => log(`       ${msg}`),
  );
  if (!result.ok) {
    const tail = await deps.docker.tailLogs(containerId, LOG_TAIL_ON_FAILURE);
    if (tail.length > 0) {
      log('       last lines of the app output:');
      for (const l of tail) log(`       | ${l}`);
    }
    const why = result.fatal ? result.error : `the app never became healthy after ${result.attempts} attempts; last error: ${result.error}`;
    throw Failed(`health check failed: ${why}`);
  }
  log(`       healthy after ${result.attempts} attempt(s)`);

  // Switch: route to the new container first (atomic in Caddy), then record it, then stop the old.
  const c = await deps.docker.inspect(containerId);
  await syncRoutes(deps, { appId: app.id, upstreams: [`${c!.ip}:${port}`] });
  const previous = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  let release: ReleaseRow | undefined;
  transitionDeployment(deps.db, p.deploymentId, 'running', {}, () => {
    deps.db.apps.setCurrentDeployment(app.id, p.deploymentId);
    if (previous && previous.status === 'running') transitionDeployment(deps.db, previous.id, 'stopped', { reason: `replaced by deployment #${p.deploymentId}` });
    storeConfig(deps, app.id, config);
    release = deps.db.releases.insert({ appId: app.id, deploymentId: p.deploymentId, image, config: sealSnapshot(deps, config), description: describeSource(p) });
    deps.db.events.add({ appId: app.id, subject: `release:${release.id}`, kind: 'release.created', message: `v${release.version}: ${release.description}` });
  });
  log(`-----> release v${release!.version} is live (deployment #${p.deploymentId})`);
  // The user's wait ends here; the old release drains and stops while the job still holds the app.
  deps.logs.close(logKey(p.deploymentId));
  // The old release drains in the background (no new requests reach it; in-flight ones get
  // drainSeconds, then SIGTERM): the app's next deploy need not wait for it.
  const old = previous && previous.status === 'running' ? previous.containers : [];
  const drain = old.length > 0 ? new Promise((r) => setTimeout(r, deps.config.drainSeconds * 1000)) : Promise.resolve();
  deps.jobs.background(
    drain
      .then(() => removeContainers(deps, old))
      .then(() => pruneImages(deps, app.id))
      .catch((e: unknown) => deps.logger.warn({ err: e, app: app.name }, 'stopping the previous release failed')),
  );
  return containerId;
}

async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A release's one-line description of where it came from. */
function describeSource(p: RunDeployParams): string {
  const s = p.source;
  if (s.kind === 'image') return s.note ?? `deploy of image ${s.image}`;
  if (s.kind === 'git') return `deploy of ${s.url} at ${s.ref}`;
  return `deploy of uploaded source (build #${p.buildId})`;
}

/**
 * Where to probe the container, or why it cannot be probed. Docker is asked at most every
 * 150 ms: the probe polls faster than that while the app starts.
 */
function containerAddress(deps: Deps, containerId: string): () => Promise<{ ip: string } | { gone: string }> {
  let last: { at: number; answer: { ip: string } | { gone: string } } | undefined;
  return async () => {
    if (last && 'ip' in last.answer && Date.now() - last.at < 150) return last.answer;
    const c = await deps.docker.inspect(containerId);
    let answer: { ip: string } | { gone: string };
    if (!c) answer = { gone: 'the container was removed' };
    else if (c.state === 'exited' || c.state === 'dead' || c.state === 'restarting' || c.restartCount > 0) {
      answer = { gone: `the app exited with code ${c.exitCode}${c.error ? ` (${c.error})` : ''} right after starting` };
    } else if (!c.ip) answer = { gone: 'the container has no address on the Berth network' };
    else answer = { ip: c.ip };
    last = { at: Date.now(), answer };
    return answer;
  };
}

async function failDeploy(deps: Deps, p: RunDeployParams, reason: string, made: { image: string | undefined; containerId: string | undefined }): Promise<void> {
  const dep = deps.db.deployments.get(p.deploymentId);
  const build = deps.db.builds.get(p.buildId);
  // A release that failed never served traffic: no need to let it drain.
  if (made.containerId) await removeContainers(deps, [made.containerId], 1);
  else if (dep) await removeContainers(deps, dep.containers, 1);
  const builtImage = made.image ?? build?.image ?? undefined;
  if (builtImage) await deps.docker.removeImage(builtImage).catch(() => undefined);
  deps.db.tx(() => {
    const b = deps.db.builds.get(p.buildId);
    if (b && b.status !== 'succeeded' && b.status !== 'failed') transitionBuild(deps.db, p.buildId, 'failed', { error: reason });
    const d = deps.db.deployments.get(p.deploymentId);
    if (d && d.status !== 'failed' && d.status !== 'stopped') transitionDeployment(deps.db, p.deploymentId, 'failed', { reason, containers: [] });
    deps.db.deployments.clearImage(p.deploymentId);
  });
}
