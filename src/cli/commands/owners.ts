// `berth owners …` (admins: owners, members, allowed domains and capabilities) and
// `berth domains …` (an app's custom domains).
import type { Command } from 'commander';
import { Invalid } from '../../errors.js';
import type { OwnerView } from '../../domain/owners/owner-service.js';
import type { CliContext } from '../context.js';
import { ago, table } from '../output.js';
import { certificateTable } from '../certificates.js';
import type { HostCertificate } from '../../domain/tls/tls-status.js';

const ownerPath = (o: string, rest = '') => `/api/v1/owners/${encodeURIComponent(o)}${rest}`;
const domainsPath = (app: string) => `/api/v1/apps/${encodeURIComponent(app)}/domains`;
const list = (v: string[]) => v.join(',') || '-';

interface GrantOpts {
  domain?: string[];
  capability?: string[];
}

const quotaText = (o: OwnerView, k: keyof OwnerView['limits']) => `${o.limits[k]}${o.quotas[k] === null ? ' (default)' : ''}`;

function describe(o: OwnerView): string {
  return `${o.name}: members ${list(o.members)}; domains ${list(o.domains)}; capabilities ${list(o.capabilities)}; quotas: apps ${quotaText(o, 'apps')}, previews ${quotaText(o, 'previews')}, runs ${quotaText(o, 'runs')}`;
}

/** A quota as given on the command line: a whole number, or `default` for the server's. */
function quotaArg(flag: string, v: string | undefined): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'default') return null;
  if (!/^\d{1,7}$/.test(v)) throw Invalid(`--${flag} ${v}: expected a whole number or "default"`);
  return Number(v);
}

export function registerOwners(program: Command, ctx: CliContext): void {
  const owners = program.command('owners').description('owners: who apps belong to, their members, and what they are allowed (admins)');
  owners
    .command('list', { isDefault: true })
    .description('list owners')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const rows = await ctx.client().request<OwnerView[]>('GET', '/api/v1/owners');
      ctx.out(o.json ? JSON.stringify(rows, null, 2) : table(['NAME', 'APPS', 'MEMBERS', 'DOMAINS', 'CAPABILITIES', 'QUOTAS', 'CREATED'], rows.map((r) => [r.name, r.apps, list(r.members), list(r.domains), list(r.capabilities), `apps ${r.limits.apps} previews ${r.limits.previews} runs ${r.limits.runs}`, ago(r.createdAt)])));
    });
  owners
    .command('create')
    .argument('<name>')
    .option('--domain <domain...>', 'custom domains its apps may use (each with its subdomains)')
    .option('--capability <cap...>', 'Linux capabilities its apps may declare, e.g. NET_BIND_SERVICE')
    .action(async (name: string, o: GrantOpts) => {
      const r = await ctx.client().request<OwnerView>('POST', '/api/v1/owners', { json: { name, domains: o.domain ?? [], capabilities: o.capability ?? [] } });
      ctx.out(`created owner ${describe(r)}`);
    });
  const change = (verb: 'allow' | 'deny', what: string) =>
    owners
      .command(verb)
      .description(what)
      .argument('<owner>')
      .option('--domain <domain...>', 'custom domains (each with its subdomains)')
      .option('--capability <cap...>', 'Linux capabilities')
      .action(async (name: string, o: GrantOpts) => {
        if (!o.domain && !o.capability) throw Invalid('name at least one --domain or --capability');
        const cur = (await ctx.client().request<OwnerView[]>('GET', '/api/v1/owners')).find((x) => x.name === name);
        if (!cur) throw Invalid(`owner ${name} does not exist`);
        const apply = (have: string[], given: string[] | undefined) => (given === undefined ? undefined : verb === 'allow' ? [...have, ...given] : have.filter((h) => !given.includes(h)));
        const r = await ctx.client().request<OwnerView>('PATCH', ownerPath(name), { json: { domains: apply(cur.domains, o.domain), capabilities: apply(cur.capabilities, o.capability?.map((c) => c.toUpperCase())) } });
        ctx.out(describe(r));
      });
  change('allow', "let an owner's apps use custom domains or Linux capabilities");
  change('deny', 'take back domains or capabilities (refused while an app uses them)');
  owners
    .command('quota')
    .description("set how many apps, previews and one-off runs at once an owner may have (\"default\": the server's)")
    .argument('<owner>')
    .option('--apps <n>', 'apps (previews not counted)')
    .option('--previews <n>', 'preview apps')
    .option('--runs <n>', '`berth run` commands going at once')
    .action(async (name: string, o: { apps?: string; previews?: string; runs?: string }) => {
      const quotas = { apps: quotaArg('apps', o.apps), previews: quotaArg('previews', o.previews), runs: quotaArg('runs', o.runs) };
      if (Object.values(quotas).every((q) => q === undefined)) throw Invalid('name at least one of --apps, --previews, --runs');
      ctx.out(describe(await ctx.client().request<OwnerView>('PATCH', ownerPath(name), { json: { quotas } })));
    });
  owners
    .command('delete')
    .description('delete an owner that has no apps')
    .argument('<name>')
    .action(async (name: string) => {
      await ctx.client().request('DELETE', ownerPath(name));
      ctx.out(`deleted owner ${name}`);
    });
  owners
    .command('add-member')
    .argument('<owner>')
    .argument('<user>')
    .action(async (owner: string, user: string) => ctx.out(describe(await ctx.client().request<OwnerView>('PUT', ownerPath(owner, `/members/${encodeURIComponent(user)}`)))));
  owners
    .command('remove-member')
    .argument('<owner>')
    .argument('<user>')
    .action(async (owner: string, user: string) => ctx.out(describe(await ctx.client().request<OwnerView>('DELETE', ownerPath(owner, `/members/${encodeURIComponent(user)}`)))));
}

export function registerDomains(program: Command, ctx: CliContext): void {
  const domains = program.command('domains').description("an app's custom domains (within those an admin allows its owner)");
  type Domains = { domains: string[]; allowed: string[]; certificates?: HostCertificate[] };
  const show = (app: string, r: Domains) =>
    [`${app}: ${list(r.domains)} (owner may use: ${list(r.allowed)})`, ...(r.certificates?.length ? ['', certificateTable(r.certificates)] : [])].join('\n');
  domains
    .command('list', { isDefault: true })
    .argument('<app>')
    .option('--json', 'print JSON')
    .action(async (app: string, o: { json?: boolean }) => {
      const r = await ctx.client().request<Domains>('GET', domainsPath(app));
      ctx.out(o.json ? JSON.stringify(r, null, 2) : show(app, r));
    });
  for (const verb of ['add', 'remove'] as const) {
    domains
      .command(verb)
      .argument('<app>')
      .argument('<domains...>')
      .action(async (app: string, given: string[]) => {
        const cur = await ctx.client().request<Domains>('GET', domainsPath(app));
        const next = verb === 'add' ? [...cur.domains, ...given] : cur.domains.filter((d) => !given.includes(d));
        ctx.out(show(app, await ctx.client().request<Domains>('PUT', domainsPath(app), { json: { domains: next } })));
      });
  }
}
