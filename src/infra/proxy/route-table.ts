// The pure half of the proxy: from the list of routed apps to the whole Caddy JSON config.
// No I/O here, so every routing rule is unit-tested; caddy.ts applies the result atomically.

export interface RoutedApp {
  /** Unique among routed apps, e.g. owner/name. */
  name: string;
  /** Host names that reach this app, e.g. myapp.localhost and its custom domains. */
  hosts: string[];
  /** Path prefix on any host, e.g. /owner/myapp; stripped before the app sees the request. */
  pathPrefix: string;
  /** host:port of each healthy container; empty when the app has no running release. */
  upstreams: string[];
}

export interface RouteTableParams {
  apps: RoutedApp[];
  /** Caddy's admin address, kept in every config so loading one never moves the admin API. */
  adminListen: string;
  httpPort: number;
}

type Handler = Record<string, unknown>;
interface Route {
  '@id'?: string;
  match?: Record<string, string[]>[];
  handle: Handler[];
  terminal?: boolean;
}

export interface CaddyConfig {
  admin: { listen: string };
  apps: { http: { servers: Record<string, { listen: string[]; automatic_https: { disable: boolean }; routes: Route[] }> } };
}

export const SERVER_NAME = 'berth';

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>body{font-family:system-ui,sans-serif;margin:15vh auto;max-width:34rem;padding:0 1rem;color:#1d2330}h1{font-size:1.4rem}p{color:#555}small{color:#999}</style></head><body><h1>${title}</h1><p>${text}</p><small>served by Berth</small></body></html>`;
}

const NOT_FOUND_PAGE = page('No app here', 'Berth has no app at this address. Check the URL, or run <code>berth apps</code> to list apps and their URLs.');

function proxy(upstreams: string[], extraHeaders: Record<string, string[]> = {}): Handler {
  return {
    handler: 'reverse_proxy',
    upstreams: upstreams.map((dial) => ({ dial })),
    load_balancing: { selection_policy: { policy: 'round_robin' }, try_duration: '2s', try_interval: '100ms' },
    // A container that stops answering is taken out of rotation at once (and retried after
    // 5 s), before Berth's event-driven route sync removes it for good.
    health_checks: { passive: { fail_duration: '5s', max_fails: 1 } },
    ...(Object.keys(extraHeaders).length > 0 ? { headers: { request: { set: extraHeaders } } } : {}),
  };
}

function target(app: RoutedApp, extraHeaders?: Record<string, string[]>): Handler {
  if (app.upstreams.length > 0) return proxy(app.upstreams, extraHeaders);
  return {
    handler: 'static_response',
    status_code: 503,
    headers: { 'Content-Type': ['text/html; charset=utf-8'], 'Retry-After': ['5'] },
    body: page('App not running', `The app <b>${app.name}</b> has no running release right now.`),
  };
}

/** The whole Caddy config for these apps: host routes first, then path routes, then a 404 page. */
export function routeTable(p: RouteTableParams): CaddyConfig {
  const apps = [...p.apps].sort((a, b) => a.name.localeCompare(b.name));
  const hostRoutes: Route[] = apps
    .filter((a) => a.hosts.length > 0)
    .map((a) => ({ '@id': `host-${a.name.replace('/', '.')}`, match: [{ host: a.hosts }], handle: [target(a)], terminal: true }));
  const pathRoutes: Route[] = apps.map((a) => ({
    '@id': `path-${a.name.replace('/', '.')}`,
    match: [{ path: [a.pathPrefix, `${a.pathPrefix}/*`] }],
    handle: [{ handler: 'rewrite', strip_path_prefix: a.pathPrefix }, target(a, { 'X-Forwarded-Prefix': [a.pathPrefix] })],
    terminal: true,
  }));
  const notFound: Route = {
    '@id': 'not-found',
    handle: [{ handler: 'static_response', status_code: 404, headers: { 'Content-Type': ['text/html; charset=utf-8'] }, body: NOT_FOUND_PAGE }],
  };
  return {
    admin: { listen: p.adminListen },
    apps: {
      http: {
        servers: {
          [SERVER_NAME]: { listen: [`:${p.httpPort}`], automatic_https: { disable: true }, routes: [...hostRoutes, ...pathRoutes, notFound] },
        },
      },
    },
  };
}
