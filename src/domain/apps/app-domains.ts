// An app's custom domains and declared capabilities, within what an admin allows its owner.
// Domain changes take effect in the proxy at once; capabilities with the next containers.
import type { AppRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';
import { checkAppCapabilities, checkAppDomains, normalizeDomains } from '../owners/grants.js';
import { syncRoutes } from '../routing/sync-routes.js';

/** Throws (Forbidden / Conflict / Invalid) unless the app may have these domains and capabilities. */
export function checkGrants(deps: Deps, app: AppRow, s: { domains?: string[] | undefined; capabilities?: string[] | undefined }): void {
  const owner = deps.db.owners.get(app.owner);
  if (s.domains) checkAppDomains({ app, owner, domains: normalizeDomains(s.domains, deps.config.domain), others: deps.db.apps.list() });
  if (s.capabilities) checkAppCapabilities(owner, app.owner, s.capabilities);
}

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
