// Changing an app's custom domains, within what an admin allows its owner: in the proxy at once.
import { certificateStatus, type HostCertificate } from '../tls/tls-status.js';
import type { AppRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';
import { checkGrants } from '../policy/app-grants.js';
import { normalizeDomains } from '../policy/grants.js';
import { syncRoutes } from '../routing/sync-routes.js';

/** Replaces the app's custom domains and routes them. Returns the new list. */
export async function setAppDomains(deps: Deps, app: AppRow, domains: string[]): Promise<string[]> {
  const next = normalizeDomains(domains, deps.config.domain);
  deps.db.tx(() => {
    // Checked inside the transaction: two apps cannot claim one domain at the same moment.
    checkGrants(deps, app, { domains: next });
    deps.db.apps.update(app.id, { domains: next });
    deps.db.events.add({ appId: app.id, subject: `app:${app.id}`, kind: 'app.domains', message: `domains: ${next.join(', ') || '(none)'}` });
  });
  await syncRoutes(deps);
  return next;
}

/** An app's custom domains and those an admin allows its owner (each entry and its subdomains), and the certificate of each of its hosts. */
export function appDomains(deps: Deps, app: AppRow): { domains: string[]; allowed: string[]; certificates: HostCertificate[] } {
  return { domains: app.domains, allowed: deps.db.owners.get(app.owner)?.domains ?? [], certificates: certificateStatus(deps, [app], false) };
}
