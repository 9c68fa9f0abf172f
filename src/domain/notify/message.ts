// What a notification says: the generic webhook's signed JSON body and the Slack-compatible
// `{"text": …}` body, with their headers. Pure: the notifier and `berth notify test` send them.
import { createHmac, randomUUID } from 'node:crypto';
import type { NotifyEventSpec } from './events.js';

export type EndpointKind = 'webhook' | 'slack';

/** One notification: the generic webhook's JSON body is exactly this. */
export interface Notification {
  event: string;
  owner: string;
  /** The app's name (without its owner); null for events about no app. */
  app: string | null;
  message: string;
  /** When the event was recorded (ISO-8601 UTC). */
  at: string;
  /** The app's URL, when it has one. */
  url?: string;
}

/** The signature header receivers verify, as GitHub's X-Hub-Signature-256: `sha256=<hex HMAC-SHA256 of the body>`. */
export const SIGNATURE_HEADER = 'X-Berth-Signature-256';

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes under the endpoint's secret. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Slack's mrkdwn reserves &, < and >: escaped so a message cannot make links or mentions. */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The one line a chat shows, e.g. `:x: *Deploy failed* acme/web: deployment #4 failed: … <https://…>`. */
export function slackText(spec: Pick<NotifyEventSpec, 'title' | 'icon'>, n: Notification): string {
  const where = n.app ? `${n.owner}/${n.app}` : n.owner;
  const url = n.url ? ` <${n.url.replace(/[<>|\s]/g, encodeURIComponent)}>` : '';
  return `${spec.icon} *${slackEscape(spec.title)}* ${slackEscape(where)}: ${slackEscape(n.message)}${url}`;
}

export interface OutgoingRequest {
  body: string;
  headers: Record<string, string>;
}

/** The body and headers of one delivery to an endpoint of `kind` (signed when it has a secret). */
export function render(p: { kind: EndpointKind; secret: string | null; spec: NotifyEventSpec; notification: Notification; deliveryId?: string }): OutgoingRequest {
  const body = p.kind === 'slack' ? JSON.stringify({ text: slackText(p.spec, p.notification) }) : JSON.stringify(p.notification);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'Berth-Notify',
    'X-Berth-Event': p.notification.event,
    'X-Berth-Delivery': p.deliveryId ?? randomUUID(),
  };
  if (p.secret) headers[SIGNATURE_HEADER] = sign(p.secret, body);
  return { body, headers };
}
