// Makes the proxy match the database: every app with a running deployment is routed to its
// running containers; the whole table is computed, then put in force in one change.
import { appHosts, appPathPrefix } from '../apps/urls.js';
import { LABELS, type Deps } from '../context.js';
import type { RoutedApp } from '../ports.js';

/** Upstreams (ip:port) of a deployment's web containers that are running now (and not failing an app.json readiness check). */
export async function upstreamsOf(deps: Deps, containerIds: string[], port: number): Promise<string[]> {
  const unready = deps.unreadyContainers?.();
  const infos = await Promise.all(containerIds.filter((id) => !unready?.has(id)).map((id) => deps.scheduler.inspect(id)));
  return infos
    .filter((i) => i && i.state === 'running' && i.ip && (i.labels[LABELS.process] ?? 'web') === 'web')
    .map((i) => `${i!.ip}:${port}`);
}

/**
 * Applies the routes the database describes: each app to its current release, or to the
 * deployment a deploy's switch pinned (AppRow.routingDeploymentId) with that release's domains.
 */
export async function syncRoutes(deps: Deps): Promise<void> {
  // Built inside the proxy's queue, from the database as it is when this change applies.
  await deps.proxy.apply(async () => {
    // Every app's containers are asked about at once: a switch waits for the slowest, not the sum.
    const routed = await Promise.all(
      deps.db.apps.list().map(async (app): Promise<RoutedApp | null> => {
        // A pin of a deploy that has since failed or stopped is ignored (reconcile clears it).
        const pin = app.routingDeploymentId !== null ? deps.db.deployments.get(app.routingDeploymentId) : undefined;
        const pinned = pin && (pin.status === 'starting' || pin.status === 'running') ? pin : undefined;
        const d = pinned ?? (app.currentDeploymentId !== null ? deps.db.deployments.get(app.currentDeploymentId) : undefined);
        // An app with no running release gets no route at all: its URLs answer with the 404 page.
        if (!d || !d.port || !(d.status === 'running' || d === pinned)) return null;
        // A release whose containers are all down answers 503 until they are back.
        const upstreams = await upstreamsOf(deps, d.containers, d.port);
        const hosts = appHosts(d === pinned && d.spec ? { ...app, domains: d.spec.domains } : app, deps.config.domain);
        return {
          name: `${app.owner}/${app.name}`,
          hosts,
          pathPrefix: deps.config.pathRoutes ? appPathPrefix(app) : null,
          upstreams,
          tls: d.spec?.tls ?? app.tls,
          hsts: d.spec?.hsts ?? app.hsts,
        };
      }),
    );
    return routed.filter((a): a is RoutedApp => a !== null);
  });
}
