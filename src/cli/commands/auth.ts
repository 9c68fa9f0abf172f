// `berth login`, `berth whoami`, `berth tokens create|list|revoke`, `berth audit`.
import type { Command } from 'commander';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeAction } from '../../domain/audit/describe-action.js';
import { Invalid } from '../../errors.js';
import { ApiClient } from '../client.js';
import type { TokenView } from '../../domain/users/tokens.js';
import { configFile, readCliConfig, type CliContext } from '../context.js';
import { ago, table } from '../output.js';
import { readSecret } from '../prompt.js';

export function registerAuth(program: Command, ctx: CliContext): void {
  program
    .command('login')
    .description("store a Berth server's URL and an API token in your config (0600)")
    .argument('<url>', 'e.g. http://127.0.0.1:7070')
    .option('--token <token>', 'the token (default: asked for on the terminal, not echoed)')
    .option('--token-stdin', 'read the token from standard input, e.g. from a file or a secret store')
    .option('--ca-file <file>', "also trust this PEM root for https (e.g. Berth's internal CA: `berth tls ca` on the server prints it); its path is stored")
    .option('--json', 'print JSON')
    .action(async (url: string, o: { token?: string; tokenStdin?: boolean; caFile?: string; json?: boolean }) => {
      if (!/^https?:\/\/[^\s]+$/.test(url)) throw Invalid(`${JSON.stringify(url)} is not an http(s) URL`);
      // Stored as an absolute path: later commands run from other folders, and git can be pointed at the same file.
      const caFile = o.caFile === undefined ? undefined : resolve(o.caFile);
      if (caFile && !url.startsWith('https://')) throw Invalid('--ca-file is for an https:// URL');
      const token = o.token ?? (await readSecret({ prompt: 'API token: ', fromStdin: o.tokenStdin ?? false, what: 'token', options: '--token TOKEN, or --token-stdin with the token on standard input' }));
      if (!token) throw Invalid('no token given');
      const me = await new ApiClient(url, token, caFile).request<{ user: string; role: string }>('GET', '/api/v1/whoami');
      const file = configFile();
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const { caFile: _previous, ...rest } = readCliConfig();
      writeFileSync(file, `${JSON.stringify({ ...rest, url, token, ...(caFile ? { caFile } : {}) }, null, 2)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      ctx.out(o.json ? JSON.stringify({ url, user: me.user, role: me.role, config: file, ...(caFile ? { caFile } : {}) }, null, 2) : `logged in to ${url} as ${me.user} (${me.role})${caFile ? `, trusting ${caFile}` : ''}; saved to ${file}`);
    });

  program
    .command('whoami')
    .description('the user your token belongs to')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const me = await ctx.client().request<{ user: string; role: string }>('GET', '/api/v1/whoami');
      ctx.out(o.json ? JSON.stringify(me, null, 2) : `${me.user} (${me.role})`);
    });

  const tokens = program.command('tokens').description('your API tokens');
  tokens
    .command('create')
    .description('create a token; it is shown once')
    .argument('<name>')
    .option('--expires-days <n>', 'expire after this many days')
    .action(async (name: string, o: { expiresDays?: string }) => {
      const r = await ctx.client().request<{ token: string; info: TokenView }>('POST', '/api/v1/tokens', {
        json: { name, ...(o.expiresDays ? { expiresInDays: Number(o.expiresDays) } : {}) },
      });
      ctx.out(r.token);
      ctx.err(`token #${r.info.id} (${r.info.name}) created${r.info.expiresAt ? `, expires ${r.info.expiresAt}` : ''}; it is not shown again`);
    });
  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const list = await ctx.client().request<TokenView[]>('GET', '/api/v1/tokens');
      if (o.json) return ctx.out(JSON.stringify(list, null, 2));
      ctx.out(table(['ID', 'NAME', 'USER', 'PREFIX', 'LAST USED', 'EXPIRES', 'REVOKED'], list.map((t) => [t.id, t.name, t.user, `${t.prefix}…`, ago(t.lastUsedAt), t.expiresAt ?? 'never', t.revokedAt ? ago(t.revokedAt) : '-'])));
    });
  tokens
    .command('revoke')
    .description('revoke a token, at once')
    .argument('<id>')
    .action(async (id: string) => {
      await ctx.client().request('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
      ctx.out(`revoked token #${id}`);
    });
}

/** An HTTP status as an outcome a reader of the audit log understands. */
export function outcome(status: number): string {
  if (status < 300) return 'ok';
  if (status === 401 || status === 403) return `refused (${status})`;
  return `failed (${status})`;
}

export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('who changed what, newest first (admins: everything; --app for one app)')
    .option('--app <app>', 'only this app')
    .option('-n, --limit <n>', 'how many entries', '50')
    .option('--json', 'print JSON')
    .action(async (o: { app?: string; limit: string; json?: boolean }) => {
      const rows = await ctx.client().request<{ at: string; user: string; action: string; app: string | null; status: number }[]>('GET', '/api/v1/audit', {
        query: { app: o.app, limit: Number(o.limit) },
      });
      if (o.json) return ctx.out(JSON.stringify(rows.map((r) => ({ ...r, description: describeAction(r.action) })), null, 2));
      ctx.out(table(['WHEN', 'USER', 'ACTION', 'APP', 'RESULT'], rows.map((r) => [ago(r.at), r.user, describeAction(r.action), r.app, outcome(r.status)])));
    });
}
