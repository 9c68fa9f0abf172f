// An owner's notification endpoints: add (URL sealed, a signing secret made and shown once),
// list (URLs redacted to scheme and host, with each one's last delivery), remove, and test.
// Admins manage any owner's; members their owners' (viewers only list them).
import { randomBytes } from 'node:crypto';
import { Forbidden, Invalid, NotFound } from '../../errors.js';
import type { NotifyEndpointRow, NotifyKind } from '../../infra/db/notify-repo.js';
import type { Deps } from '../context.js';
import { mayWrite, type Principal } from '../users/tokens.js';
import { attempt, type AttemptOutcome } from './deliver.js';
import { NOTIFY_EVENT_NAMES, TEST_EVENT } from './events.js';
import { checkNotifyUrl, redactUrl } from './url-policy.js';

/** An endpoint as lists show it: never its URL's path or query, never its secret. */
export interface NotifyEndpointView {
  id: number;
  owner: string;
  kind: NotifyKind;
  /** Scheme and host of the URL. */
  target: string;
  events: string[];
  createdBy: string;
  createdAt: string;
  last: { status: 'ok' | 'retrying' | 'failed'; event: string; code: number | null; error: string | null; at: string } | null;
}

/** How many endpoints one owner may have. */
const MAX_PER_OWNER = 20;

const view = (r: NotifyEndpointRow): NotifyEndpointView => ({
  id: r.id,
  owner: r.owner,
  kind: r.kind,
  target: r.target,
  events: r.events,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
  last: r.lastStatus && r.lastEvent && r.lastAt ? { status: r.lastStatus, event: r.lastEvent, code: r.lastCode, error: r.lastError, at: r.lastAt } : null,
});

/** The owner, if the caller may see it (admins: all; others: their owners); otherwise "not found". */
function ownerFor(deps: Deps, p: Principal, owner: string, change: boolean): string {
  const visible = p.user.role === 'admin' || deps.db.users.ownersOf(p.user.id).includes(owner);
  if (!visible || !deps.db.owners.get(owner)) throw NotFound(`owner ${owner} does not exist`, { hint: 'run `berth owners` to list the owners you belong to' });
  if (change && !mayWrite(p.user.role)) throw Forbidden(`${p.user.name} is a viewer and may only read`);
  return owner;
}

function endpointFor(deps: Deps, owner: string, id: number): NotifyEndpointRow {
  const ep = deps.db.notify.get(id);
  if (!ep || ep.owner !== owner) throw NotFound(`owner ${owner} has no notification endpoint #${id}`, { hint: `run \`berth notify list ${owner}\`` });
  return ep;
}

/** Checks an --events list: known names only, no repeats; empty means every event. */
export function parseEvents(events: readonly string[] | undefined): string[] {
  if (!events || events.length === 0) return [...NOTIFY_EVENT_NAMES];
  const unknown = events.filter((e) => !NOTIFY_EVENT_NAMES.includes(e));
  if (unknown.length > 0) throw Invalid(`unknown event${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, { hint: `events: ${NOTIFY_EVENT_NAMES.join(', ')}` });
  return [...new Set(events)];
}

/** Adds an endpoint; a generic webhook's signing secret is returned here only. */
export function addEndpoint(deps: Deps, p: Principal, owner: string, o: { url: string; kind?: NotifyKind | undefined; events?: string[] | undefined }): { endpoint: NotifyEndpointView; secret: string | null } {
  ownerFor(deps, p, owner, true);
  const kind = o.kind ?? 'webhook';
  const url = checkNotifyUrl(o.url.trim(), deps.config.notifyAllowPrivate);
  const events = parseEvents(o.events);
  if (deps.db.notify.listForOwner(owner).length >= MAX_PER_OWNER) throw Invalid(`owner ${owner} has ${MAX_PER_OWNER} notification endpoints already`, { hint: 'remove one first' });
  const secret = kind === 'webhook' ? randomBytes(24).toString('base64url') : null;
  return deps.db.tx(() => {
    const row = deps.db.notify.insert({
      owner,
      kind,
      sealedUrl: deps.secrets.seal(url.href),
      target: redactUrl(url.href),
      sealedSecret: secret && deps.secrets.seal(secret),
      events,
      createdBy: p.user.name,
    });
    deps.db.events.add({ appId: null, subject: `owner:${owner}`, kind: 'notify.added', message: `${p.user.name} added ${kind} notification #${row.id} to ${row.target} (${events.join(', ')})` });
    return { endpoint: view(row), secret };
  });
}

export function listEndpoints(deps: Deps, p: Principal, owner: string): NotifyEndpointView[] {
  ownerFor(deps, p, owner, false);
  return deps.db.notify.listForOwner(owner).map(view);
}

export function removeEndpoint(deps: Deps, p: Principal, owner: string, id: number): void {
  ownerFor(deps, p, owner, true);
  deps.db.tx(() => {
    const ep = endpointFor(deps, owner, id);
    deps.db.notify.delete(id);
    deps.db.events.add({ appId: null, subject: `owner:${owner}`, kind: 'notify.removed', message: `${p.user.name} removed ${ep.kind} notification #${id} to ${ep.target}` });
  });
}

/** Sends a test message to the endpoint once (no retries) and records the outcome as its last delivery. */
export async function testEndpoint(deps: Deps, p: Principal, owner: string, id: number): Promise<AttemptOutcome> {
  ownerFor(deps, p, owner, true);
  const ep = endpointFor(deps, owner, id);
  const r = await attempt(deps, ep, TEST_EVENT, { event: TEST_EVENT.name, owner, app: null, message: `a test notification from Berth, sent by ${p.user.name}`, at: new Date().toISOString() });
  if (deps.db.notify.get(id)) deps.db.notify.setLast(id, { status: r.ok ? 'ok' : 'failed', event: TEST_EVENT.name, code: r.code, error: r.error });
  return r;
}
