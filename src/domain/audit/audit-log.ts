// The audit log as users read it (http/auth.ts writes an entry for every change attempted):
// newest first, all of it or one app's.
import type { AuditRow } from '../../infra/db/audit-repo.js';
import type { Deps } from '../context.js';

/** The newest `limit` entries, of the app named `owner/name` when `app` is given. */
export const readAudit = (deps: Deps, q: { app?: string | undefined; limit: number }): AuditRow[] => deps.db.audit.list(q);
