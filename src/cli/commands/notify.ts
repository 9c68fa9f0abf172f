// `berth notify add|list|remove|test`: an owner's notification endpoints (generic webhooks,
// signed, and Slack-compatible ones) for deploys, crash loops, certificate and cron failures.
import type { Command } from 'commander';
import { Failed, Invalid } from '../../errors.js';
import type { NotifyEndpointView } from '../../domain/notify/notify-service.js';
import type { CliContext } from '../context.js';
import { ago, table } from '../output.js';

const notifyPath = (owner: string, rest = '') => `/api/v1/owners/${encodeURIComponent(owner)}/notify${rest}`;

/** An endpoint's last delivery in one cell: `ok 200 deploy.failed 2m ago`, `retrying: HTTP 500 (…) …`. */
export function lastDelivery(l: NotifyEndpointView['last'], now = Date.now()): string {
  if (!l) return 'never sent';
  const what = l.status === 'ok' ? `ok${l.code !== null ? ` ${l.code}` : ''}` : `${l.status}: ${l.error ?? 'failed'}`;
  return `${what} (${l.event}, ${ago(l.at, now)})`;
}

function idArg(v: string): number {
  if (!/^[1-9]\d{0,14}$/.test(v)) throw Invalid(`endpoint id ${JSON.stringify(v)}: expected a number (see \`berth notify list OWNER\`)`);
  return Number(v);
}

export function registerNotify(program: Command, ctx: CliContext): void {
  const notify = program.command('notify').description("an owner's notifications: webhooks (signed JSON) and Slack-compatible webhooks for deploys, crash loops, certificate and cron failures");

  notify
    .command('add')
    .description('add a webhook; a generic one prints its signing secret once')
    .argument('<owner>')
    .requiredOption('--url <url>', 'where to POST (http or https; sealed at rest, shown as scheme and host only)')
    .option('--kind <kind>', 'webhook (JSON, signed) or slack ({"text": …})', 'webhook')
    .option('--events <list>', 'comma-separated events (default: all): deploy.failed,deploy.succeeded,process.crash-loop,tls.failed,cron.failed,backup.failed,drill.failed')
    .action(async (owner: string, o: { url: string; kind: string; events?: string }) => {
      if (o.kind !== 'webhook' && o.kind !== 'slack') throw Invalid(`--kind ${o.kind}: expected webhook or slack`);
      const events = o.events?.split(',').map((e) => e.trim()).filter(Boolean);
      const r = await ctx.client().request<{ endpoint: NotifyEndpointView; secret: string | null }>('POST', notifyPath(owner), { json: { url: o.url, kind: o.kind, ...(events ? { events } : {}) } });
      ctx.out(`added ${r.endpoint.kind} notification #${r.endpoint.id} to ${r.endpoint.target} for ${r.endpoint.events.join(', ')}`);
      if (r.secret) {
        ctx.out(`signing secret (shown only this once): ${r.secret}`);
        ctx.out('each request carries X-Berth-Signature-256: sha256=<hex HMAC-SHA256 of the body with this secret>');
      }
    });

  notify
    .command('list')
    .description("the owner's endpoints (URLs shown as scheme and host) with each one's last delivery")
    .argument('<owner>')
    .option('--json', 'print JSON')
    .action(async (owner: string, o: { json?: boolean }) => {
      const rows = await ctx.client().request<NotifyEndpointView[]>('GET', notifyPath(owner));
      if (o.json) return ctx.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return ctx.out(`owner ${owner} has no notification endpoints; add one with: berth notify add ${owner} --url URL`);
      ctx.out(table(['ID', 'KIND', 'TARGET', 'EVENTS', 'LAST DELIVERY'], rows.map((r) => [r.id, r.kind, r.target, r.events.join(','), lastDelivery(r.last)])));
    });

  notify
    .command('remove')
    .description('remove an endpoint')
    .argument('<owner>')
    .argument('<id>')
    .action(async (owner: string, id: string) => {
      await ctx.client().request('DELETE', notifyPath(owner, `/${idArg(id)}`));
      ctx.out(`removed notification #${id} of ${owner}`);
    });

  notify
    .command('test')
    .description("send a test message and print the receiver's status")
    .argument('<owner>')
    .argument('<id>')
    .action(async (owner: string, id: string) => {
      const r = await ctx.client().request<{ ok: boolean; code: number | null; error: string | null }>('POST', notifyPath(owner, `/${idArg(id)}/test`));
      if (!r.ok) throw Failed(`test notification #${id} failed: ${r.error ?? 'no answer'}`);
      ctx.out(`test notification #${id} sent: the receiver answered ${r.code}`);
    });
}
