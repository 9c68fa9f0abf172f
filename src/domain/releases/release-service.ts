// Releases as users see them: the history (vN: image, config keys, description), rollbacks
// to a kept image, and config changes, each rolled out as a new release with zero downtime.
import { Conflict, Failed, Invalid, NotFound } from '../../errors.js';
import { appRef, effectiveLimits, getApp } from '../apps/app-ref.js';
import { applyChange, describeChange, openSnapshot, readConfig, storeConfig, type ConfigChange } from '../config-vars/config-service.js';
import type { Deps } from '../context.js';
import { startDeploy, type StartedDeploy } from '../deploys/deploy-service.js';
import { applySettings, checkSettings, specChanges, specOfApp, type SettingsChange } from '../apps/release-spec.js';
import { resolveHealthCheck, type HealthCheck } from '../apps/manifest.js';

export interface ReleaseView {
  version: number;
  image: string;
  description: string;
  configKeys: string[];
  /** What changed from the release before, e.g. `port 3000→8080`, `+DOMAIN a.example`. */
  changes: string[];
  current: boolean;
  deploymentId: number | null;
  createdAt: string;
}

export function listReleases(deps: Deps, appName: string): ReleaseView[] {
  const app = getApp(deps, appName);
  const rows = deps.db.releases.listForApp(app.id);
  // Newest first: the release before rows[i] is rows[i + 1].
  return rows.map((r, i) => ({
    version: r.version,
    image: r.image,
    description: r.description,
    configKeys: Object.keys(openSnapshot(deps, r.config)).sort(),
    changes: r.spec ? specChanges(rows[i + 1]?.spec, r.spec) : [],
    current: r.deploymentId !== null && r.deploymentId === app.currentDeploymentId,
    deploymentId: r.deploymentId,
    createdAt: r.createdAt,
  }));
}

/** The release the app runs now, if any. */
function currentRelease(deps: Deps, currentDeploymentId: number | null) {
  return currentDeploymentId === null ? undefined : deps.db.releases.byDeployment(currentDeploymentId);
}

/**
 * Rolls back to `version` (default: the one before the current release) by deploying its kept
 * image with its config: a new release, no rebuild.
 */
export async function rollback(deps: Deps, appName: string, version?: number): Promise<StartedDeploy> {
  const app = getApp(deps, appName);
  const current = currentRelease(deps, app.currentDeploymentId);
  const target = version ?? (current ? current.version - 1 : undefined);
  if (target === undefined || target < 1) throw Invalid(`${app.name} has no earlier release to roll back to`);
  const release = deps.db.releases.byVersion(app.id, target);
  if (!release) throw NotFound(`${app.name} has no release v${target}`, { hint: `run \`berth releases ${app.name}\`` });
  if (!(await deps.images.image(release.image))) {
    throw Failed(`the image of v${target} was pruned (Berth keeps the last ${deps.config.keepImages}); deploy that source again instead`);
  }
  // The whole spec of that release comes back: port, health check, domains, formation included.
  const spec = release.spec ?? specOfApp(app, (release.deploymentId !== null ? deps.db.deployments.get(release.deploymentId)?.processes : undefined) ?? { web: '' });
  return startDeploy(deps, {
    appName: appRef(app),
    source: { kind: 'image', image: release.image, config: openSnapshot(deps, release.config), note: `rollback to v${target}`, spec },
  });
}

export type ConfigOutcome = { rolledOut: StartedDeploy } | { stored: true };

/**
 * Changes config vars. An app with a running release gets a new release with the new config
 * (the vars are stored only once it is live); an app with none just stores them.
 */
export async function changeConfig(deps: Deps, appName: string, change: ConfigChange): Promise<ConfigOutcome> {
  const app = getApp(deps, appName);
  const next = applyChange(readConfig(deps, app.id), change);
  const current = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  if (!current || current.status !== 'running' || !current.image) {
    if (deps.jobs.busy(`app-${app.id}`)) throw Conflict(`${app.name} is being deployed; change its config when the deploy has finished`);
    deps.db.tx(() => {
      storeConfig(deps, app.id, next);
      deps.db.events.add({ appId: app.id, subject: `app:${app.id}`, kind: 'config.changed', message: describeChange(change) });
    });
    return { stored: true };
  }
  return {
    rolledOut: await startDeploy(deps, {
      appName: appRef(app),
      source: { kind: 'image', image: current.image, config: next, note: describeChange(change), processes: current.processes },
    }),
  };
}

