// The address users and forges reach the API at from elsewhere: git remotes and webhook URLs
// name it. With TLS on, that is the edge's https host for the API (BERTH_API_HOST).
import type { Config } from '../../config.js';

/** `https://<apiHost>[:<httpsPort>]` when the edge serves the API over TLS; null with BERTH_TLS=off (pure). */
export function publicApiUrl(config: Pick<Config, 'tls' | 'apiHost' | 'httpsPort'>): string | null {
  if (config.tls === 'off') return null;
  return `https://${config.apiHost}${config.httpsPort === 443 ? '' : `:${config.httpsPort}`}`;
}
