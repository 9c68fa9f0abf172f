// `berth users list|create|delete|passwd` (admins; passwd also for yourself).
import type { Command } from 'commander';
import { Invalid } from '../../errors.js';
import type { CliContext } from '../context.js';
import { ago, table } from '../output.js';
import { readSecret } from '../prompt.js';

export function registerUsers(program: Command, ctx: CliContext): void {
  const users = program.command('users').description('users (admins only)');
  users
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const list = await ctx.client().request<{ name: string; role: string; owners: string[]; createdAt: string }[]>('GET', '/api/v1/users');
      ctx.out(o.json ? JSON.stringify(list, null, 2) : table(['NAME', 'ROLE', 'OWNERS', 'CREATED'], list.map((u) => [u.name, u.role, u.role === 'admin' ? '(all)' : u.owners.join(',') || '-', ago(u.createdAt)])));
    });
  users
    .command('create')
    .description("create a user; prints the user's first token, shown once")
    .argument('<name>')
    .option('--role <role>', 'admin, member or viewer', 'member')
    .option('--owner <owner...>', 'owners whose apps the user may see (and change, unless a viewer)')
    .action(async (name: string, o: { role: string; owner?: string[] }) => {
      const r = await ctx.client().request<{ user: { name: string; role: string }; token: string }>('POST', '/api/v1/users', { json: { name, role: o.role, owners: o.owner ?? [] } });
      ctx.out(r.token);
      ctx.err(`created ${r.user.role} ${r.user.name}; the token above is not shown again`);
    });
  users
    .command('delete')
    .description('delete a user with their tokens and sessions')
    .argument('<name>')
    .action(async (name: string) => {
      await ctx.client().request('DELETE', `/api/v1/users/${encodeURIComponent(name)}`);
      ctx.out(`deleted user ${name}`);
    });
  users
    .command('passwd')
    .description("set a user's dashboard password (yours, or anyone's as an admin), asked for on the terminal; ends their sessions")
    .argument('<name>')
    .option('--password-stdin', 'read the password from standard input instead of asking')
    .option('--remove', 'remove the password: the user logs in with a token only')
    .action(async (name: string, o: { remove?: boolean; passwordStdin?: boolean }) => {
      const password = o.remove ? null : await readSecret({ prompt: 'New password: ', fromStdin: o.passwordStdin ?? false, what: 'password', options: '--password-stdin with the password on standard input', confirm: 'Once more: ' });
      if (password === '') throw Invalid('no password given');
      await ctx.client().request('PUT', `/api/v1/users/${encodeURIComponent(name)}/password`, { json: { password } });
      ctx.out(o.remove ? `removed the password of ${name}` : `set the password of ${name}`);
    });
}
