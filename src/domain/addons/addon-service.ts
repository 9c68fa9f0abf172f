// Add-ons: managed PostgreSQL and Redis, one container each on its owner's private network with
// its data in a named volume, attached to apps as a config var (a new release). Desired state
// is the addons table; reconcile (recovery/reconcile.ts) keeps the containers running.
import { connect } from 'node:net';
import { Conflict, Failed, Invalid, messageOf, NotFound } from '../../errors.js';
import type { AddonRow } from '../../infra/db/addons-repo.js';
import type { AppRow } from '../../infra/db/rows.js';
import { getApp } from '../apps/app-ref.js';
import { LABELS, type Deps } from '../context.js';
import { ensureOwnerNetwork, ownerNetwork } from '../processes/process-containers.js';
import { ensureWritableVolume } from '../processes/app-volumes.js';
import { changeConfig, type ConfigOutcome } from '../releases/release-service.js';
import { readConfig } from '../config-vars/config-service.js';
import { ensureAddonImage } from './addon-images.js';
import {
  ADDON_KINDS,
  addonContainerName,
  addonEnv,
  addonType,
  addonUrl,
  addonVolumeName,
  clientCommand,
  defaultAddonName,
  generatePassword,
  maskedUrl,
  validateAddonName,
} from './addon-kinds.js';

/** The label naming the add-on a container or volume belongs to. */
export const ADDON_LABEL = 'berth.addon';
/** How long a new add-on may take to accept connections. */
const READY_MS = 90_000;

export interface AddonView {
  name: string;
  owner: string;
  type: string;
  version: string;
  /** The container's state (running, restarting, exited, ...), or missing. */
  status: string;
  /** The URL apps get, its password masked. */
  url: string;
  envVar: string;
  /** owner/app of each app it is attached to. */
  attachedTo: string[];
  createdAt: string;
}

const host = (deps: Deps, a: AddonRow) => addonContainerName(deps.config.containerPrefix, a.name);
const password = (deps: Deps, a: AddonRow) => deps.secrets.open(a.sealedPassword);

/** How Berth's own one-offs reach an add-on (backups): its host name on the owner's network, password, image. */
export async function addonAccess(deps: Deps, a: AddonRow, log: (l: string) => void): Promise<{ host: string; ip: string | null; running: boolean; password: string; image: string; network: string }> {
  const info = await containerOf(deps, a);
  await ensureOwnerNetwork(deps, a.owner);
  return { host: host(deps, a), ip: info?.ip ?? null, running: info?.state === 'running', password: password(deps, a), image: await ensureAddonImage(deps, a.type, log), network: ownerNetwork(deps, a.owner) };
}

/** The add-on's container, found by its labels (the scheduler's way: ids, not names, are its handles). */
export async function containerOf(deps: Deps, a: AddonRow) {
  return (await deps.scheduler.listContainers(labelsOf(deps, a)))[0] ?? null;
}

/** The add-on `name` names, if the caller may see its owner. */
export function getAddon(deps: Deps, name: string, visible?: (owner: string) => boolean): AddonRow {
  const a = deps.db.addons.byName(name);
  if (!a || (visible && !visible(a.owner))) throw NotFound(`add-on ${name} does not exist`, { hint: 'run `berth addons list` to list add-ons' });
  return a;
}

export async function viewAddon(deps: Deps, a: AddonRow): Promise<AddonView> {
  const info = await containerOf(deps, a).catch(() => null);
  return {
    name: a.name,
    owner: a.owner,
    type: a.type,
    version: a.version,
    status: info?.state ?? 'missing',
    url: maskedUrl(a, host(deps, a)),
    envVar: ADDON_KINDS[a.type].envVar,
    attachedTo: deps.db.addons.attachments(a.id).flatMap((t) => {
      const app = deps.db.apps.get(t.appId);
      return app ? [`${app.owner}/${app.name}`] : [];
    }),
    createdAt: a.createdAt,
  };
}

