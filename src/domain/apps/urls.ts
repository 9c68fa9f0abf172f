// Where an app answers: <app>.<domain> (default owner), <app>--<owner>.<domain>, its custom
// domains, and (where path routes are on) <domain>/<owner>/<app>.
import type { Config } from '../../config.js';
import type { AppRow } from '../../infra/db/rows.js';
import { DEFAULT_OWNER } from './names.js';

/**
 * The host label of an app: `<app>--<owner>`. Names never contain `--` nor start or end with a
 * dash, so the label splits back into exactly one (app, owner): no two apps of two tenants can
 * be given the same host (`foo` of owner `bar` is `foo--bar`, the default owner's `foo-bar` is
 * `foo-bar`). The default owner's apps also answer at the bare `<app>`, which has no `--`.
 */
export const hostLabel = (app: Pick<AppRow, 'name' | 'owner'>): string => `${app.name}--${app.owner}`;

/** The generated hosts of an app, then its custom domains. */
export function appHosts(app: Pick<AppRow, 'name' | 'owner' | 'domains'>, domain: string): string[] {
  return [...(app.owner === DEFAULT_OWNER ? [`${app.name}.${domain}`] : []), `${hostLabel(app)}.${domain}`, ...app.domains];
}

export function appPathPrefix(app: Pick<AppRow, 'name' | 'owner'>): string {
  return `/${app.owner}/${app.name}`;
}

/**
 * `https://<host>[:<httpsPort>]` where https is the way in: the edge has certificates and plain
 * http only redirects there. Null with Caddy's internal CA and no redirect (the local default:
 * http needs no trusted root) and with TLS off.
 */
export function httpsOrigin(host: string, config: Partial<Pick<Config, 'tls' | 'httpsPort' | 'httpsRedirect'>>): string | null {
  if (config.tls === undefined || config.tls === 'off' || config.httpsRedirect !== true) return null;
  return `https://${host}${config.httpsPort === 443 ? '' : `:${config.httpsPort}`}`;
}

/**
 * The URLs a user can open: by host first, then by path (only where path routes are on: every
 * path-routed app shares the origin of <domain>, see Config.pathRoutes). https where plain http
 * would only redirect there (an app with `tls: false` stays on http); with Caddy's internal CA
 * and no redirect (the local default) http, which needs no trusted root.
 */
export function appUrls(
  app: Pick<AppRow, 'name' | 'owner' | 'domains'> & { tls?: boolean },
  config: Pick<Config, 'domain' | 'httpPort' | 'pathRoutes'> & Partial<Pick<Config, 'tls' | 'httpsPort' | 'httpsRedirect'>>,
): string[] {
  const base = (host: string): string => (app.tls !== false ? httpsOrigin(host, config) : null) ?? `http://${host}${config.httpPort === 80 ? '' : `:${config.httpPort}`}`;
  const byPath = config.pathRoutes ? [`${base(config.domain)}${appPathPrefix(app)}`] : [];
  return [...appHosts(app, config.domain).map(base), ...byPath];
}
