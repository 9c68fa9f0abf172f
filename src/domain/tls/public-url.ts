// The address users and forges reach the API at from elsewhere: git remotes and webhook URLs
// name it. Where https is the way in (acme, or a redirect to it), that is the edge's https host
// for the API (BERTH_API_HOST); with Caddy's internal CA and no redirect (the local default) the
// address the caller used, which needs no root installed first.
import type { Config } from '../../config.js';
import { httpsOrigin } from '../apps/urls.js';

/** `https://<apiHost>[:<httpsPort>]` when https is the way in (as for apps); null otherwise: the caller's own address then (pure). */
export function publicApiUrl(config: Pick<Config, 'tls' | 'apiHost' | 'httpsPort' | 'httpsRedirect'>): string | null {
  return httpsOrigin(config.apiHost, config);
}
