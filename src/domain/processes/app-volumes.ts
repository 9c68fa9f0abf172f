// An app's named volumes (berth.yml `volumes`) in the scheduler: made, and made writable, before
// any container of the app mounts them; listed and removed only when its owner asks.
import { Failed, messageOf } from '../../errors.js';
import type { AppRow } from '../../infra/db/rows.js';
import { VOLUME_LABEL, volumeName } from '../apps/volumes.js';
import { LABELS, type Deps } from '../context.js';
import type { VolumeMount } from '../ports.js';

/** The labels every volume of the app carries (Berth's instance, owner, app). */
const appLabels = (deps: Deps, owner: string, app: string): Record<string, string> => ({ [LABELS.instance]: deps.instanceId, [LABELS.owner]: owner, [LABELS.app]: app });

/** The mounts every container of the app gets, from the spec it runs with (app.volumes). */
export function volumeMounts(deps: Deps, app: AppRow): VolumeMount[] {
  return Object.entries(app.volumes ?? {}).map(([name, target]) => ({ volume: volumeName(deps.config.containerPrefix, app.owner, app.name, name), target }));
}

/**
 * Makes each of the app's volumes that does not exist yet. A fresh volume's root belongs to
 * root with mode 0755, and the app runs as another user (10001 in Berth's generated images),
 * so one short container of Berth's base image (root in it, all capabilities dropped, no
 * network) makes it writable for whichever user the image runs as: chmod 0777 on a directory
 * root owns needs no capability. Only the app's containers ever mount it. If that fails, the
 * empty volume is removed again, so the next attempt starts over.
 */
export async function ensureAppVolumes(deps: Deps, app: AppRow): Promise<void> {
  for (const [name, target] of Object.entries(app.volumes ?? {})) {
    const volume = volumeName(deps.config.containerPrefix, app.owner, app.name, name);
    await ensureWritableVolume(deps, volume, { ...appLabels(deps, app.owner, app.name), [VOLUME_LABEL]: name }, {
      name: `${deps.config.containerPrefix}-${app.owner}-${app.name}-volume-${name}`,
      labels: { ...appLabels(deps, app.owner, app.name), [LABELS.process]: 'volume-setup' },
      what: `volume ${name} (${target})`,
    });
  }
}

/**
 * Creates a named volume unless it exists; one just created is made writable for whichever
 * user an image runs as by one short container of the base image (root in it, all capabilities
 * dropped, no network): chmod 0777 on a directory root owns needs no capability. If that fails,
 * the empty volume is removed again, so the next attempt starts over. App volumes and add-ons'.
 */
export async function ensureWritableVolume(
  deps: Deps,
  volume: string,
  labels: Record<string, string>,
  setup: { name: string; labels: Record<string, string>; what: string },
): Promise<void> {
  if (!(await deps.scheduler.ensureVolume(volume, labels))) return;
  const out: string[] = [];
  let code: number;
  try {
    code = await deps.scheduler.runOnce(
      {
        name: `${setup.name}-${Date.now().toString(36)}`,
        image: deps.config.images.base,
        env: {},
        labels: setup.labels,
        network: 'none',
        memoryMb: 64,
        cpus: 0.5,
        pidsLimit: 16,
        cmd: ['chmod', '0777', '/volume'],
        mounts: [{ volume, target: '/volume' }],
      },
      (l) => out.push(l),
      60_000,
    );
  } catch (e) {
    code = -1;
    out.push(messageOf(e));
  }
  if (code !== 0) {
    await deps.scheduler.removeVolume(volume).catch(() => undefined);
    throw Failed(`could not prepare ${setup.what}: ${out.join(' ').slice(0, 300) || `exit code ${code}`}`, {
      hint: `Berth prepares volumes with its base image ${deps.config.images.base}: run berth images bootstrap if it is missing`,
    });
  }
}

/** The app's volumes in the scheduler (any it ever had, mounted now or not), by their berth.yml name. */
export async function listAppVolumes(deps: Deps, owner: string, app: string): Promise<{ name: string; volume: string }[]> {
  const vols = await deps.scheduler.listVolumes(appLabels(deps, owner, app));
  return vols.map((v) => ({ name: v.labels[VOLUME_LABEL] ?? v.name, volume: v.name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes the app's volumes and their data (its containers must be gone); their berth.yml names. */
export async function removeAppVolumes(deps: Deps, owner: string, app: string): Promise<string[]> {
  const vols = await listAppVolumes(deps, owner, app);
  for (const v of vols) await deps.scheduler.removeVolume(v.volume);
  return vols.map((v) => v.name);
}

/**
 * Volumes whose app no longer exists (destroyed without --volumes): kept, since they hold data,
 * but worth a line in the log. Their owner/app and berth.yml name.
 */
export async function orphanVolumes(deps: Deps): Promise<{ owner: string; app: string; name: string; volume: string }[]> {
  const vols = await deps.scheduler.listVolumes({ [LABELS.instance]: deps.instanceId });
  return vols
    .map((v) => ({ owner: v.labels[LABELS.owner] ?? '', app: v.labels[LABELS.app] ?? '', name: v.labels[VOLUME_LABEL] ?? v.name, volume: v.name }))
    .filter((v) => v.owner && v.app && !deps.db.apps.find(v.owner, v.app))
    .sort((a, b) => a.volume.localeCompare(b.volume));
}
