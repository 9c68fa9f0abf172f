// `berth scale` and `berth ps`.
import type { Command } from 'commander';
import type { FormationRow, PsRow } from '../../domain/processes/scale.js';
import { Invalid } from '../../errors.js';
import type { CliContext } from '../context.js';
import { ago, table } from '../output.js';

const mib = (b: number | null) => (b === null ? '-' : `${(b / 1024 / 1024).toFixed(1)} MiB`);

export function registerProcesses(program: Command, ctx: CliContext): void {
  program
    .command('scale')
    .description('show the formation (berth scale shop), or set how many containers run per process type (berth scale shop web=3 worker=1)')
    .argument('<app>')
    .argument('[counts...]', 'TYPE=COUNT pairs; none: show the formation')
    .option('--json', 'print JSON')
    .action(async (app: string, counts: string[], o: { json?: boolean }) => {
      const formation: Record<string, number> = {};
      for (const c of counts) {
        const m = /^([a-z][a-z0-9_-]*)=(\d+)$/.exec(c);
        if (!m) throw Invalid(`expected TYPE=COUNT such as web=3, got ${JSON.stringify(c)}`);
        formation[m[1]!] = Number(m[2]);
      }
      const client = ctx.client();
      if (counts.length === 0) {
        const rows = await client.request<FormationRow[]>('GET', `/api/v1/apps/${encodeURIComponent(app)}/formation`);
        if (o.json) return ctx.out(JSON.stringify(rows, null, 2));
        if (rows.length === 0) return ctx.out(`${app} has no processes yet: deploy it first (berth deploy --app ${app})`);
        return ctx.out(table(['TYPE', 'QUANTITY', 'COMMAND'], rows.map((r) => [r.type, r.quantity, r.command ?? "(the image's CMD)"])));
      }
      const r = await client.request<{ formation: Record<string, number>; applied: boolean; processes: FormationRow[] }>('POST', `/api/v1/apps/${encodeURIComponent(app)}/scale`, { json: { formation } });
      if (o.json) return ctx.out(JSON.stringify(r, null, 2));
      const asked = Object.entries(formation).map(([t, n]) => `${t}=${n}`).join(' ');
      if (!r.applied) return ctx.out(`recorded ${asked} for ${app}: it has no running release yet, so this applies at its next deploy`);
      ctx.out(`${app} now runs ${r.processes.map((p) => `${p.type}=${p.quantity}`).join(' ')}`);
    });

  program
    .command('run')
    .description('run a one-off command in a new container of the current release, e.g. berth run shop -- python3 manage.py migrate')
    .argument('<app>')
    .argument('<command...>', 'the command and its arguments (after --)')
    .action(async (app: string, command: string[]) => {
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      let code = 1;
      await ctx.client().stream(
        `/api/v1/apps/${encodeURIComponent(app)}/runs`,
        {},
        (ev) => {
          if (ev.event === 'line') ctx.out((ev.data as { line: string }).line);
          if (ev.event === 'exit') {
            const d = ev.data as { code: number; error?: string; hint?: string };
            code = d.code;
            if (d.error) ctx.err(`error: ${d.error}`);
            if (d.hint) ctx.err(`hint: ${d.hint}`);
          }
        },
        ac.signal,
        { json: { command } },
      );
      // The command's own exit code becomes the CLI's.
      process.exitCode = code;
    });

  program
    .command('ps')
    .description("an app's containers with state, uptime, restarts, CPU and memory")
    .argument('<app>')
    .option('--json', 'print JSON')
    .action(async (app: string, o: { json?: boolean }) => {
      const client = ctx.client();
      const rows = await client.request<PsRow[]>('GET', `/api/v1/apps/${encodeURIComponent(app)}/ps`);
      if (o.json) return ctx.out(JSON.stringify(rows, null, 2));
      // Every declared type with its quantity, zeros included (as `heroku ps` and `dokku ps:report` do).
      const formation = await client.request<FormationRow[]>('GET', `/api/v1/apps/${encodeURIComponent(app)}/formation`);
      if (formation.length > 0) ctx.out(`${formation.map((f) => `${f.type}=${f.quantity}`).join(' ')}\n`);
      if (rows.length === 0) return ctx.out(`${app} has no running containers`);
      ctx.out(
        table(
          ['CONTAINER', 'TYPE', 'STATE', 'UP SINCE', 'RESTARTS', 'CPU', 'MEMORY'],
          rows.map((r) => [r.name, r.type, r.state, ago(r.startedAt), r.restarts, r.cpuPercent === null ? '-' : `${r.cpuPercent}%`, `${mib(r.memoryBytes)} / ${mib(r.memoryLimitBytes)}`]),
        ),
      );
    });
}