/** Restarts the app with zero downtime: its current release in new containers, then the switch. */
export async function restartApp(deps: Deps, appName: string): Promise<StartedDeploy> {
  const app = getApp(deps, appName);
  const current = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  const release = currentRelease(deps, app.currentDeploymentId);
  if (!current || current.status !== 'running' || !current.image || !release) throw Conflict(`${app.name} has no running release to restart`, { hint: `deploy it first: berth deploy --app ${app.name}` });
  return startDeploy(deps, {
    appName: appRef(app),
    source: { kind: 'image', image: current.image, config: openSnapshot(deps, release.config), note: `restart of v${release.version}`, processes: current.processes, restartOf: release.id },
  });
}

/** What `berth settings` and the dashboard show: the app's own settings and what they come to. */
export interface SettingsView {
  port: number | null;
  healthcheck: HealthCheck;
  limits: { memoryMb: number; cpus: number };
  /** Which of them the app set itself (the rest are defaults). */
  own: { port: boolean; healthcheck: (keyof HealthCheck)[]; memoryMb: boolean; cpus: boolean };
}

export function viewSettings(deps: Deps, appName: string): SettingsView {
  const app = getApp(deps, appName);
  return {
    port: app.port,
    healthcheck: resolveHealthCheck(app.healthcheck),
    limits: effectiveLimits(deps, app),
    own: {
      port: app.port !== null,
      healthcheck: Object.keys(app.healthcheck) as (keyof HealthCheck)[],
      memoryMb: app.limits.memoryMb !== undefined && app.limits.memoryMb !== null,
      cpus: app.limits.cpus !== undefined && app.limits.cpus !== null,
    },
  };
}

/**
 * Changes the app's port, health check or limits. Like a config change: an app with a running
 * release gets a new release running with them (zero downtime; a release that fails its health
 * check changes nothing); an app with none just stores them for its first deploy.
 */
export async function changeSettings(deps: Deps, appName: string, change: SettingsChange): Promise<ConfigOutcome> {
  const app = getApp(deps, appName);
  checkSettings(change, { memoryMb: deps.config.maxMemoryMb, cpus: deps.config.maxCpus });
  const note = `settings: ${describeSettings(change)}`;
  const current = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  if (!current || current.status !== 'running' || !current.image) {
    if (deps.jobs.busy(`app-${app.id}`)) throw Conflict(`${app.name} is being deployed; change its settings when the deploy has finished`);
    const { processes: _, ...next } = applySettings(specOfApp(app, {}), change);
    deps.db.tx(() => {
      deps.db.apps.update(app.id, next);
      deps.db.events.add({ appId: app.id, subject: `app:${app.id}`, kind: 'settings.changed', message: note });
    });
    return { stored: true };
  }
  return { rolledOut: await startDeploy(deps, { appName: appRef(app), source: { kind: 'image', image: current.image, note, processes: current.processes, settings: change } }) };
}

/** e.g. "port 8080, health path /up, memory default". */
export function describeSettings(c: SettingsChange): string {
  const v = (x: string | number | null | undefined) => (x === null ? 'default' : String(x));
  const parts: string[] = [];
  if (c.port !== undefined) parts.push(`port ${v(c.port)}`);
  if (c.healthcheck === null) parts.push('health check default');
  for (const [k, x] of Object.entries(c.healthcheck ?? {}) as [string, string | number | null][]) parts.push(`health ${k} ${v(x)}`);
  if (c.limits === null) parts.push('limits default');
  for (const [k, x] of Object.entries(c.limits ?? {}) as [string, number | null][]) parts.push(`${k === 'memoryMb' ? 'memory' : k} ${v(x)}${k === 'memoryMb' && x !== null ? ' MB' : ''}`);
  return parts.join(', ') || 'no change';
}