/** The add-ons the caller may see; with `app`, those attached to it. */
export async function listAddons(deps: Deps, visible: ((owner: string) => boolean) | undefined, app?: AppRow): Promise<AddonView[]> {
  const rows = app
    ? deps.db.addons.attachmentsOfApp(app.id).flatMap((t) => {
        const a = deps.db.addons.get(t.addonId);
        return a ? [a] : [];
      })
    : deps.db.addons.list().filter((a) => !visible || visible(a.owner));
  return Promise.all(rows.map((a) => viewAddon(deps, a)));
}

export interface CreateAddon {
  /** owner/app, canonical (the route checked it). */
  app: string;
  type: string;
  name?: string | undefined;
  log: (line: string) => void;
}

/**
 * Creates the add-on (image built on first use, volume, container on the app's owner's network,
 * a generated password sealed at rest), waits until it accepts connections, and attaches it to
 * the app: its URL becomes a config var, rolled out as a new release.
 */
export async function createAddon(deps: Deps, p: CreateAddon): Promise<{ addon: AddonView; outcome: ConfigOutcome }> {
  const app = getApp(deps, p.app);
  const type = addonType(p.type);
  const name = validateAddonName(p.name ?? defaultAddonName(type));
  if (deps.db.addons.byName(name)) throw Conflict(`an add-on named ${name} exists already`, { hint: 'choose another --name' });
  checkVarFree(deps, app, ADDON_KINDS[type].envVar);
  const image = await ensureAddonImage(deps, type, p.log);
  const pass = generatePassword();
  const row = deps.db.tx(() => {
    // Asked again inside the transaction: another create of the name may have finished meanwhile.
    if (deps.db.addons.byName(name)) throw Conflict(`an add-on named ${name} exists already`, { hint: 'choose another --name' });
    const r = deps.db.addons.insert({ name, owner: app.owner, type, version: ADDON_KINDS[type].version, sealedPassword: deps.secrets.seal(pass) });
    deps.db.events.add({ appId: app.id, subject: `addon:${name}`, kind: 'addon.created', message: `${type} add-on ${name} created` });
    return r;
  });
  try {
    p.log(`-----> starting ${type} ${ADDON_KINDS[type].version} as ${name} on ${app.owner}'s network`);
    await startAddon(deps, row, image);
    await waitReady(deps, row);
  } catch (e) {
    await removeAddonResources(deps, row).catch(() => undefined);
    deps.db.addons.delete(row.id);
    throw e;
  }
  const outcome = await attachAddon(deps, row, app);
  return { addon: await viewAddon(deps, row), outcome };
}

function checkVarFree(deps: Deps, app: AppRow, envVar: string): void {
  const taken = deps.db.addons.attachmentsOfApp(app.id).find((t) => t.envVar === envVar);
  if (taken) {
    const other = deps.db.addons.get(taken.addonId)?.name ?? '?';
    throw Conflict(`${app.owner}/${app.name} has ${envVar} from add-on ${other} already`, { hint: `detach it first: berth addons detach ${other} --app ${app.owner}/${app.name}` });
  }
}

/** Records the attachment and sets the URL on the app (a new release if it runs). */
async function attachAddon(deps: Deps, a: AddonRow, app: AppRow): Promise<ConfigOutcome> {
  const envVar = ADDON_KINDS[a.type].envVar;
  deps.db.addons.attach(a.id, app.id, envVar);
  try {
    return await changeConfig(deps, `${app.owner}/${app.name}`, { set: { [envVar]: addonUrl(a, host(deps, a), password(deps, a)) } });
  } catch (e) {
    deps.db.addons.detach(a.id, app.id);
    throw e;
  }
}

/** Attaches an add-on to one more app of the same owner. */
export async function attach(deps: Deps, a: AddonRow, appRef: string): Promise<ConfigOutcome> {
  const app = getApp(deps, appRef);
  if (app.owner !== a.owner) throw Invalid(`add-on ${a.name} belongs to owner ${a.owner}; ${app.owner}/${app.name} cannot use it (add-ons are reachable only on their owner's network)`);
  if (deps.db.addons.attachments(a.id).some((t) => t.appId === app.id)) throw Conflict(`add-on ${a.name} is attached to ${app.owner}/${app.name} already`);
  checkVarFree(deps, app, ADDON_KINDS[a.type].envVar);
  return attachAddon(deps, a, app);
}

