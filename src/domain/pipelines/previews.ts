// Preview apps: a temporary copy of an app for a pull request (or a branch), named
// <app>-pr-<n>, with the parent's config (overridable on the preview), its own URL, and an
// expiry; closing the pull request or `berth preview destroy` removes it, and so does time.
import { Conflict, NotFound } from '../../errors.js';
import type { AppRow } from '../../infra/db/rows.js';
import { destroyApp } from '../catalog/app-service.js';
import { insertApp } from '../apps/app-ref.js';
import { readConfig, storeConfig } from '../config-vars/config-service.js';
import type { Deps } from '../context.js';
import { startDeploy, type DeploySource, type StartedDeploy } from '../deploys/deploy-service.js';

/** <parent>-pr-<n>, the parent's name shortened to keep within the 30-character limit. */
export function previewName(parent: string, n: number): string {
  const suffix = `-pr-${n}`;
  return `${parent.slice(0, 30 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export const listPreviews = (deps: Deps, parent: AppRow): AppRow[] => deps.db.apps.list().filter((a) => a.parentAppId === parent.id);

const findPreview = (deps: Deps, parent: AppRow, n: number): AppRow | undefined => listPreviews(deps, parent).find((a) => a.prNumber === n);

/** The lowest number no preview of the parent uses (previews made from a branch, not a PR). */
export function nextPreviewNumber(deps: Deps, parent: AppRow): number {
  const used = new Set(listPreviews(deps, parent).map((a) => a.prNumber));
  let n = 1;
  while (used.has(n)) n++;
  return n;
}

export interface PreviewParams {
  number: number;
  source: DeploySource;
  /** See StartDeployParams.localSources. */
  localSources?: boolean;
  /**
   * Whether a new preview gets the parent's config vars (default true). Code from a fork's
   * pull request must not run with the parent's secrets unless an admin allowed it.
   */
  parentConfig?: boolean;
}

/** Creates the preview (or updates it with a new commit) and deploys it; each deploy renews its expiry. */
export async function upsertPreview(deps: Deps, parent: AppRow, p: PreviewParams): Promise<StartedDeploy> {
  if (parent.parentAppId !== null) throw Conflict(`${parent.name} is itself a preview`);
  const expiresAt = new Date(Date.now() + deps.config.previewTtlHours * 3_600_000).toISOString();
  const name = previewName(parent.name, p.number);
  deps.db.tx(() => {
    let preview = findPreview(deps, parent, p.number);
    if (!preview) {
      if (deps.db.apps.find(parent.owner, name)) throw Conflict(`an app ${parent.owner}/${name} exists and is not a preview of ${parent.name}`);
      preview = insertApp(deps, { name, owner: parent.owner, preview: true });
      // The parent's settings and config; later changes on the preview are its own.
      deps.db.apps.update(preview.id, { port: parent.port, healthcheck: parent.healthcheck, env: parent.env, capabilities: parent.capabilities });
      deps.db.apps.setFormation(preview.id, parent.formation);
      if (p.parentConfig !== false) storeConfig(deps, preview.id, readConfig(deps, parent.id));
    }
    deps.db.apps.setPreview(preview.id, { parentId: parent.id, prNumber: p.number, expiresAt });
  });
  return startDeploy(deps, { appName: `${parent.owner}/${name}`, source: p.source, ...(p.localSources ? { localSources: true } : {}) });
}

/** Destroys the parent's preview for `n`; false when there is none. */
export async function destroyPreview(deps: Deps, parent: AppRow, n: number): Promise<boolean> {
  const preview = findPreview(deps, parent, n);
  if (!preview) return false;
  // A preview's volumes are its own (empty at first, never the parent's data) and go with it.
  await destroyApp(deps, `${preview.owner}/${preview.name}`, { volumes: true });
  return true;
}

/** Destroys every preview whose time is up; returns their names. */
export async function sweepExpiredPreviews(deps: Deps): Promise<string[]> {
  const gone: string[] = [];
  for (const a of deps.db.apps.expired(new Date().toISOString())) {
    try {
      await destroyApp(deps, `${a.owner}/${a.name}`, { volumes: true });
      gone.push(`${a.owner}/${a.name}`);
    } catch (e) {
      if (!(e instanceof Error && 'code' in e && e.code === 'not_found')) throw e;
    }
  }
  return gone;
}

export const requirePreview = (deps: Deps, parent: AppRow, n: number): AppRow => {
  const p = findPreview(deps, parent, n);
  if (!p) throw NotFound(`${parent.name} has no preview #${n}`);
  return p;
};
