// `berth apps`, `create`, `status`, `deployments`, `destroy`, `open`: looking at and managing apps.
import type { Command } from 'commander';
import { execFile } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { Invalid, NotFound } from '../../errors.js';
import type { CliContext } from '../context.js';
import { ago, table } from '../output.js';

interface Deployment {
  id: number;
  status: string;
  reason: string | null;
  image: string | null;
  createdAt: string;
  /** The release (vN) this deployment put live, if any. */
  release?: number | null;
}
interface AppView {
  name: string;
  owner: string;
  status: string;
  urls: string[];
  port: number | null;
  currentDeployment: Deployment | null;
  latestDeployment: Deployment | null;
  containers?: { name: string; state: string; restartCount: number; startedAt: string }[];
}

const path = (app: string, rest = '') => `/api/v1/apps/${encodeURIComponent(app)}${rest}`;

export function registerApps(program: Command, ctx: CliContext): void {
  program
    .command('apps')
    .description('list apps with their status and URL')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const apps = await ctx.client().request<AppView[]>('GET', '/api/v1/apps');
      if (o.json) return ctx.out(JSON.stringify(apps, null, 2));
      if (apps.length === 0) return ctx.out('no apps yet: run `berth deploy` in an app directory');
      ctx.out(table(['NAME', 'OWNER', 'STATUS', 'DEPLOYED', 'URL'], apps.map((a) => [a.name, a.owner, a.status, ago(a.currentDeployment?.createdAt), a.urls[0]])));
    });

  program
    .command('create')
    .description('create an app without deploying it')
    .argument('<app>')
    .option('--owner <owner>', 'owner of the app', 'default')
    .option('--port <port>', 'port the app listens on (default: EXPOSE, else 8080; the app gets it as $PORT)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { owner: string; port?: string; json?: boolean }) => {
      const app = await ctx.client().request<AppView>('POST', '/api/v1/apps', { json: { name, owner: o.owner, ...(o.port ? { port: Number(o.port) } : {}) } });
      ctx.out(o.json ? JSON.stringify(app, null, 2) : `created ${app.name}: deploy it with \`berth deploy --app ${app.name}\``);
    });

  program
    .command('status')
    .description("an app's status, URLs, release and containers")
    .argument('<app>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const client = ctx.client();
      // The proxy's state comes with it: a running app behind a dead proxy serves nobody.
      const [a, proxy] = await Promise.all([
        client.request<AppView>('GET', path(name, '/status')),
        client.request<{ proxy?: { edge: string; router: string } }>('GET', '/api/v1/health').then(
          (h) => (h.proxy ? `edge ${h.proxy.edge}, router ${h.proxy.router}` : 'unknown'),
          () => 'NOT serving: a Caddy is down or restarting (see /api/v1/health)',
        ),
      ]);
      if (o.json) return ctx.out(JSON.stringify(a, null, 2));
      const d = a.currentDeployment;
      const lines = [
        `app:        ${a.name} (owner ${a.owner})`,
        `status:     ${a.status}`,
        `proxy:      ${proxy}`,
        `urls:       ${a.urls.join('\n            ')}`,
        `release:    ${d ? `${d.release ? `v${d.release}, ` : ''}deployed ${ago(d.createdAt)} (deploy #${d.id}, image ${d.image ?? '-'})` : 'none'}`,
      ];
      const last = a.latestDeployment;
      if (last && last.id !== d?.id) lines.push(`last deploy: #${last.id} ${last.status}${last.reason ? `: ${last.reason}` : ''}`);
      ctx.out(lines.join('\n'));
      if (a.containers && a.containers.length > 0) {
        ctx.out(`\n${table(['CONTAINER', 'STATE', 'RESTARTS', 'STARTED'], a.containers.map((c) => [c.name, c.state, c.restartCount, ago(c.startedAt)]))}`);
      }
    });

  program
    .command('deployments')
    .description("an app's deployments, newest first")
    .argument('<app>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const list = await ctx.client().request<Deployment[]>('GET', path(name, '/deployments'));
      if (o.json) return ctx.out(JSON.stringify(list, null, 2));
      ctx.out(table(['ID', 'RELEASE', 'STATUS', 'CREATED', 'IMAGE', 'REASON'], list.map((d) => [d.id, d.release ? `v${d.release}` : '-', d.status, ago(d.createdAt), d.image, d.reason])));
    });

  program
    .command('destroy')
    .description('remove an app: its containers, images, routes and records (its named volumes only with --volumes)')
    .argument('<app>', "the app's name, always typed: never taken from the folder's berth.yml")
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--volumes', "remove the app's named volumes and their data too (default: kept)")
    .action(async (name: string, o: { yes?: boolean; volumes?: boolean }) => {
      if (!o.yes) {
        if (!process.stdin.isTTY) throw Invalid(`refusing to destroy ${name} without confirmation`, { hint: `pass --yes: berth destroy ${name} --yes` });
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const typed = await rl.question(`This removes ${name} and everything of it${o.volumes ? ', its volumes and their data included' : ''}. Type the app name to confirm: `);
        rl.close();
        if (typed.trim() !== name) throw Invalid('confirmation did not match; nothing was removed');
      }
      const r = await ctx.client().request<{ destroyed: string; volumes?: { kept: string[]; removed: string[] } }>('DELETE', path(name, o.volumes ? '?volumes=true' : ''));
      ctx.out(`destroyed ${name}`);
      const { kept = [], removed = [] } = r.volumes ?? {};
      if (removed.length > 0) ctx.out(`removed volume(s) ${removed.join(', ')} and their data`);
      if (kept.length > 0) {
        ctx.out(`kept volume(s) ${kept.join(', ')}: their data stays; an app created again as ${name} mounts them again`);
        ctx.out(`  to remove them: berth destroy ${name} --volumes`);
      }
    });

  program
    .command('open')
    .description("print an app's URL and open it in a browser when one is available")
    .argument('<app>')
    .option('--json', 'print the URLs as JSON (opens nothing)')
    .action(async (name: string, o: { json?: boolean }) => {
      const a = await ctx.client().request<AppView>('GET', path(name));
      if (o.json) return ctx.out(JSON.stringify({ app: a.name, owner: a.owner, url: a.urls[0] ?? null, urls: a.urls }, null, 2));
      const url = a.urls[0];
      if (!url) throw NotFound(`${a.name} has no URL`, { hint: 'an app with a web process gets one when it is deployed' });
      ctx.out(url);
      if (process.stdout.isTTY && process.env.DISPLAY) execFile('xdg-open', [url], () => undefined);
    });
}
