// `berth addons create|attach|detach|list|info|destroy|psql|redis-cli`: managed PostgreSQL and
// Redis on the owner's private network, attached to apps as DATABASE_URL / REDIS_URL.
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { Failed, Invalid } from '../../errors.js';
import type { AddonView } from '../../domain/addons/addon-service.js';
import type { CliContext } from '../context.js';
import { ago, table } from '../output.js';

type Release = { status: 'live' | 'stored' | 'failed'; deploymentId: number | null; reason: string | null };

const addonPath = (name: string, rest = '') => `/api/v1/addons/${encodeURIComponent(name)}${rest}`;
const appPath = (app: string, rest = '') => `/api/v1/apps/${encodeURIComponent(app)}/addons${rest}`;

/** One line on what became of the app's config change. */
function releaseLine(app: string, envVar: string, verb: 'set' | 'unset', r: Release): string {
  if (r.status === 'live') return `${envVar} ${verb} on ${app}: released (deployment #${r.deploymentId})`;
  if (r.status === 'stored') return `${envVar} ${verb} on ${app}: it applies from the next deploy`;
  throw Failed(`${envVar} ${verb} on ${app}, but its new release failed: ${r.reason ?? 'unknown reason'}`, { hint: `see berth deployments ${app}` });
}

/** Streams a server-side job's lines; returns its `exit` event. */
async function follow(ctx: CliContext, path: string, json: unknown): Promise<{ code: number; error?: string; hint?: string } & Record<string, unknown>> {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  let exit: { code: number; error?: string; hint?: string } = { code: 1, error: 'the server ended the stream without a result' };
  await ctx.client().stream(
    path,
    {},
    (ev) => {
      if (ev.event === 'line') ctx.out((ev.data as { line: string }).line);
      if (ev.event === 'exit') exit = ev.data as typeof exit;
    },
    ac.signal,
    { json },
  );
  return exit;
}

function printInfo(ctx: CliContext, a: AddonView): void {
  ctx.out(`${a.name}: ${a.type} ${a.version}, ${a.status}`);
  ctx.out(`  owner     ${a.owner}`);
  ctx.out(`  url       ${a.url}  (as ${a.envVar} on attached apps; berth config APP --reveal shows it whole)`);
  ctx.out(`  attached  ${a.attachedTo.join(', ') || '-'}`);
  ctx.out(`  created   ${ago(a.createdAt)}`);
}

/** `berth addons psql NAME -- ARGS`: the client's output, its exit code the CLI's. */
function clientCommand(addons: Command, ctx: CliContext, name: 'psql' | 'redis-cli', example: string): void {
  addons
    .command(name)
    .description(`run ${name} against an add-on in a one-off container on its owner's network and print its output (not interactive: give the arguments after --, e.g. ${example})`)
    .argument('<addon>')
    .argument('[args...]', `${name}'s arguments (after --)`)
    .action(async (addon: string, args: string[]) => {
      const exit = await follow(ctx, addonPath(addon, '/runs'), { args });
      if (exit.error) ctx.err(`error: ${exit.error}`);
      if (exit.hint) ctx.err(`hint: ${exit.hint}`);
      process.exitCode = exit.code;
    });
}