/** Detaches an add-on from an app: its config var is unset (a new release if the app runs). */
export async function detach(deps: Deps, a: AddonRow, appRef: string): Promise<ConfigOutcome | null> {
  const app = getApp(deps, appRef);
  const t = deps.db.addons.attachments(a.id).find((x) => x.appId === app.id);
  if (!t) throw NotFound(`add-on ${a.name} is not attached to ${app.owner}/${app.name}`);
  const has = t.envVar in readConfig(deps, app.id);
  const outcome = has ? await changeConfig(deps, `${app.owner}/${app.name}`, { unset: [t.envVar] }) : null;
  deps.db.addons.detach(a.id, app.id);
  return outcome;
}

/**
 * Removes the add-on: its container, its volume with all its data, and its row. Refused while
 * it is attached to an app, unless `force`, which detaches it from each first (new releases).
 */
export async function destroyAddon(deps: Deps, a: AddonRow, force: boolean): Promise<{ detachedFrom: string[] }> {
  const attached = (await viewAddon(deps, a)).attachedTo;
  if (attached.length > 0 && !force) {
    throw Conflict(`add-on ${a.name} is attached to ${attached.join(', ')}`, { hint: `detach it first (berth addons detach ${a.name} --app APP), or pass --force to detach and destroy` });
  }
  for (const ref of attached) {
    const outcome = await detach(deps, a, ref);
    if (outcome && 'rolledOut' in outcome) await outcome.rolledOut.done;
  }
  await removeAddonResources(deps, a);
  deps.db.tx(() => {
    deps.db.addons.delete(a.id);
    // Its backup schedule goes with it; its backups stay (listed, restorable into a new add-on of the name).
    const policy = deps.db.backups.policies.bySource('addon', a.name);
    if (policy) deps.db.backups.policies.delete(policy.id);
    deps.db.events.add({ appId: null, owner: a.owner, subject: `addon:${a.name}`, kind: 'addon.destroyed', message: `${a.type} add-on ${a.name} destroyed with its data` });
  });
  return { detachedFrom: attached };
}

async function removeAddonResources(deps: Deps, a: AddonRow): Promise<void> {
  for (const c of await deps.scheduler.listContainers(labelsOf(deps, a))) await deps.scheduler.remove(c.id, 10);
  await deps.scheduler.removeVolume(addonVolumeName(deps.config.containerPrefix, a.name));
}

const labelsOf = (deps: Deps, a: AddonRow): Record<string, string> => ({ [LABELS.instance]: deps.instanceId, [LABELS.owner]: a.owner, [ADDON_LABEL]: a.name });

/**
 * Runs the add-on's container: unprivileged (the image runs as the postgres or redis user, every
 * capability dropped), the app default limits, on the owner's network only (no published port).
 */
export async function startAddon(deps: Deps, a: AddonRow, image: string): Promise<void> {
  await ensureOwnerNetwork(deps, a.owner);
  await ensureAddonVolume(deps, a);
  await deps.scheduler.run({
    name: host(deps, a),
    image,
    env: addonEnv(a, password(deps, a)),
    labels: labelsOf(deps, a),
    network: ownerNetwork(deps, a.owner),
    memoryMb: deps.config.defaultMemoryMb,
    cpus: deps.config.defaultCpus,
    pidsLimit: 512,
    restart: 'unless-stopped',
    mounts: [{ volume: addonVolumeName(deps.config.containerPrefix, a.name), target: ADDON_KINDS[a.type].dataDir }],
  });
}

