// `berth releases`, `berth rollback`, `berth config`: release history, rollbacks and config vars.
import type { Command } from 'commander';
import { Invalid } from '../../errors.js';
import type { CliContext } from '../context.js';
import { followDeploy, type Started } from '../follow.js';
import { ago, table } from '../output.js';

interface Release {
  version: number;
  image: string;
  description: string;
  configKeys: string[];
  changes: string[];
  current: boolean;
  createdAt: string;
}

const path = (app: string, rest: string) => `/api/v1/apps/${encodeURIComponent(app)}${rest}`;

/** KEY=VALUE words into an object; the value may itself contain '='. */
export function parsePairs(words: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const i = w.indexOf('=');
    if (i <= 0) throw Invalid(`expected KEY=VALUE, got ${JSON.stringify(w)}`);
    out[w.slice(0, i)] = w.slice(i + 1);
  }
  return out;
}

export function registerReleases(program: Command, ctx: CliContext): void {
  program
    .command('releases')
    .description("an app's releases, newest first")
    .argument('<app>')
    .option('--json', 'print JSON')
    .action(async (app: string, o: { json?: boolean }) => {
      const list = await ctx.client().request<Release[]>('GET', path(app, '/releases'));
      if (o.json) return ctx.out(JSON.stringify(list, null, 2));
      if (list.length === 0) return ctx.out(`${app} has no releases yet`);
      ctx.out(
        table(
          ['VERSION', 'WHEN', 'DESCRIPTION', 'CHANGES', 'CONFIG'],
          list.map((r) => [`v${r.version}${r.current ? ' *' : ''}`, ago(r.createdAt), r.description, r.changes.join(', ') || '-', r.configKeys.join(',') || '-']),
        ),
      );
    });

  program
    .command('rollback')
    .description('roll back to a release (default: the one before the current), reusing its image')
    .argument('<app>')
    .argument('[version]', 'e.g. v3 or 3')
    .option('--json', 'print the outcome as JSON')
    .action(async (app: string, version: string | undefined, o: { json?: boolean }) => {
      const since = Date.now();
      const v = version === undefined ? undefined : Number(version.replace(/^v/, ''));
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw Invalid(`version ${JSON.stringify(version)} is not like v3`);
      const client = ctx.client();
      const started = await client.request<Started>('POST', path(app, '/rollback'), { json: v === undefined ? {} : { version: v } });
      await followDeploy(ctx, client, started, { json: o.json, since, verb: 'rollback', done: 'rolled back' });
    });

  program
    .command('restart')
    .description('restart an app with zero downtime (new containers of the current release, then the switch)')
    .argument('<app>')
    .option('--json', 'print the outcome as JSON')
    .action(async (app: string, o: { json?: boolean }) => {
      const since = Date.now();
      const client = ctx.client();
      const started = await client.request<Started>('POST', path(app, '/restart'));
      await followDeploy(ctx, client, started, { json: o.json, since, verb: 'restart', done: 'restarted' });
    });

  program
    .command('config')
    .description('show config vars (berth config APP), or change them: berth config set APP K=V..., berth config unset APP K...')
    .argument('<words...>')
    .option('--reveal', 'show values instead of masks')
    .option('--json', 'print JSON')
    .action(async (words: string[], o: { reveal?: boolean; json?: boolean }) => {
      const client = ctx.client();
      const [first, app, ...rest] = words;
      if ((first === 'set' || first === 'unset') && app && rest.length > 0) {
        const since = Date.now();
        const body = first === 'set' ? { set: parsePairs(rest) } : { unset: rest };
        const res = await client.request<Started | { config: Record<string, string> }>('PATCH', path(app, '/config'), { json: body });
        if ('config' in res) return ctx.out(o.json ? JSON.stringify(res, null, 2) : `config of ${app} changed; it applies from the next deploy`);
        return followDeploy(ctx, client, res, { json: o.json, since, verb: 'config change', done: 'released with the new config' });
      }
      if (words.length !== 1) throw Invalid('usage: berth config APP | berth config set APP KEY=VALUE... | berth config unset APP KEY...');
      const res = await client.request<{ config: Record<string, string> }>('GET', path(first!, '/config'), { query: { reveal: o.reveal ?? false } });
      if (o.json) return ctx.out(JSON.stringify(res.config, null, 2));
      const entries = Object.entries(res.config);
      if (entries.length === 0) return ctx.out(`${first} has no config vars`);
      ctx.out(entries.map(([k, v]) => `${k}=${v}`).join('\n'));
    });
}