export function registerAddons(program: Command, ctx: CliContext): void {
  const addons = program.command('addons').description("managed PostgreSQL 15 and Redis on the owner's private network, attached to apps as DATABASE_URL / REDIS_URL");

  addons
    .command('create')
    .description("create an add-on and attach it to the app: its URL (generated password) becomes a config var in a new release")
    .argument('<type>', 'postgres or redis')
    .requiredOption('--app <app>', 'the app to attach it to (its owner owns the add-on)')
    .option('--name <name>', 'the add-on name (default: the type and random hex)')
    .option('--json', 'print JSON')
    .action(async (type: string, o: { app: string; name?: string; json?: boolean }) => {
      const exit = await follow(ctx, appPath(o.app), { type, ...(o.name ? { name: o.name } : {}) });
      if (exit.code !== 0) throw Failed(exit.error ?? 'creating the add-on failed', exit.hint ? { hint: exit.hint } : undefined);
      const { addon, release } = exit as unknown as { addon: AddonView; release: Release };
      if (o.json) return ctx.out(JSON.stringify({ addon, release }, null, 2));
      ctx.out(`created ${addon.type} ${addon.version} add-on ${addon.name} (${addon.url})`);
      ctx.out(releaseLine(o.app, addon.envVar, 'set', release));
    });

  addons
    .command('attach')
    .description('attach an add-on to another app of the same owner (a new release with its URL)')
    .argument('<addon>')
    .requiredOption('--app <app>')
    .action(async (name: string, o: { app: string }) => {
      const r = await ctx.client().request<{ addon: AddonView; release: Release }>('POST', appPath(o.app, `/${encodeURIComponent(name)}`));
      ctx.out(releaseLine(o.app, r.addon.envVar, 'set', r.release));
    });

  addons
    .command('detach')
    .description('detach an add-on from an app (its config var unset, a new release); the add-on and its data stay')
    .argument('<addon>')
    .requiredOption('--app <app>')
    .action(async (name: string, o: { app: string }) => {
      const r = await ctx.client().request<{ addon: AddonView; release: Release }>('DELETE', appPath(o.app, `/${encodeURIComponent(name)}`));
      ctx.out(releaseLine(o.app, r.addon.envVar, 'unset', r.release));
    });

  addons
    .command('list')
    .description('the add-ons you can see (with --app: those attached to the app)')
    .option('--app <app>')
    .option('--json', 'print JSON')
    .action(async (o: { app?: string; json?: boolean }) => {
      const rows = await ctx.client().request<AddonView[]>('GET', o.app ? appPath(o.app) : '/api/v1/addons');
      if (o.json) return ctx.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return ctx.out(o.app ? `${o.app} has no add-ons` : 'no add-ons');
      ctx.out(table(['NAME', 'TYPE', 'OWNER', 'STATUS', 'ATTACHED', 'CREATED'], rows.map((a) => [a.name, `${a.type} ${a.version}`, a.owner, a.status, a.attachedTo.join(',') || '-', ago(a.createdAt)])));
    });

  addons
    .command('info')
    .description("an add-on's type, version, status, attached apps and URL (password masked)")
    .argument('<addon>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const a = await ctx.client().request<AddonView>('GET', addonPath(name));
      if (o.json) return ctx.out(JSON.stringify(a, null, 2));
      printInfo(ctx, a);
    });

  addons
    .command('destroy')
    .description('remove an add-on: its container and its volume with ALL ITS DATA (refused while attached unless --force)')
    .argument('<addon>')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'detach it from its apps first (a new release of each)')
    .action(async (name: string, o: { yes?: boolean; force?: boolean }) => {
      if (!o.yes) {
        if (!process.stdin.isTTY) throw Invalid(`refusing to destroy ${name} without confirmation`, { hint: `pass --yes: berth addons destroy ${name} --yes` });
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const typed = await rl.question(`This removes add-on ${name} and all its data. Type its name to confirm: `);
        rl.close();
        if (typed.trim() !== name) throw Invalid('confirmation did not match; nothing was removed');
      }
      const r = await ctx.client().request<{ destroyed: string; detachedFrom: string[] }>('DELETE', addonPath(name, o.force ? '?force=true' : ''));
      if (r.detachedFrom.length > 0) ctx.out(`detached ${name} from ${r.detachedFrom.join(', ')}`);
      ctx.out(`destroyed ${name} and its data`);
    });

  clientCommand(addons, ctx, 'psql', "berth addons psql NAME -- -c 'select 1'");
  clientCommand(addons, ctx, 'redis-cli', 'berth addons redis-cli NAME -- ping');
}