/**
 * A fresh volume's root belongs to root (mode 0755) and the database runs as its own user: as
 * for app volumes (processes/app-volumes.ts), one short root container of the base image with
 * no capabilities and no network makes it writable. The database then keeps its files in a
 * directory of its own inside (PostgreSQL makes it 0700).
 */
async function ensureAddonVolume(deps: Deps, a: AddonRow): Promise<void> {
  await ensureWritableVolume(deps, addonVolumeName(deps.config.containerPrefix, a.name), labelsOf(deps, a), {
    name: `${host(deps, a)}-volume`,
    labels: { [LABELS.instance]: deps.instanceId, [LABELS.owner]: a.owner, [LABELS.process]: 'addon-volume-setup' },
    what: `the volume of add-on ${a.name}`,
  });
}

/** Waits until the add-on accepts TCP connections on its port (the first start makes the database). */
export async function waitReady(deps: Deps, a: AddonRow): Promise<void> {
  const until = Date.now() + READY_MS;
  for (;;) {
    const info = await containerOf(deps, a);
    if (!info || info.state === 'exited' || info.state === 'dead' || info.restartCount > 0) {
      const tail = info ? await deps.streams.tailLogs(info.id, 10).catch(() => []) : [];
      throw Failed(`the ${a.type} add-on ${a.name} stopped while starting${tail.length > 0 ? `: ${tail.join(' | ').slice(0, 600)}` : ''}`);
    }
    if (info.ip && (await canConnect(info.ip, ADDON_KINDS[a.type].port))) return;
    if (Date.now() > until) throw Failed(`the ${a.type} add-on ${a.name} did not accept connections within ${READY_MS / 1000}s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function canConnect(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: 1000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

/** Whether reconcile must keep a container: one of an add-on that exists. */
export const isAddonContainer = (deps: Deps, labels: Record<string, string>): boolean => {
  const name = labels[ADDON_LABEL];
  return name !== undefined && labels[LABELS.instance] === deps.instanceId && deps.db.addons.byName(name) !== undefined;
};

/**
 * Every add-on's container runs (reconcile, at start-up and when the engine comes back):
 * stopped ones are started, missing ones created again on their volume (the data is there).
 * A failure is logged per add-on, not thrown: the apps' reconcile goes on.
 */
export async function ensureAddonsRunning(deps: Deps): Promise<{ started: number; recreated: number }> {
  const report = { started: 0, recreated: 0 };
  for (const a of deps.db.addons.list()) {
    try {
      const info = await containerOf(deps, a);
      if (!info) {
        await startAddon(deps, a, await ensureAddonImage(deps, a.type, (l) => deps.logger.info(l)));
        report.recreated++;
      } else if (info.state !== 'running' && info.state !== 'restarting') {
        await deps.scheduler.start(info.id);
        report.started++;
      }
    } catch (e) {
      deps.logger.warn({ err: messageOf(e), addon: a.name }, 'could not start the add-on container');
    }
  }
  return report;
}

/**
 * `berth addons psql|redis-cli NAME -- ARGS`: the client in a one-off container of the add-on's
 * image on the owner's network, connected as the add-on's user; streams output, returns the
 * exit code. Not interactive: the command runs to its end (berth run works the same way).
 */
export async function runClient(deps: Deps, a: AddonRow, args: string[], onLine: (l: string) => void, signal: AbortSignal): Promise<{ code: number }> {
  const image = await ensureAddonImage(deps, a.type, onLine);
  const { cmd, env } = clientCommand(a, host(deps, a), password(deps, a), args);
  await ensureOwnerNetwork(deps, a.owner);
  const code = await deps.scheduler.runOnce(
    {
      name: `${host(deps, a)}-client-${Date.now().toString(36)}`,
      image,
      env,
      labels: { [LABELS.instance]: deps.instanceId, [LABELS.owner]: a.owner, [LABELS.process]: 'addon-client' },
      network: ownerNetwork(deps, a.owner),
      memoryMb: 256,
      cpus: 1,
      pidsLimit: 64,
      cmd,
    },
    onLine,
    10 * 60_000,
    signal,
  );
  return { code };
}
