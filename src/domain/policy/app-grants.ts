// Whether an app may have the domains and capabilities it asks for: what an admin allows its
// owner (grants.ts, pure), and no other app holding the domain.
import type { AppRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';
import { checkAppCapabilities, checkAppDomains, normalizeDomains } from './grants.js';

/** Throws (Forbidden / Conflict / Invalid) unless the app may have these domains and capabilities. */
export function checkGrants(deps: Deps, app: AppRow, s: { domains?: string[] | undefined; capabilities?: string[] | undefined }): void {
  const owner = deps.db.owners.get(app.owner);
  if (s.domains) checkAppDomains({ app, owner, domains: normalizeDomains(s.domains, deps.config.domain), others: deps.db.apps.list() });
  if (s.capabilities) checkAppCapabilities(owner, app.owner, s.capabilities);
}
