// Makes the proxy match the database: every app with a running deployment is routed to its
// running containers; the whole table is computed, then applied in one atomic change.
import { routeTable, type RoutedApp } from '../../infra/proxy/route-table.js';
import { appHosts, appPathPrefix } from '../apps/urls.js';
import { LABELS, type Deps } from '../context.js';
import { SESSION_COOKIE } from '../users/sessions.js';

export interface RouteOverride {
  appId: number;
  upstreams: string[];
}

/** Upstreams (ip:port) of a deployment's web containers that are running now. */
export async function upstreamsOf(deps: Deps, containerIds: string[], port: number): Promise<string[]> {
  const infos = await Promise.all(containerIds.map((id) => deps.docker.inspect(id)));
  return infos
    .filter((i) => i && i.state === 'running' && i.ip && (i.labels[LABELS.process] ?? 'web') === 'web')
    .map((i) => `${i!.ip}:${port}`);
}

/**
 * Applies the routes the database describes. `override` routes one app to given upstreams
 * instead, and keeps doing so for every sync until the caller clears it from
 * deps.routeOverrides (once the database records the switch).
 */
export async function syncRoutes(deps: Deps, override?: RouteOverride): Promise<void> {
  if (override) deps.routeOverrides.set(override.appId, override.upstreams);
  // Built inside the proxy's queue, from the database as it is when this change applies.
  await deps.proxy.apply(async () => {
    // Every app's containers are asked about at once: a switch waits for the slowest, not the sum.
    const routed = await Promise.all(
      deps.db.apps.list().map(async (app): Promise<RoutedApp | null> => {
        let upstreams: string[];
        const pinned = deps.routeOverrides.get(app.id);
        if (pinned) {
          upstreams = pinned;
        } else {
          // An app with no running release gets no route at all: its URLs answer with the 404 page.
          const d = app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
          if (!d || d.status !== 'running' || !d.port) return null;
          // A release whose containers are all down answers 503 until they are back.
          upstreams = await upstreamsOf(deps, d.containers, d.port);
        }
        return { name: `${app.owner}/${app.name}`, hosts: appHosts(app, deps.config.domain), pathPrefix: deps.config.pathRoutes ? appPathPrefix(app) : null, upstreams };
      }),
    );
    const apps = routed.filter((a): a is RoutedApp => a !== null);
    return routeTable({ apps, adminListen: deps.config.caddyAdmin, listen: deps.proxy.routesListen, privateCookies: [SESSION_COOKIE] });
  });
}
