// The edge Caddy's whole config, pure. It depends only on Berth's own settings (ports, TLS, the
// API host, the router's address), never on apps: Caddy 2.6 reloads the whole process on any
// config change, resetting connections, so a deploy must not change it. Per-app state reaches
// the edge as DNS answers from the router (router-table.ts), and certificates are issued on
// demand for the hosts the router's `ask` allows.
import { REFRESH_MS, ZONE } from './router-table.js';

export interface EdgeParams {
  adminListen: string;
  httpPort: number;
  httpsPort: number;
  tls: 'acme' | 'internal' | 'off';
  /** Plain http to a host with a certificate answers 308 to https (done by the router). */
  redirect: boolean;
  /** Caddy's storage: certificates, ACME accounts, the internal CA. */
  storageDir: string;
  /** The router's loopback host:port (DNS on UDP, ask and fallback pages on TCP). */
  router: string;
  /** Berth's own API, dashboard, git and webhooks at this host, proxied to `api.upstream` (loopback). */
  api: { host: string; upstream: string };
  /** The bare domain: with pathRoutes, requests to it (or to an IP address) route by /<owner>/<app>. */
  domain: string;
  pathRoutes: boolean;
  acme: { ca: string; email: string; caRoot: string };
  /** Cookies of Berth's own (the dashboard session) cut from every request an app receives. */
  privateCookies: string[];
}

type Handler = Record<string, unknown>;
interface Route {
  match?: Record<string, unknown>[];
  handle: Handler[];
  terminal?: boolean;
}

export interface CaddyConfig {
  admin: { listen: string; config?: { persist: boolean } };
  logging?: Record<string, unknown>;
  storage?: Record<string, unknown>;
  apps: Record<string, unknown>;
}

/** Caddy header replacements that cut the named cookies out of a Cookie header. */
function cookieCuts(names: string[]): Record<string, { search_regexp: string; replace: string }[]> {
  if (names.length === 0) return {};
  const cuts = names.map((n) => ({ search_regexp: `(?:^|;\\s*)${n.replace(/[^A-Za-z0-9_]/g, '')}=[^;]*`, replace: '' }));
  // A cut at the start leaves "; rest": drop that separator too.
  return { Cookie: [...cuts, { search_regexp: '^;\\s*', replace: '' }] };
}

/** One year, the max-age HSTS preload lists ask for. */
export const HSTS_MAX_AGE = 31_536_000;

/**
 * Handlers that set Strict-Transport-Security on a response whose upstream the router named
 * `*.hsts.berth.` (an app with `hsts: true`), and nothing on others. `map` fills both the header
 * name and value: a header whose name comes out empty is not sent, while an empty value would
 * be (and would overwrite the app's own). Placeholders of a map are evaluated when used, here
 * after the upstream answered.
 */
const hstsMap: Handler = {
  handler: 'map',
  source: '{http.reverse_proxy.upstream.host}',
  destinations: ['{berth.hsts_name}', '{berth.hsts_value}'],
  mappings: [{ input_regexp: `\\.hsts\\.${ZONE}\\.?$`, outputs: ['Strict-Transport-Security', `max-age=${HSTS_MAX_AGE}`] }],
  defaults: ['', ''],
};

/** `{http.request.host}` keeps a trailing dot (`app.example.com.`), which would make the lookup name invalid: cut it. */
const hostMap: Handler = {
  handler: 'map',
  source: '{http.request.host}',
  destinations: ['{berth.host}'],
  mappings: [{ input_regexp: '^(.*[^.])\\.+$', outputs: ['${1}'] }],
  defaults: ['{http.request.host}'],
};

/** A reverse proxy to the containers the router names for `name` (an SRV lookup per request, cached REFRESH_MS). */
function lookupProxy(p: EdgeParams, name: string, extraHeaders: Record<string, string[]> = {}, hsts = false): Handler {
  const resolver = { addresses: [`udp/${p.router}`] };
  return {
    handler: 'reverse_proxy',
    dynamic_upstreams: { source: 'srv', name, refresh: `${REFRESH_MS}ms`, resolver },
    // Used only when the lookup itself fails (the router down): its pages, or a 502.
    upstreams: [{ dial: p.router }],
    load_balancing: { selection_policy: { policy: 'round_robin' }, try_duration: '2s', try_interval: '100ms' },
    health_checks: { passive: { fail_duration: '1s', max_fails: 1 } },
    // Connections to containers are kept alive (nothing ever reloads this config to close them).
    transport: { protocol: 'http', resolver, keep_alive: { enabled: true, max_idle_conns_per_host: 256, idle_timeout: '2m' } },
    headers: {
      request: {
        ...(Object.keys(extraHeaders).length > 0 ? { set: extraHeaders } : {}),
        // Older Berths told apps the client's address in this header: one a client sends is never passed on.
        delete: ['X-Berth-Client-Ip'],
        replace: cookieCuts(p.privateCookies),
      },
      // The edge says `Server: Caddy` itself: an app's own is dropped, so a response names its server once.
      response: { delete: ['Server'], ...(hsts ? { set: { '{berth.hsts_name}': ['{berth.hsts_value}'] } } : {}) },
    },
  };
}

