// Apps as users see them: create, list, show (with live status and URLs), destroy.
import { Conflict, NotFound } from '../../errors.js';
import type { AppRow, DeploymentRow } from '../../infra/db/rows.js';
import { LABELS, type Deps } from '../context.js';
import { logKey } from '../deploys/deploy-source.js';
import { imageRepo, removeContainers } from '../deploys/cleanup.js';
import { removeAppRepo } from '../pipelines/app-repos.js';
import { syncRoutes } from '../routing/sync-routes.js';
import { resolveHealthCheck, type HealthCheck } from './manifest.js';
import { DEFAULT_OWNER, validateAppName, validateOwnerName } from './names.js';
import { appHosts, appUrls } from './urls.js';

export type AppStatus = 'new' | 'deploying' | 'running' | 'crashed' | 'failed' | 'stopped';

export interface AppView {
  name: string;
  owner: string;
  status: AppStatus;
  urls: string[];
  port: number | null;
  healthcheck: HealthCheck;
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

/** Inserts a checked, new app inside the caller's transaction; its owner comes into being with it. */
export function insertApp(deps: Deps, p: { name: string; owner: string; port?: number | undefined }): AppRow {
  // Callers have checked who may create under the owner.
  // Hosts are built so that two apps cannot share one (urls.ts); this guards against any
  // other way a host could be taken (a custom domain, a future naming rule).
  const hosts = appHosts({ name: p.name, owner: p.owner, domains: [] }, deps.config.domain);
  for (const other of deps.db.apps.list()) {
    const taken = appHosts(other, deps.config.domain).find((h) => hosts.includes(h));
    if (taken) throw Conflict(`the host ${taken} already belongs to app ${appRef(other)}`);
  }
  if (deps.db.owners.ensure(p.owner)) deps.db.events.add({ appId: null, subject: `owner:${p.owner}`, kind: 'owner.created', message: `owner ${p.owner} created with app ${p.name}` });
  const app = deps.db.apps.insert({ name: p.name, owner: p.owner, port: p.port ?? null });
  deps.db.events.add({ appId: app.id, subject: `app:${app.id}`, kind: 'app.created', message: `app ${p.name} created (owner ${p.owner})` });
  return app;
}

/**
 * The one name of an app that can never be ambiguous, `owner/name`: what every domain
 * operation passes on (a bare name stops resolving once another owner uses it too).
 */
export const appRef = (app: Pick<AppRow, 'owner' | 'name'>): string => `${app.owner}/${app.name}`;

/** Splits an app reference, `owner/name` or just `name`. */
export function parseAppRef(ref: string): { owner?: string; name: string } {
  const i = ref.indexOf('/');
  return i < 0 ? { name: ref } : { owner: ref.slice(0, i), name: ref.slice(i + 1) };
}

/**
 * The app a reference names: `owner/name`, or a bare `name` when exactly one of the apps in
 * `visible` (default: all) has it. Throws NotFound, or Conflict when the name is ambiguous.
 */
export function getApp(deps: Deps, ref: string, visible?: (owner: string) => boolean): AppRow {
  const { owner, name } = parseAppRef(typeof ref === 'string' ? ref : '');
  const candidates = (owner !== undefined ? [deps.db.apps.find(owner, name)].filter((a) => a !== undefined) : deps.db.apps.byName(name)).filter(
    (a) => !visible || visible(a.owner),
  );
  if (candidates.length === 0) throw NotFound(`app ${ref} does not exist`, { hint: 'run `berth apps` to list apps' });
  if (candidates.length > 1) throw Conflict(`more than one owner has an app named ${name} (${candidates.map((a) => `${a.owner}/${a.name}`).join(', ')}); name it as owner/app`);
  return candidates[0]!;
}

/** The app with its status from the database (cheap: no Docker calls). */
export function viewApp(deps: Deps, app: AppRow): AppView {
  const current = app.currentDeploymentId !== null ? (deps.db.deployments.get(app.currentDeploymentId) ?? null) : null;
  const latest = deps.db.deployments.latestForApp(app.id) ?? null;
  let status: AppStatus = 'new';
  if (latest && (latest.status === 'pending' || latest.status === 'starting')) status = 'deploying';
  else if (current && current.status === 'running') status = 'running';
  else if (latest?.status === 'failed') status = 'failed';
  else if (latest) status = 'stopped';
  return {
    name: app.name,
    owner: app.owner,
    status,
    urls: appUrls(app, deps.config),
    port: current?.port ?? app.port,
    healthcheck: resolveHealthCheck(app.healthcheck),
    domains: app.domains,
    currentDeployment: current,
    latestDeployment: latest,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}

export interface ContainerView {
  id: string;
  name: string;
  state: string;
  restartCount: number;
  startedAt: string;
}

/** The app with its containers' live state; a running app whose containers are down is 'crashed'. */
export async function appStatus(deps: Deps, app: AppRow): Promise<AppView & { containers: ContainerView[] }> {
  const view = viewApp(deps, app);
  const ids = view.currentDeployment?.containers ?? [];
  const infos = await Promise.all(ids.map((id) => deps.docker.inspect(id)));
  const containers = infos.filter((i) => i !== null).map((i) => ({ id: i.id.slice(0, 12), name: i.name, state: i.state, restartCount: i.restartCount, startedAt: i.startedAt }));
  if (view.status === 'running' && !containers.some((c) => c.state === 'running')) view.status = 'crashed';
  return { ...view, containers };
}

/**
 * Removes the app and everything of it: rows first (so a crash midway leaves only things
 * reconcile() removes as orphans), then routes, containers, images and logs.
 */
export async function destroyApp(deps: Deps, name: string): Promise<void> {
  const app = getApp(deps, name);
  await deps.jobs.run(`app-${app.id}`, async () => {
    const deployments = deps.db.deployments.listForApp(app.id, 100_000);
    deps.db.tx(() => deps.db.apps.delete(app.id));
    await syncRoutes(deps);
    const containers = await deps.docker.listContainers({ [LABELS.instance]: deps.instanceId, [LABELS.owner]: app.owner, [LABELS.app]: app.name });
    await removeContainers(deps, containers.map((c) => c.id));
    const images = new Set(deployments.map((d) => d.image).filter((i): i is string => i !== null));
    for (const img of await deps.docker.listImages(imageRepo(deps, app))) {
      for (const t of img.tags) images.add(t);
      if (img.tags.length === 0) images.add(img.id);
    }
    for (const img of images) await deps.docker.removeImage(img).catch((e: unknown) => deps.logger.warn({ err: e, img }, 'could not remove image'));
    for (const d of deployments) deps.logs.remove(logKey(d.id));
    await removeAppRepo(deps, app);
  });
}
