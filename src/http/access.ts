// Which owners' apps a caller may see and change. Admins: all. Others: the owners they are
// members of. An app the caller may not see is "not found", never "forbidden": its existence
// is not disclosed. Every route that names an app, a deployment or a build goes through here.
import type { FastifyRequest } from 'fastify';
import { getApp } from '../domain/apps/app-service.js';
import type { Deps } from '../domain/context.js';
import { Forbidden, NotFound } from '../errors.js';
import type { AppRow } from '../infra/db/rows.js';

/** A predicate over owners for the caller, or undefined for "every owner" (admins). */
export function visibility(deps: Deps, req: FastifyRequest): ((owner: string) => boolean) | undefined {
  const p = req.principal;
  if (!p || p.user.role === 'admin') return undefined;
  const owners = new Set(deps.db.users.ownersOf(p.user.id));
  return (owner) => owners.has(owner);
}

/** The app `ref` names, if the caller may see it; its canonical `owner/name` for services. */
export function appFor(deps: Deps, req: FastifyRequest, ref: string): { app: AppRow; ref: string } {
  const app = getApp(deps, ref, visibility(deps, req));
  return { app, ref: `${app.owner}/${app.name}` };
}

/** Refuses to create under an owner the caller is not a member of. */
export function requireOwner(deps: Deps, req: FastifyRequest, owner: string): void {
  const visible = visibility(deps, req);
  if (visible && !visible(owner)) throw Forbidden(`${req.principal!.user.name} is not a member of owner ${owner}`);
}

/** A deployment the caller may see (through its app). */
export function deploymentFor(deps: Deps, req: FastifyRequest, id: number) {
  const d = deps.db.deployments.get(id);
  const app = d && deps.db.apps.get(d.appId);
  const visible = visibility(deps, req);
  if (!d || !app || (visible && !visible(app.owner))) throw NotFound(`deployment #${id} does not exist`);
  return d;
}

/**
 * For every route with an :app parameter, checks the caller may see the app and rewrites the
 * parameter to its canonical `owner/name`, so handlers and services never see an ambiguous or
 * foreign name. Deploy routes with ?create=true may name an app that does not exist yet,
 * under an owner the caller belongs to. Routes with a deployment or build :id are checked too.
 */
export function installAccess(app: import('fastify').FastifyInstance, deps: Deps): void {
  // Before body validation: a caller who may not see the app learns nothing from a 400.
  app.addHook('preValidation', async (req) => {
    if (!req.principal) return;
    const params = (req.params ?? {}) as { app?: string; id?: number | string };
    if (typeof params.id === 'string' && /^\d+$/.test(params.id)) params.id = Number(params.id);
    const route = req.routeOptions.url ?? '';
    if (typeof params.app === 'string') {
      try {
        params.app = appFor(deps, req, params.app).ref;
      } catch (e) {
        // Before validation the query string is not coerced yet: create is "true" here.
        const creating = route.includes('/deploys') && String((req.query as { create?: unknown }).create) === 'true';
        if (!creating || !(e instanceof Error) || !('code' in e) || e.code !== 'not_found') throw e;
        const owner = params.app.includes('/') ? params.app.split('/')[0]! : ((req.query as { owner?: string }).owner ?? 'default');
        requireOwner(deps, req, owner);
      }
    }
    if (typeof params.id === 'number') {
      if (route.startsWith('/api/v1/deployments/')) deploymentFor(deps, req, params.id);
      if (route.startsWith('/api/v1/builds/')) {
        const d = deps.db.deployments.byBuild(params.id);
        if (!d) throw NotFound(`build #${params.id} does not exist`);
        try {
          deploymentFor(deps, req, d.id);
        } catch {
          throw NotFound(`build #${params.id} does not exist`);
        }
      }
    }
  });
}
