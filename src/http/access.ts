// Which owners' apps a caller may see and change. Admins: all. Others: the owners they are
// members of. An app the caller may not see is "not found", never "forbidden": its existence
// is not disclosed. Every route declares what it acts on (`config.acts`: the app its :app
// names, the deployment or build its :id names), checked here on the route Fastify matched;
// a route that names one without declaring it is refused when it is registered.
import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import { getApp } from '../domain/apps/app-ref.js';
import type { Deps } from '../domain/context.js';
import { Forbidden, NotFound, Unauthorized } from '../errors.js';
import type { AppRow, DeploymentRow } from '../infra/db/rows.js';
import { needsUser, principalOf } from './auth.js';

/** A predicate over owners for the caller, or undefined for "every owner" (admins). */
export function visibility(deps: Deps, req: FastifyRequest): ((owner: string) => boolean) | undefined {
  const p = req.principal;
  if (!p) return () => false;
  if (p.user.role === 'admin') return undefined;
  const owners = new Set(deps.db.users.ownersOf(p.user.id));
  return (owner) => owners.has(owner);
}

/** Whether the caller may see (and, unless a viewer, change) the apps of `owner`. */
export const mayUse = (deps: Deps, req: FastifyRequest, owner: string): boolean => visibility(deps, req)?.(owner) ?? true;

/** The app `ref` names, if the caller may see it; its canonical `owner/name` for services. */
export function appFor(deps: Deps, req: FastifyRequest, ref: string): { app: AppRow; ref: string } {
  const app = getApp(deps, ref, visibility(deps, req));
  return { app, ref: `${app.owner}/${app.name}` };
}

/** Refuses to create under an owner the caller is not a member of. */
export function requireOwner(deps: Deps, req: FastifyRequest, owner: string): void {
  if (!mayUse(deps, req, owner)) throw Forbidden(`${req.principal!.user.name} is not a member of owner ${owner}`);
}

/** A deployment the caller may see (through its app). */
export function deploymentFor(deps: Deps, req: FastifyRequest, id: number): DeploymentRow {
  const d = deps.db.deployments.get(id);
  const app = d && deps.db.apps.get(d.appId);
  if (!d || !app || !mayUse(deps, req, app.owner)) throw NotFound(`deployment #${id} does not exist`);
  return d;
}

/** Ids are written one way: decimal digits, no sign, no leading zero, no exponent. */
const CANONICAL_ID = /^[1-9][0-9]{0,14}$/;

/**
 * The checks of one request on its matched route, by what the route declares it acts on: the
 * app (its :app rewritten to the canonical `owner/name`, so handlers and services never see an
 * ambiguous or foreign name), or the deployment or build its :id names. Any other spelling of
 * an id is "not found".
 */
function checkTargets(deps: Deps, req: FastifyRequest): void {
  const { acts, createsApp, goneApp } = req.routeOptions.config;
  if (!acts) return;
  const params = (req.params ?? {}) as { app?: string; id?: number | string };
  if (acts === 'app') {
    const ref = String(params.app);
    try {
      params.app = appFor(deps, req, ref).ref;
    } catch (e) {
      // Before validation the query string is not coerced yet: create is "true" here.
      const creating = createsApp === true && String((req.query as { create?: unknown }).create) === 'true';
      // Destroying with ?volumes=true an app destroyed before: what it left are its volumes.
      const leftovers = goneApp === true && String((req.query as { volumes?: unknown }).volumes) === 'true';
      if (!(creating || leftovers) || !(e instanceof Error) || !('code' in e) || e.code !== 'not_found') throw e;
      const owner = ref.includes('/') ? ref.split('/')[0]! : ((req.query as { owner?: string }).owner ?? 'default');
      requireOwner(deps, req, owner);
      if (leftovers) params.app = ref.includes('/') ? ref : `${owner}/${ref}`;
    }
    return;
  }
  const raw = String(params.id);
  if (!CANONICAL_ID.test(raw)) throw NotFound(`${acts} ${JSON.stringify(raw.slice(0, 30))} does not exist`);
  const id = Number(raw);
  params.id = id;
  if (acts === 'deployment') deploymentFor(deps, req, id);
  else {
    const d = deps.db.deployments.byBuild(id);
    if (!d || !mayUse(deps, req, deps.db.apps.get(d.appId)?.owner ?? '')) throw NotFound(`build #${id} does not exist`);
  }
}

/** The parameter that names what a route acts on. */
const TARGET_PARAM = { app: 'app', deployment: 'id', build: 'id' } as const;

/**
 * Refuses to register a route whose declaration and path disagree: one that names an app
 * (:app) without `acts: 'app'`, or declares a target its path has no parameter for. Checked
 * once, at start-up, so no route can forget its access check.
 */
export function checkDeclaration(route: { url: string; config?: FastifyContextConfig }): void {
  const params = new Set([...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]));
  const { auth, acts, createsApp } = route.config ?? {};
  // Routes that check their own credentials (git, webhooks) authorize in their handlers.
  if (auth !== undefined) return;
  if (params.has('app') && acts !== 'app') throw new Error(`route ${route.url} names an app: declare config.acts 'app'`);
  if (acts && !params.has(TARGET_PARAM[acts])) throw new Error(`route ${route.url} declares it acts on a ${acts} but has no :${TARGET_PARAM[acts]}`);
  if (createsApp && acts !== 'app') throw new Error(`route ${route.url} may create an app only with config.acts 'app'`);
}

/**
 * Re-runs authentication and the access checks for a request that stays open (log and event
 * streams): a revoked token, an ended session or a removed membership ends it.
 */
export function stillAllowed(deps: Deps, req: FastifyRequest): void {
  req.principal = principalOf(deps, req).principal;
  // The parameters are canonical by now, so checking them again changes nothing but the verdict.
  checkTargets(deps, req);
}

export function installAccess(app: FastifyInstance, deps: Deps): void {
  app.addHook('onRoute', (route) => checkDeclaration({ url: route.url, config: route.config }));
  // Before body validation: a caller who may not see the app learns nothing from a 400.
  app.addHook('preValidation', async (req) => {
    if (!needsUser(req)) return;
    if (!req.principal) throw Unauthorized('authentication required');
    checkTargets(deps, req);
  });
}
