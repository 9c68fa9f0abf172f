// One delivery attempt to one endpoint, and the notification a recorded event makes. Shared by
// the background notifier and `berth notify test`. Never throws: the outcome says what happened.
import { messageOf } from '../../errors.js';
import type { EventRow } from '../../infra/db/rows.js';
import type { NotifyEndpointRow } from '../../infra/db/notify-repo.js';
import { appUrls } from '../apps/urls.js';
import type { Deps } from '../context.js';
import { notifyEventOf, type NotifyEventSpec } from './events.js';
import { render, type Notification } from './message.js';
import { checkNotifyUrl } from './url-policy.js';

export interface AttemptOutcome {
  ok: boolean;
  /** The receiver's HTTP status; null when none answered. */
  code: number | null;
  /** Why it failed, in one line (never the URL: it carries a token). */
  error: string | null;
}

/** The owner and notification a recorded event makes, or undefined for events nobody is notified of. */
export function notificationOf(deps: Deps, e: EventRow): { spec: NotifyEventSpec; owner: string; notification: Notification } | undefined {
  const spec = notifyEventOf(e.kind);
  if (!spec) return undefined;
  const app = e.appId !== null ? deps.db.apps.get(e.appId) : undefined;
  if (app) {
    const url = appUrls(app, deps.config)[0];
    return { spec, owner: app.owner, notification: { event: spec.name, owner: app.owner, app: app.name, message: e.message, at: e.createdAt, ...(url ? { url } : {}) } };
  }
  // An event of no app (an add-on's backup) names its owner; an app destroyed since, without
  // one, has no owner to tell.
  if (e.owner === null) return undefined;
  return { spec, owner: e.owner, notification: { event: spec.name, owner: e.owner, app: null, message: e.message, at: e.createdAt } };
}

/** Sends one notification to the endpoint, once: ok on a 2xx answer. */
export async function attempt(deps: Deps, ep: NotifyEndpointRow, spec: NotifyEventSpec, n: Notification, o: { signal?: AbortSignal; deliveryId?: string } = {}): Promise<AttemptOutcome> {
  const send = deps.notifySend;
  if (!send) return { ok: false, code: null, error: 'this server sends no notifications' };
  let url: string;
  let secret: string | null;
  try {
    url = deps.secrets.open(ep.sealedUrl);
    secret = ep.sealedSecret ? deps.secrets.open(ep.sealedSecret) : null;
  } catch {
    return { ok: false, code: null, error: "the endpoint's sealed URL cannot be opened with this server's key" };
  }
  try {
    // Checked again on every send: the admin may have turned BERTH_NOTIFY_ALLOW_PRIVATE off since.
    checkNotifyUrl(url, deps.config.notifyAllowPrivate);
    const req = render({ kind: ep.kind, secret, spec, notification: n, ...(o.deliveryId ? { deliveryId: o.deliveryId } : {}) });
    const { status } = await send({ url, body: req.body, headers: req.headers, ...(o.signal ? { signal: o.signal } : {}) });
    if (status >= 200 && status < 300) return { ok: true, code: status, error: null };
    if (status >= 300 && status < 400) return { ok: false, code: status, error: `HTTP ${status}: redirects are not followed` };
    return { ok: false, code: status, error: `HTTP ${status}` };
  } catch (e) {
    return { ok: false, code: null, error: messageOf(e) };
  }
}
