// Owners (a person or a team whose apps are theirs alone), their members, and what an admin
// allows them. Admins manage owners; members see the owners they belong to.
import { Conflict, Forbidden, NotFound } from '../../errors.js';
import type { Quotas } from '../../config.js';
import type { OwnerQuotas, OwnerRow } from '../../infra/db/rows.js';
import { DEFAULT_OWNER, validateOwnerName } from '../apps/names.js';
import type { Deps } from '../context.js';
import { ownerNetwork } from '../processes/process-containers.js';
import type { Principal } from '../users/tokens.js';
import { domainAllowed, normalizeCapabilities, normalizeDomains } from '../policy/grants.js';
import { ownerQuotas } from '../policy/quotas.js';

export interface OwnerView extends OwnerRow {
  members: string[];
  apps: number;
  /** The quotas that hold: the owner's own (`quotas`) where set, else the server's defaults. */
  limits: Quotas;
}

const view = (deps: Deps, o: OwnerRow): OwnerView => ({ ...o, members: deps.db.owners.members(o.name), apps: deps.db.owners.appCount(o.name), limits: ownerQuotas(deps, o.name) });

function requireAdmin(p: Principal): void {
  if (p.user.role !== 'admin') throw Forbidden('only admins manage owners');
}

function mustGet(deps: Deps, name: string): OwnerRow {
  const o = deps.db.owners.get(name);
  if (!o) throw NotFound(`owner ${name} does not exist`, { hint: 'run `berth owners` to list owners' });
  return o;
}

/** Admins see every owner; others the owners they are members of. */
export function listOwners(deps: Deps, p: Principal): OwnerView[] {
  const mine = p.user.role === 'admin' ? undefined : new Set(deps.db.users.ownersOf(p.user.id));
  return deps.db.owners
    .list()
    .filter((o) => !mine || mine.has(o.name))
    .map((o) => view(deps, o));
}

export function createOwner(deps: Deps, p: Principal, o: { name: string; domains?: string[] | undefined; capabilities?: string[] | undefined }): OwnerView {
  requireAdmin(p);
  const name = validateOwnerName(o.name);
  const domains = normalizeDomains(o.domains ?? [], deps.config.domain);
  const capabilities = normalizeCapabilities(o.capabilities ?? []);
  return deps.db.tx(() => {
    if (!deps.db.owners.ensure(name)) throw Conflict(`owner ${name} already exists`);
    deps.db.owners.update(name, { domains, capabilities });
    deps.db.events.add({ appId: null, subject: `owner:${name}`, kind: 'owner.created', message: `${p.user.name} created owner ${name}` });
    return view(deps, mustGet(deps, name));
  });
}

/**
 * Replaces what the owner is allowed. Taking back a domain or capability one of the owner's
 * apps uses is refused, naming the apps: they must give it up first.
 */
export function updateOwner(deps: Deps, p: Principal, name: string, s: { domains?: string[] | undefined; capabilities?: string[] | undefined; quotas?: Partial<OwnerQuotas> | undefined }): OwnerView {
  requireAdmin(p);
  const domains = s.domains && normalizeDomains(s.domains, deps.config.domain);
  const capabilities = s.capabilities && normalizeCapabilities(s.capabilities);
  return deps.db.tx(() => {
    const cur = mustGet(deps, name);
    const apps = deps.db.apps.list().filter((a) => a.owner === name);
    const next = { ...cur, ...(domains ? { domains } : {}), ...(capabilities ? { capabilities } : {}) };
    for (const a of apps) {
      const lostDomain = a.domains.find((d) => !domainAllowed(next, d));
      if (lostDomain) throw Conflict(`app ${a.name} uses ${lostDomain}; remove it from the app first (berth domains remove ${name}/${a.name} ${lostDomain})`);
      const lostCap = a.capabilities.find((c) => !next.capabilities.includes(c));
      if (lostCap) throw Conflict(`app ${a.name} declares capability ${lostCap}; remove it from its berth.yml and redeploy first`);
    }
    deps.db.owners.update(name, { domains, capabilities });
    // Lowering a quota below what the owner has is allowed: nothing is removed, nothing more is made.
    if (s.quotas) deps.db.owners.setQuotas(name, s.quotas);
    const limits = ownerQuotas(deps, name);
    deps.db.events.add({
      appId: null,
      subject: `owner:${name}`,
      kind: 'owner.updated',
      message: `${p.user.name} set owner ${name}: domains [${next.domains.join(', ')}], capabilities [${next.capabilities.join(', ')}], quotas apps ${limits.apps}, previews ${limits.previews}, runs ${limits.runs}`,
    });
    return view(deps, mustGet(deps, name));
  });
}

/** Deletes an owner without apps, with its memberships and its Docker network. */
export async function deleteOwner(deps: Deps, p: Principal, name: string): Promise<void> {
  requireAdmin(p);
  if (name === DEFAULT_OWNER) throw Conflict('the default owner cannot be deleted');
  deps.db.tx(() => {
    mustGet(deps, name);
    const apps = deps.db.owners.appCount(name);
    if (apps > 0) throw Conflict(`owner ${name} still has ${apps} app${apps > 1 ? 's' : ''}; destroy them first`);
    // Its add-ons' rows would go with it (ON DELETE CASCADE), leaving their containers and data behind.
    const addons = deps.db.addons.list().filter((a) => a.owner === name).map((a) => a.name);
    if (addons.length > 0) throw Conflict(`owner ${name} still has add-on(s) ${addons.join(', ')}; destroy them first (berth addons destroy NAME)`);
    deps.db.owners.delete(name);
    deps.db.events.add({ appId: null, subject: `owner:${name}`, kind: 'owner.deleted', message: `${p.user.name} deleted owner ${name}` });
  });
  await deps.networks.removeNetwork(ownerNetwork(deps, name)).catch((e: unknown) => deps.logger.warn({ err: e, owner: name }, 'removing the owner network failed'));
}

export function addMember(deps: Deps, p: Principal, owner: string, userName: string): OwnerView {
  requireAdmin(p);
  return deps.db.tx(() => {
    mustGet(deps, owner);
    const user = deps.db.users.byName(userName);
    if (!user) throw NotFound(`user ${userName} does not exist`);
    deps.db.users.addMembership(user.id, owner);
    deps.db.events.add({ appId: null, subject: `owner:${owner}`, kind: 'owner.member_added', message: `${p.user.name} added ${userName} to ${owner}` });
    return view(deps, mustGet(deps, owner));
  });
}

export function removeMember(deps: Deps, p: Principal, owner: string, userName: string): OwnerView {
  requireAdmin(p);
  return deps.db.tx(() => {
    mustGet(deps, owner);
    const user = deps.db.users.byName(userName);
    if (!user || !deps.db.owners.removeMember(user.id, owner)) throw NotFound(`${userName} is not a member of ${owner}`);
    deps.db.events.add({ appId: null, subject: `owner:${owner}`, kind: 'owner.member_removed', message: `${p.user.name} removed ${userName} from ${owner}` });
    return view(deps, mustGet(deps, owner));
  });
}