const hostName = (space: 'host' | 'plain'): string => `_web._tcp.{berth.host}.${space}.${ZONE}.`;

function apiRoute(p: EdgeParams): Route {
  return {
    match: [{ host: [p.api.host] }],
    // flush_interval -1: event streams and git's pack output reach the client as they are written.
    handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: p.api.upstream }], flush_interval: -1 }],
    terminal: true,
  };
}

/** Path routes: on the bare domain or an IP address, /<owner>/<app>/… goes to that app with the prefix cut. */
function pathRoute(p: EdgeParams, https: boolean): Route {
  // The segments are kept before the rewrite cuts them: the lookup and the header need them after.
  const prefix = '/{http.vars.berth_owner}/{http.vars.berth_app}';
  return {
    match: [
      { host: [p.domain], path_regexp: { name: 'app', pattern: '^/[^/]+/[^/]+' } },
      { vars_regexp: { '{http.request.host}': { name: 'ip', pattern: '^[0-9.]+$' } }, path_regexp: { name: 'app', pattern: '^/[^/]+/[^/]+' } },
    ],
    handle: [
      { handler: 'vars', berth_owner: '{http.request.uri.path.0}', berth_app: '{http.request.uri.path.1}' },
      { handler: 'rewrite', strip_path_prefix: prefix },
      ...(https ? [hstsMap] : []),
      lookupProxy(p, `_web._tcp.{http.vars.berth_owner}.{http.vars.berth_app}.path.${ZONE}.`, { 'X-Forwarded-Prefix': [prefix] }, https),
    ],
    terminal: true,
  };
}

/** The routes of a server that serves apps (https, or http without the redirect); HSTS only over https. */
function appRoutes(p: EdgeParams, https: boolean): Route[] {
  return [
    apiRoute(p),
    ...(p.pathRoutes ? [pathRoute(p, https)] : []),
    { handle: [hostMap, ...(https ? [hstsMap] : []), lookupProxy(p, hostName('host'), {}, https)] },
  ];
}

function tlsApp(p: EdgeParams): Record<string, unknown> {
  const issuer =
    p.tls === 'internal'
      ? { module: 'internal' }
      : {
          module: 'acme',
          ca: p.acme.ca,
          ...(p.acme.email ? { email: p.acme.email } : {}),
          ...(p.acme.caRoot ? { trusted_roots_pem_files: [p.acme.caRoot] } : {}),
          challenges: { http: { alternate_port: p.httpPort }, 'tls-alpn': { alternate_port: p.httpsPort } },
        };
  return {
    automation: {
      // Every certificate is got on first use, for a host the router says is routed right now:
      // nobody can make Berth ask a CA for an arbitrary name.
      on_demand: { ask: `http://${p.router}/internal/tls-ask` },
      policies: [{ on_demand: true, issuers: [issuer] }],
    },
  };
}

export function edgeConfig(p: EdgeParams): CaddyConfig {
  const servers: Record<string, unknown> = {};
  const plain: Route[] = p.tls !== 'off' && p.redirect ? [{ handle: [hostMap, lookupProxy(p, hostName('plain'))] }] : appRoutes(p, false);
  servers['berth-http'] = { listen: [`:${p.httpPort}`], routes: plain, automatic_https: { disable_redirects: true } };
  if (p.tls !== 'off') {
    servers['berth-https'] = {
      listen: [`:${p.httpsPort}`],
      routes: appRoutes(p, true),
      tls_connection_policies: [{}],
      // No HTTP/3: it would need UDP on the port too, and the HSTS map's empty header name is
      // dropped by HTTP/1.1 and HTTP/2 only.
      protocols: ['h1', 'h2'],
      // The hosts named in this config get their certificates on demand too, like every app's:
      // none is ordered at start.
      automatic_https: { disable_redirects: true, skip_certificates: [p.api.host, ...(p.pathRoutes ? [p.domain] : [])] },
    };
  }
  return {
    // Berth keeps the config file itself; Caddy's autosave would write to its HOME on every load.
    admin: { listen: p.adminListen, config: { persist: false } },
    storage: { module: 'file_system', root: p.storageDir },
    // Unknown hosts make a failed lookup per request, and the proxy watch asks the admin API
    // twice a second: neither belongs in the log. Dial errors still go to http.log.error.
    logging: { logs: { default: { exclude: ['http.handlers.reverse_proxy', 'admin.api'] } } },
    apps: {
      http: { http_port: p.httpPort, https_port: p.httpsPort, servers },
      ...(p.tls !== 'off' ? { tls: tlsApp(p) } : {}),
      // Caddy would add its internal CA's root to the host's trust store (it runs as root):
      // Berth never changes what the host trusts. `berth tls ca` hands the root out instead.
      ...(p.tls !== 'off' ? { pki: { certificate_authorities: { local: { install_trust: false } } } } : {}),
    },
  };
}
