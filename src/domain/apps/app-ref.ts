// An app by its name: the one spelling that never gets ambiguous (owner/name), resolving what
// a user typed, inserting a new app's row, and the limits it runs with. Used by every layer
// above apps/ (deploys, processes, catalog, ...), so it imports only what sits below.
import { Conflict, NotFound } from '../../errors.js';
import type { AppRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';
import { checkAppQuota } from '../policy/quotas.js';
import { appHosts } from './urls.js';

/** The app's limits per container, the server's defaults filled in. */
export const effectiveLimits = (deps: Deps, app: AppRow): { memoryMb: number; cpus: number } => ({
  memoryMb: app.limits.memoryMb ?? deps.config.defaultMemoryMb,
  cpus: app.limits.cpus ?? deps.config.defaultCpus,
});

/** Inserts a checked, new app inside the caller's transaction; its owner comes into being with it. */
export function insertApp(deps: Deps, p: { name: string; owner: string; port?: number | undefined; /** Counts against the owner's previews quota instead of its apps. */ preview?: boolean }): AppRow {
  // Callers have checked who may create under the owner.
  // Hosts are built so that two apps cannot share one (urls.ts); this guards against any
  // other way a host could be taken (a custom domain, a future naming rule).
  const hosts = appHosts({ name: p.name, owner: p.owner, domains: [] }, deps.config.domain);
  for (const other of deps.db.apps.list()) {
    const taken = appHosts(other, deps.config.domain).find((h) => hosts.includes(h));
    if (taken) throw Conflict(`the host ${taken} already belongs to app ${appRef(other)}`);
  }
  checkAppQuota(deps, p.owner, p.preview ? 'previews' : 'apps');
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
