// Apps as users see them: create, list, show (with live status and URLs), destroy.
import { BerthError, Conflict, NotFound } from '../../errors.js';
import type { AppRow, DeploymentRow, EventRow } from '../../infra/db/rows.js';
import { LABELS, type Deps } from '../context.js';
import { exitedOutputKey, logKey } from '../log-keys.js';
import { imageRepo } from '../deploys/cleanup.js';
import { removeAppRepo } from '../repos/app-repos.js';
import { isCrashLooping } from '../processes/crash-loop.js';
import { syncRoutes } from '../routing/sync-routes.js';
import { resolveHealthCheck, type HealthCheck } from '../apps/manifest.js';
import { DEFAULT_OWNER, validateAppName, validateOwnerName } from '../apps/names.js';
import { appUrls } from '../apps/urls.js';
import { deploymentView, listSourceBuilds } from '../deploys/deployment-view.js';
import { removeContainers } from '../processes/process-containers.js';
import { listAppVolumes, removeAppVolumes } from '../processes/app-volumes.js';
import { effectiveLimits, getApp, insertApp, parseAppRef } from '../apps/app-ref.js';

export interface AppView {
  name: string;
  owner: string;
  status: AppStatus;
  urls: string[];
  port: number | null;
  healthcheck: HealthCheck;
  /** Per container, the server's defaults filled in. */
  limits: { memoryMb: number; cpus: number };
  domains: string[];
  currentDeployment: DeploymentRow | null;
  latestDeployment: DeploymentRow | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreateAppParams {
  name: string;
  owner?: string | undefined;
  port?: number | undefined;
}

export function createApp(deps: Deps, p: CreateAppParams): AppRow {
  const name = validateAppName(p.name);
  const owner = validateOwnerName(p.owner ?? DEFAULT_OWNER);
  return deps.db.tx(() => {
    if (deps.db.apps.find(owner, name)) throw Conflict(`app ${owner}/${name} already exists`);
    return insertApp(deps, { name, owner, port: p.port });
  });
}

/**
 * What an app is doing. `running` only while something of its current release runs (a web
 * container when it has web processes); `crashed` when its containers are down; `stopped` when
 * nothing runs on purpose (scaled to web=0, or no release); `unknown` when Docker cannot be asked.
 */
export type AppStatus = 'new' | 'deploying' | 'running' | 'crashed' | 'failed' | 'stopped' | 'unknown';

/** A container as Docker reports it now: its state (running, exited, restarting, ...) and process type. */
export interface LiveContainer {
  state: string;
  process: string;
  /** Restarted again and again of late (see isCrashLooping): up now, but only between crashes. */
  looping?: boolean;
}

/** Up, and not merely between two crashes of a crash loop. */
const isUp = (c: LiveContainer | undefined): boolean => c?.state === 'running' && c.looping !== true;

export interface StatusFacts {
  current: Pick<DeploymentRow, 'status' | 'containers' | 'processes'> | null;
  latest: Pick<DeploymentRow, 'status'> | null;
  formation: Record<string, number>;
  /** The containers Docker has now, by id; null when Docker could not be asked. */
  live: ReadonlyMap<string, LiveContainer> | null;
}

/**
 * The one derivation of an app's status, for `berth apps`, `berth status` and the dashboard
 * alike: from the database, then from what Docker says of the current release's containers.
 */
export function deriveStatus(f: StatusFacts): AppStatus {
  const { current, latest } = f;
  if (latest && (latest.status === 'pending' || latest.status === 'starting')) return 'deploying';
  if (!current || current.status !== 'running') {
    if (latest?.status === 'failed') return 'failed';
    return latest ? 'stopped' : 'new';
  }
  if (!f.live) return 'unknown';
  const mine = current.containers.map((id) => f.live!.get(id));
  // A container Docker no longer has counts as a web process that is down: nothing serves from it.
  const web = mine.filter((c) => c === undefined || c.process === 'web');
  if (web.length > 0) return web.some(isUp) ? 'running' : 'crashed';
  // No web container: scaled to web=0 on purpose (or nothing at all left) is stopped, not crashed.
  if (mine.length === 0 || (current.processes.web !== undefined && f.formation.web === 0)) return 'stopped';
  // A release without web processes (workers only) runs while one of them does.
  return mine.some(isUp) ? 'running' : 'crashed';
}

const liveOf = (i: { state: string; labels: Record<string, string> }): LiveContainer => ({ state: i.state, process: i.labels[LABELS.process] ?? 'web' });

/** The current release's containers as Docker has them, each marked when it is crash-looping. */
function liveOfCurrent(deps: Deps, containers: string[], live: ReadonlyMap<string, LiveContainer> | null): ReadonlyMap<string, LiveContainer> | null {
  if (!live) return null;
  return new Map(containers.flatMap((id) => {
    const c = live.get(id);
    return c ? [[id, { ...c, looping: c.state === 'running' && isCrashLooping(deps, id) }] as const] : [];
  }));
}

/** The app as its rows say, with the status `live` (see deriveStatus) gives. */
function viewOf(deps: Deps, app: AppRow, live: ReadonlyMap<string, LiveContainer> | null): AppView {
  const current = app.currentDeploymentId !== null ? (deps.db.deployments.get(app.currentDeploymentId) ?? null) : null;
  const latest = deps.db.deployments.latestForApp(app.id) ?? null;
  return {
    name: app.name,
    owner: app.owner,
    status: deriveStatus({ current, latest, formation: app.formation, live: current ? liveOfCurrent(deps, current.containers, live) : live }),
    urls: appUrls(app, deps.config),
    port: current?.port ?? app.port,
    healthcheck: resolveHealthCheck(app.healthcheck),
    limits: effectiveLimits(deps, app),
    domains: app.domains,
    // With the release (vN) each put live: what users name what runs by.
    currentDeployment: current && deploymentView(deps.db, current),
    latestDeployment: latest && deploymentView(deps.db, latest),
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}

/**
 * The apps with their status: one question to Docker for all of them (the state of every
 * container of this Berth, asked only when some app has a running release), however many apps.
 */
export async function viewApps(deps: Deps, apps: AppRow[]): Promise<AppView[]> {
  const needsDocker = apps.some((a) => a.currentDeploymentId !== null);
  let live: Map<string, LiveContainer> | null = new Map();
  if (needsDocker) {
    try {
      const states = await deps.scheduler.containerStates({ [LABELS.instance]: deps.instanceId });
      live = new Map([...states].map(([id, c]) => [id, liveOf(c)]));
    } catch (e) {
      deps.logger.warn({ err: e }, 'cannot ask Docker for container states');
      live = null;
    }
  }
  return apps.map((a) => viewOf(deps, a, live));
}

/** One app with its status (see viewApps). */
export async function viewApp(deps: Deps, app: AppRow): Promise<AppView> {
  return (await viewApps(deps, [app]))[0]!;
}

export interface ContainerView {
  id: string;
  name: string;
  state: string;
  restartCount: number;
  startedAt: string;
}

/** The app with its containers' live state, the status derived as for every view (deriveStatus). */
export async function appStatus(deps: Deps, app: AppRow): Promise<AppView & { containers: ContainerView[] }> {
  const ids = app.currentDeploymentId !== null ? (deps.db.deployments.get(app.currentDeploymentId)?.containers ?? []) : [];
  const infos = (await Promise.all(ids.map((id) => deps.scheduler.inspect(id)))).filter((i) => i !== null);
  const view = viewOf(deps, app, new Map(infos.map((i) => [i.id, liveOf(i)])));
  const containers = infos.map((i) => ({ id: i.id.slice(0, 12), name: i.name, state: i.state, restartCount: i.restartCount, startedAt: i.startedAt }));
  return { ...view, containers };
}

/** What happened to an app's named volumes when it was destroyed (their berth.yml names). */
export interface DestroyedVolumes {
  /** Still there: an app created again with the same owner and name mounts them again. */
  kept: string[];
  removed: string[];
}

/**
 * Removes the app and everything of it: rows first (so a crash midway leaves only things
 * reconcile() removes as orphans), then routes, containers, images and logs. Its named volumes
 * hold data: they are kept unless `volumes` says to remove them too.
 */
export async function destroyApp(deps: Deps, name: string, opts: { volumes?: boolean } = {}): Promise<DestroyedVolumes> {
  let app: AppRow;
  try {
    app = getApp(deps, name);
  } catch (e) {
    // An app destroyed before without --volumes left only its volumes: `--volumes` removes them now.
    if (!opts.volumes || !(e instanceof BerthError) || e.code !== 'not_found') throw e;
    return { kept: [], removed: await removeLeftVolumes(deps, name) };
  }
  const result: DestroyedVolumes = { kept: [], removed: [] };
  await deps.jobs.run(`app-${app.id}`, async () => {
    const deployments = deps.db.deployments.listForApp(app.id, 100_000);
    deps.db.tx(() => deps.db.apps.delete(app.id));
    await syncRoutes(deps);
    const containers = await deps.scheduler.listContainers({ [LABELS.instance]: deps.instanceId, [LABELS.owner]: app.owner, [LABELS.app]: app.name });
    await removeContainers(deps, containers.map((c) => c.id));
    const images = new Set(deployments.map((d) => d.image).filter((i): i is string => i !== null));
    for (const img of await deps.images.listImages(imageRepo(deps, app))) {
      // Only this app's own tags: the same image may carry a user's, a registry's or another Berth's.
      for (const t of img.tags) if (t.startsWith(`${imageRepo(deps, app)}:`)) images.add(t);
      if (img.tags.length === 0) images.add(img.id);
    }
    for (const img of images) await deps.images.removeImage(img).catch((e: unknown) => deps.logger.warn({ err: e, img }, 'could not remove image'));
    for (const d of deployments) {
      deps.logs.remove(logKey(d.id));
      deps.logs.remove(exitedOutputKey(d.id));
    }
    await removeAppRepo(deps, app);
    // After the containers: a volume still mounted cannot be removed.
    if (opts.volumes) result.removed = await removeAppVolumes(deps, app.owner, app.name);
    else result.kept = (await listAppVolumes(deps, app.owner, app.name)).map((v) => v.name);
  }, { owner: app.owner });
  return result;
}

/** The volumes of an app destroyed without --volumes, removed with their data; NotFound when it left none. */
async function removeLeftVolumes(deps: Deps, ref: string): Promise<string[]> {
  const { owner, name } = parseAppRef(ref);
  const removed = await removeAppVolumes(deps, owner ?? DEFAULT_OWNER, name);
  if (removed.length === 0) throw NotFound(`app ${ref} does not exist, and left no volumes`, { hint: 'run `berth apps` to list apps' });
  return removed;
}

/** Every app of the owners `visible` allows (default: all), with its status: one question to Docker. */
export function viewVisibleApps(deps: Deps, visible?: (owner: string) => boolean): Promise<AppView[]> {
  return viewApps(deps, deps.db.apps.list().filter((a) => !visible || visible(a.owner)));
}

/** An app's deployments (newest first), each with the release it put live. */
export function listDeployments(deps: Deps, ref: string): DeploymentRow[] {
  return deps.db.deployments.listForApp(getApp(deps, ref).id).map((d) => deploymentView(deps.db, d));
}

/** An app's event log, newest first. */
export function listEvents(deps: Deps, ref: string): EventRow[] {
  return deps.db.events.listForApp(getApp(deps, ref).id);
}

/** An app's builds of source (uploads, git refs), newest first, each with its deploy's outcome. */
export function listBuilds(deps: Deps, ref: string): ReturnType<typeof listSourceBuilds> {
  return listSourceBuilds(deps.db, getApp(deps, ref).id);
}
