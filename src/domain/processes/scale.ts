// Scaling and listing an app's processes. Scaling changes the running release in place: new
// instances are started and checked before they are routed; surplus ones are unrouted first,
// then stopped. `ps` reports each container's state, uptime, restarts, CPU and memory.
import { Invalid } from '../../errors.js';
import { getApp } from '../apps/app-ref.js';
import { resolveHealthCheck } from '../apps/manifest.js';
import { checkContainerCount, processTypes, quantityOf } from '../apps/procfile.js';
import { checkRunQuota } from '../policy/quotas.js';
import { readConfig } from '../config-vars/config-service.js';
import { LABELS, type Deps } from '../context.js';
import { syncRoutes } from '../routing/sync-routes.js';
import { checkInstances, containerName, removeContainers, type ProcessContext, type StartedProcess, startInstance } from './process-containers.js';
import { CRASH_WINDOW_MS, isCrashLooping } from './crash-loop.js';

export const MAX_INSTANCES = 20;

export interface PsRow {
  name: string;
  type: string;
  state: string;
  startedAt: string;
  restarts: number;
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
}

const indexOf = (name: string): number => Number(/-(\d+)$/.exec(name)?.[1] ?? 0);

/** One process type of an app's formation: how many run, and the command they run. */
export interface FormationRow {
  type: string;
  quantity: number;
  /** The Procfile command; null when the image's own CMD runs (or nothing is deployed yet). */
  command: string | null;
}

export interface ScaleResult {
  formation: Record<string, number>;
  /** False when there is no running release to apply it to: it applies at the next deploy. */
  applied: boolean;
}

/**
 * The formation as `berth scale APP` shows it: the current release's process types with their
 * quantities (web 1 and others 0 where none was set, as on Heroku) and commands; before any release, what was recorded.
 */
export function formationRows(processes: Record<string, string> | null, formation: Record<string, number>): FormationRow[] {
  return processTypes(processes ?? Object.fromEntries(Object.keys(formation).map((t) => [t, '']))).map((type) => ({
    type,
    quantity: quantityOf(type, formation),
    command: processes?.[type] || null,
  }));
}

/** The app's formation (see formationRows). */
export function formationOf(deps: Deps, appName: string): FormationRow[] {
  const app = getApp(deps, appName);
  const d = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  return formationRows(d?.processes ?? null, app.formation);
}

/**
 * The lowest instance numbers free for new containers: not used by a current instance, and
 * whose container name no other container holds (one scaled away a moment ago may still be
 * draining or stopping under that name: Docker would refuse the name with a 409).
 */
export function freeIndexes(count: number, used: ReadonlySet<number>, nameTaken: (index: number) => boolean): number[] {
  const out: number[] = [];
  for (let index = 1; out.length < count; index++) if (!used.has(index) && !nameTaken(index)) out.push(index);
  return out;
}

/**
 * Sets quantities per process type (e.g. { web: 3, worker: 1 }) and applies them to the running
 * release; with none running (never deployed, or stopped), they are recorded for the next deploy.
 */
export async function scale(deps: Deps, appName: string, wanted: Record<string, number>): Promise<ScaleResult> {
  const app0 = getApp(deps, appName);
  if (Object.keys(wanted).length === 0) throw Invalid('give at least one TYPE=COUNT, e.g. web=3');
  for (const [type, n] of Object.entries(wanted)) {
    if (!Number.isInteger(n) || n < 0 || n > MAX_INSTANCES) throw Invalid(`${type}=${n}: the count must be a whole number from 0 to ${MAX_INSTANCES}`);
    if (type === 'release') throw Invalid('release runs once per deploy and cannot be scaled');
  }
  return deps.jobs.run(`app-${app0.id}`, async () => {
    const app = deps.db.apps.get(app0.id)!;
    const d = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
    if (d && d.status === 'running') {
      const unknown = Object.keys(wanted).filter((t) => d.processes[t] === undefined);
      if (unknown.length > 0) throw Invalid(`${app.name} has no process type ${unknown.join(', ')}; it runs ${Object.keys(d.processes).filter((t) => t !== 'release').join(', ')}`);
    }
    const formation = { ...app.formation, ...wanted };
    checkContainerCount(d?.processes ?? Object.fromEntries(Object.keys(formation).map((t) => [t, ''])), formation, deps.config.limits.containersPerApp);
    deps.db.tx(() => {
      deps.db.apps.setFormation(app.id, formation);
      deps.db.events.add({ appId: app.id, subject: `app:${app.id}`, kind: 'app.scaled', message: Object.entries(wanted).map(([t, n]) => `${t}=${n}`).join(' ') });
    });
    if (!d || d.status !== 'running' || !d.image || !d.port) return { formation, applied: false };

    const infos = (await Promise.all(d.containers.map((id) => deps.scheduler.inspect(id)))).filter((i) => i !== null);
    const ctx: ProcessContext = { app, deploymentId: d.id, image: d.image, port: d.port, env: { ...app.env, ...readConfig(deps, app.id) }, processes: d.processes };
    // Names held by this release's containers that are no longer current (scaled away, still stopping).
    const taken = new Set(
      (await deps.scheduler.listContainers({ [LABELS.instance]: deps.instanceId, [LABELS.owner]: app.owner, [LABELS.app]: app.name, [LABELS.deployment]: String(d.id) })).map((c) => c.name),
    );
    const added: StartedProcess[] = [];
    const surplus: string[] = [];
    try {
      for (const type of Object.keys(wanted)) {
        const have = infos.filter((i) => (i.labels[LABELS.process] ?? 'web') === type).sort((a, b) => indexOf(a.name) - indexOf(b.name));
        const want = quantityOf(type, formation);
        const used = new Set(have.map((i) => indexOf(i.name)));
        for (const index of freeIndexes(Math.max(0, want - have.length), used, (index) => taken.has(containerName(deps, ctx, { type, index })))) {
          added.push(await startInstance(deps, ctx, { type, index }));
        }
        surplus.push(...have.slice(want).map((i) => i.id));
      }
      await checkInstances(deps, ctx, added, resolveHealthCheck(app.healthcheck), (l) => deps.logger.info({ app: app.name }, l.trim()));
    } catch (e) {
      await removeContainers(deps, added.map((a) => a.id), 1);
      throw e;
    }
    // Routed only once healthy; unrouted before they stop.
    const containers = d.containers.filter((id) => !surplus.includes(id)).concat(added.map((a) => a.id));
    deps.db.deployments.update(d.id, 'running', { containers });
    await syncRoutes(deps);
    // Unrouted now; they finish in-flight requests and stop in the background.
    deps.jobs.background(
      new Promise((r) => setTimeout(r, deps.config.drainSeconds * 1000))
        .then(() => removeContainers(deps, surplus))
        .catch((e: unknown) => deps.logger.warn({ err: e, app: app.name }, 'stopping surplus containers failed')),
    );
    return { formation, applied: true };
  }, { owner: app0.owner });
}

