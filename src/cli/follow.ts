// Following a deploy the server has started (a deploy, a config change, a rollback): stream
// its log, then print the URLs, or fail with the reason; a server that goes away mid-way is
// told apart from a failed deploy (the outcome is unknown, exit code 5 rather than 1).
import { BerthError, Failed, Unavailable } from '../errors.js';
import type { ApiClient } from './client.js';
import type { CliContext } from './context.js';

export interface Started {
  app: string;
  deployment: { id: number; status: string; reason: string | null };
}

interface End {
  status: string;
  reason: string | null;
  urls?: string[];
}

export async function followDeploy(ctx: CliContext, client: ApiClient, started: Started, o: { json?: boolean | undefined; since: number; verb: string; done: string }): Promise<void> {
  const id = started.deployment.id;
  const seen: { end?: End } = {};
  try {
    await client.stream(`/api/v1/deployments/${id}/log`, { follow: true }, (ev) => {
      if (ev.event === 'line' && !o.json) ctx.out((ev.data as { line: string }).line);
      if (ev.event === 'end') seen.end = ev.data as End;
    });
  } catch (e) {
    if (!(e instanceof BerthError && e.code === 'unavailable')) throw e;
  }
  // No end event: the server went away (a crash, a restart) while the deploy ran. It may have
  // gone live or not; saying it failed would be a guess, and so would saying it worked.
  const end = seen.end;
  if (!end) throw Unavailable(`the server went away; the deploy's outcome is unknown: see \`berth deployments ${started.app}\``, { hint: `${o.verb} #${id} may be live or not; once the server is back, \`berth deployments ${started.app}\` tells` });
  const urls = end.urls ?? (await client.request<{ urls: string[] }>('GET', `/api/v1/apps/${encodeURIComponent(started.app)}`)).urls;
  // The release (vN) it put live: what `berth releases` and `berth status` name it by.
  const release = end.status === 'running' ? await releaseOf(client, id) : null;
  if (o.json) ctx.out(JSON.stringify({ app: started.app, deployment: id, release, status: end.status, reason: end.reason, urls }, null, 2));
  if (end.status !== 'running') throw Failed(`${o.verb} #${id} of ${started.app} failed: ${end.reason ?? end.status}`);
  if (!o.json) {
    ctx.out(`\n=====> ${started.app} ${o.done} in ${((Date.now() - o.since) / 1000).toFixed(1)}s${release ? `: release v${release} is live` : ''}`);
    for (const u of urls) ctx.out(`       ${u}`);
  }
}

/** The release a deployment put live; null when the server does not say (an older server). */
async function releaseOf(client: ApiClient, id: number): Promise<number | null> {
  const d = await client.request<{ release?: number | null }>('GET', `/api/v1/deployments/${id}`).catch(() => ({ release: null }));
  return typeof d.release === 'number' ? d.release : null;
}
