// Where an app answers: <app>.<domain>, its custom domains, and <domain>/<owner>/<app>.
import type { Config } from '../../config.js';
import type { AppRow } from '../../infra/db/rows.js';

/**
 * <app>-<owner>.<domain> for every app; the default owner's apps also answer at <app>.<domain>;
 * then the app's custom domains.
 */
export function appHosts(app: Pick<AppRow, 'name' | 'owner' | 'domains'>, domain: string): string[] {
  return [...(app.owner === 'default' ? [`${app.name}.${domain}`] : []), `${app.name}-${app.owner}.${domain}`, ...app.domains];
}

export function appPathPrefix(app: Pick<AppRow, 'name' | 'owner'>): string {
  return `/${app.owner}/${app.name}`;
}

/** The URLs a user can open: by host first, then by path. */
export function appUrls(app: Pick<AppRow, 'name' | 'owner' | 'domains'>, config: Pick<Config, 'domain' | 'httpPort'>): string[] {
  const port = config.httpPort === 80 ? '' : `:${config.httpPort}`;
  return [...appHosts(app, config.domain).map((h) => `http://${h}${port}`), `http://${config.domain}${port}${appPathPrefix(app)}`];
}