const STATS_WAIT_MS = 2500;

/** The promise's value, or null when it fails or takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  return Promise.race([p.catch(() => null), late]).finally(() => clearTimeout(timer));
}

export async function ps(deps: Deps, appName: string): Promise<PsRow[]> {
  const app = getApp(deps, appName);
  const d = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  const rows = await Promise.all(
    (d?.containers ?? []).map(async (id): Promise<PsRow | null> => {
      // Docker samples stats twice, a second apart, and far slower while the engine is busy
      // (a release stopping): a listing does not wait for them longer than STATS_WAIT_MS.
      const [info, stats] = await Promise.all([deps.scheduler.inspect(id), within(deps.scheduler.stats(id), STATS_WAIT_MS)]);
      if (!info) return null;
      const running = info.state === 'running';
      // The supervisor records every restart, Docker's and its own; Docker's count covers the
      // restarts its policy made while Berth was not running (it restarts from 0 on a manual start).
      const subject = `container:${info.id}`;
      const since = new Date(Date.now() - CRASH_WINDOW_MS).toISOString();
      const looping = isCrashLooping(deps, info.id);
      const oomKilled = info.oomKilled || deps.db.events.count(subject, 'process.oom-killed', since) > 0;
      const notes = [...(looping ? ['crash loop'] : []), ...(oomKilled ? [`killed: out of memory, limit ${Math.round(info.memoryLimitBytes / (1024 * 1024))} MB`] : [])];
      return {
        name: info.name,
        type: info.labels[LABELS.process] ?? 'web',
        state: notes.length > 0 ? `${info.state} (${notes.join('; ')})` : info.state,
        startedAt: info.startedAt,
        restarts: Math.max(info.restartCount, deps.db.events.count(subject, 'process.restarted')),
        cpuPercent: running && stats ? Number(stats.cpuPercent.toFixed(1)) : null,
        memoryBytes: running && stats ? stats.memoryBytes : null,
        memoryLimitBytes: stats?.memoryLimitBytes ?? null,
      };
    }),
  );
  return rows.filter((r): r is PsRow => r !== null).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Checks a one-off command can run (the app has a running release, the command is sane, the
 * owner has a one-off run to spare) and returns the release to run it in; runCommand runs it.
 */
export async function oneOffContext(deps: Deps, appName: string, argv: string[], opts: { event?: boolean } = {}): Promise<ProcessContext> {
  const app = getApp(deps, appName);
  if (argv.length === 0 || argv.some((a) => a.includes('\0'))) throw Invalid('give the command to run, e.g. berth run shop -- python3 manage.py migrate');
  const d = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  if (!d || d.status !== 'running' || !d.image || !d.port) throw Invalid(`${app.name} has no running release to run commands in`, { hint: `deploy it first: berth deploy --app ${app.name}` });
  await checkRunQuota(deps, app.owner);
  // A scheduled job keeps its own record (cron_runs) instead: one event a minute would bury the rest.
  if (opts.event !== false) deps.db.events.add({ appId: app.id, subject: `app:${app.id}`, kind: 'app.run', message: `one-off command: ${argv[0]}` });
  return { app, deploymentId: d.id, image: d.image, port: d.port, env: { ...app.env, ...readConfig(deps, app.id) }, processes: d.processes };
}
