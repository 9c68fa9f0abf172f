// The pure half of the proxy: from the list of routed apps to the whole config of the routing
// Caddy, and the fixed config of the edge Caddy in front of it. No I/O here, so every routing
// rule is unit-tested; caddy.ts applies the results atomically.
//
// Two Caddy processes, because Caddy 2.6 re-creates its TCP listeners on every config load
// (SO_REUSEPORT) and resets the connections still queued on the old socket: every deploy would
// drop a few requests. The edge owns the public port and its config never changes with a deploy;
// it hands each request over a unix socket to the routing Caddy, whose unix listener Caddy keeps
// (the same socket) across loads, so a reload loses nothing.

export interface RoutedApp {
  /** Unique among routed apps, e.g. owner/name. */
  name: string;
  /** Host names that reach this app, e.g. myapp.localhost and its custom domains. */
  hosts: string[];
  /** Path prefix on any host, e.g. /owner/myapp, stripped before the app sees the request; null: no path route. */
  pathPrefix: string | null;
  /** host:port of each healthy container; empty when the app has no running release. */
  upstreams: string[];
}

export interface RouteTableParams {
  apps: RoutedApp[];
  /** Caddy's admin address, kept in every config so loading one never moves the admin API. */
  adminListen: string;
  /** Where the routing Caddy listens: the edge's unix socket, e.g. unix//var/lib/berth/proxy/routes.sock. */
  listen: string;
  /**
   * Cookies of Berth's own (the dashboard's session) that are removed from every request an
   * app receives: browsers send a cookie to every port of its host, and an app must never see
   * them, whichever host or path it is reached by.
   */
  privateCookies: string[];
}

export interface EdgeParams {
  adminListen: string;
  /** The public HTTP port. */
  httpPort: number;
  /** The routing Caddy's listen address (a unix socket). */
  routes: string;
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
const EDGE_SERVER_NAME = 'berth-edge';
/** The edge tells the routing Caddy who the client is; it always overwrites what a client sent. */
const CLIENT_IP_HEADER = 'X-Berth-Client-Ip';

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>body{font-family:system-ui,sans-serif;margin:15vh auto;max-width:34rem;padding:0 1rem;color:#1d2330}h1{font-size:1.4rem}p{color:#555}small{color:#999}</style></head><body><h1>${title}</h1><p>${text}</p><small>served by Berth</small></body></html>`;
}

const NOT_FOUND_PAGE = page('No app here', 'Berth has no app at this address. Check the URL, or run <code>berth apps</code> to list apps and their URLs.');

/** Caddy header replacements that cut the named cookies out of a Cookie header. */
function cookieCuts(names: string[]): Record<string, { search_regexp: string; replace: string }[]> {
  if (names.length === 0) return {};
  const cuts = names.map((n) => ({ search_regexp: `(?:^|;\\s*)${n.replace(/[^A-Za-z0-9_]/g, '')}=[^;]*`, replace: '' }));
  // A cut at the start leaves "; rest": drop that separator too.
  return { Cookie: [...cuts, { search_regexp: '^;\\s*', replace: '' }] };
}

function proxy(upstreams: string[], privateCookies: string[], extraHeaders: Record<string, string[]> = {}): Handler {
  return {
    handler: 'reverse_proxy',
    upstreams: upstreams.map((dial) => ({ dial })),
    load_balancing: { selection_policy: { policy: 'round_robin' }, try_duration: '2s', try_interval: '100ms' },
    // A container that stops answering is taken out of rotation at once, before Berth's
    // event-driven route sync removes it. Retried after 1 s only: Berth routes a
    // restarted container as soon as its own check passes, and Caddy remembers a failure
    // across loads while the address stays in the config (Docker restarts a crash in 0.1 s, on
    // the same address), so a longer window kept a healthy container out for seconds. Shorter
    // than try_duration, a request meeting an app whose only upstream is out waits for it
    // rather than failing.
    health_checks: { passive: { fail_duration: '1s', max_fails: 1 } },
    // The request came from the edge over a unix socket, so Caddy cannot tell the client's
    // address itself: the usual X-Forwarded-* come from what the edge saw.
    headers: {
      request: {
        set: {
          'X-Forwarded-For': [`{http.request.header.${CLIENT_IP_HEADER}}`],
          'X-Forwarded-Proto': ['{http.request.header.X-Forwarded-Proto}'],
          'X-Forwarded-Host': ['{http.request.host}'],
          ...extraHeaders,
        },
        delete: [CLIENT_IP_HEADER],
        replace: cookieCuts(privateCookies),
      },
    },
  };
}

function target(app: RoutedApp, privateCookies: string[], extraHeaders?: Record<string, string[]>): Handler {
  if (app.upstreams.length > 0) return proxy(app.upstreams, privateCookies, extraHeaders);
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
    .map((a) => ({ '@id': `host-${a.name.replace('/', '.')}`, match: [{ host: a.hosts }], handle: [target(a, p.privateCookies)], terminal: true }));
  const pathRoutes: Route[] = apps.flatMap((a) =>
    a.pathPrefix === null
      ? []
      : [
          {
            '@id': `path-${a.name.replace('/', '.')}`,
            match: [{ path: [a.pathPrefix, `${a.pathPrefix}/*`] }],
            handle: [{ handler: 'rewrite', strip_path_prefix: a.pathPrefix }, target(a, p.privateCookies, { 'X-Forwarded-Prefix': [a.pathPrefix] })],
            terminal: true,
          },
        ],
  );
  const notFound: Route = {
    '@id': 'not-found',
    handle: [{ handler: 'static_response', status_code: 404, headers: { 'Content-Type': ['text/html; charset=utf-8'] }, body: NOT_FOUND_PAGE }],
  };
  return {
    admin: { listen: p.adminListen },
    apps: {
      http: {
        servers: {
          [SERVER_NAME]: { listen: [p.listen], automatic_https: { disable: true }, routes: [...hostRoutes, ...pathRoutes, notFound] },
        },
      },
    },
  };
}

/**
 * The edge Caddy's whole config: the public port, every request to the routing Caddy. It
 * depends only on the port and the socket, so a deploy never loads it.
 */
export function edgeConfig(p: EdgeParams): CaddyConfig {
  const toRoutes: Handler = {
    handler: 'reverse_proxy',
    upstreams: [{ dial: p.routes }],
    // While the routing Caddy restarts, requests wait for it rather than fail.
    load_balancing: { try_duration: '5s', try_interval: '50ms' },
    // A fresh unix connection per request costs microseconds, and none is ever caught idle
    // by a reload of the routing Caddy (which closes its idle connections).
    transport: { protocol: 'http', keep_alive: { enabled: false } },
    // The edge says `Server: Caddy` itself: the routing Caddy's (and the app's) is dropped, so a
    // response names its server once.
    headers: { request: { set: { [CLIENT_IP_HEADER]: ['{http.request.remote.host}'] } }, response: { delete: ['Server'] } },
  };
  return {
    admin: { listen: p.adminListen },
    apps: { http: { servers: { [EDGE_SERVER_NAME]: { listen: [`:${p.httpPort}`], automatic_https: { disable: true }, routes: [{ handle: [toRoutes] }] } } } },
  };
}
