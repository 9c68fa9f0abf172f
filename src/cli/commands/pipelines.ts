// `berth git-remote`, `berth webhooks`, `berth preview create|list|destroy`, `berth pipeline`,
// `berth promote`: deploys driven by git pushes, forges and CI, previews and promotion.
import type { Command } from 'commander';
import type { AppView } from '../../domain/catalog/app-service.js';
import type { CliContext } from '../context.js';
import { followDeploy, type Started } from '../follow.js';
import { ago, table } from '../output.js';

const path = (app: string, rest: string) => `/api/v1/apps/${encodeURIComponent(app)}${rest}`;

/** A word to paste into a shell: quoted unless it is plain. */
const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/**
 * What to type to push to the remote: with a login's --ca-file and an https remote, git is told
 * to trust that file for Berth's address only (`http.<url>.sslCAInfo` in the repository) (pure).
 */
export function gitRemoteSetup(remote: string, branch: string, caFile?: string): string[] {
  const lines = [`add it with: git remote add berth ${remote}`];
  if (caFile && remote.startsWith('https://')) lines.push(`and trust Berth's CA for it: git config http.${new URL(remote).origin}/.sslCAInfo ${shellWord(caFile)}`);
  lines.push(`pushes to ${branch} deploy; git asks for a password: give an API token (any user name)`);
  return lines;
}

interface GitView {
  remote: string;
  branch: string;
  webhooks: { github: string; generic: string };
  hasWebhookSecret: boolean;
  next: string | null;
}

export function registerPipelines(program: Command, ctx: CliContext): void {
  program
    .command('git-remote')
    .description("the app's git remote on Berth: `git push berth <branch>` deploys")
    .argument('<app>')
    .option('--branch <branch>', 'set the branch whose pushes deploy (default main)')
    .action(async (app: string, o: { branch?: string }) => {
      const client = ctx.client();
      const v = o.branch ? await client.request<GitView>('PATCH', path(app, '/git'), { json: { branch: o.branch } }) : await client.request<GitView>('GET', path(app, '/git'));
      ctx.out(v.remote);
      ctx.err(gitRemoteSetup(v.remote, v.branch, client.caFile).join('\n'));
    });

  program
    .command('webhooks')
    .description("the app's webhook URLs and secret (GitHub: content type application/json, events push and pull_request)")
    .argument('<app>')
    .option('--rotate', 'replace the secret')
    .action(async (app: string, o: { rotate?: boolean }) => {
      // A read unless there is no secret yet or --rotate asks for a new one (only those are changes, in the audit log too).
      const seen = o.rotate ? null : await ctx.client().request<{ secret: string | null; github: string; generic: string }>('GET', path(app, '/webhook-secret'));
      const r = seen?.secret ? { ...seen, secret: seen.secret } : await ctx.client().request<{ secret: string; github: string; generic: string }>('POST', path(app, '/webhook-secret'), { query: { rotate: o.rotate } });
      ctx.out(`github:  ${r.github}\ngeneric: ${r.generic}   (Authorization: Bearer <secret>; body {"git":{"url","ref"}} or {"image"})\nsecret:  ${r.secret}`);
    });

  const preview = program.command('preview').description('preview apps: <app>-pr-<n>, with the app\'s config');
  preview
    .command('create')
    .argument('<app>')
    .requiredOption('--ref <ref>', 'branch, tag or commit to deploy')
    .option('--git <url>', "repository (default: the app's own remote on Berth)")
    .option('--pr <n>', 'pull request number (default: the next free one)')
    .option('--detach', 'do not follow the deploy')
    .action(async (app: string, o: { ref: string; git?: string; pr?: string; detach?: boolean }) => {
      const since = Date.now();
      const r = await ctx.client().request<Started>('POST', path(app, '/previews'), { json: { ref: o.ref, ...(o.git ? { url: o.git } : {}), ...(o.pr ? { number: Number(o.pr) } : {}) } });
      if (o.detach) return ctx.out(`deploying preview ${r.app} (#${r.deployment.id})`);
      await followDeploy(ctx, ctx.client(), r, { since, verb: 'preview', done: 'deployed' });
    });
  preview
    .command('list')
    .argument('<app>')
    .option('--json', 'print JSON')
    .action(async (app: string, o: { json?: boolean }) => {
      const list = await ctx.client().request<AppView[]>('GET', path(app, '/previews'));
      ctx.out(o.json ? JSON.stringify(list, null, 2) : table(['PREVIEW', 'STATUS', 'URL', 'CREATED'], list.map((a) => [a.name, a.status, a.urls[0] ?? '-', ago(a.createdAt)])));
    });
  preview
    .command('destroy')
    .argument('<app>')
    .requiredOption('--pr <n>', 'the preview number')
    .action(async (app: string, o: { pr: string }) => {
      const r = await ctx.client().request<{ destroyed: string }>('DELETE', path(app, `/previews/${encodeURIComponent(o.pr)}`));
      ctx.out(`destroyed ${r.destroyed}`);
    });

  program
    .command('pipeline')
    .description("set the app's next stage (promote deploys its image there); --clear to unlink")
    .argument('<app>')
    .argument('[next]')
    .option('--clear', 'remove the link')
    .action(async (app: string, next: string | undefined, o: { clear?: boolean }) => {
      const v = next || o.clear ? await ctx.client().request<GitView>('PUT', path(app, '/pipeline'), { json: { next: o.clear ? null : next } }) : await ctx.client().request<GitView>('GET', path(app, '/git'));
      ctx.out(v.next ? `${app} -> ${v.next}` : `${app} has no next stage`);
    });

  program
    .command('promote')
    .description("deploy the app's running image to its next stage, with that stage's config (no build)")
    .argument('<app>')
    .action(async (app: string) => {
      const since = Date.now();
      const r = await ctx.client().request<Started>('POST', path(app, '/promote'));
      await followDeploy(ctx, ctx.client(), r, { since, verb: 'promotion', done: 'promoted' });
    });
}
