// `berth logs`: an app's runtime output, optionally followed.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("an app's output")
    .argument('<app>')
    .option('-f, --follow', 'keep streaming new output')
    .option('-n, --tail <lines>', 'lines of history to show', '100')
    .action(async (name: string, o: { follow?: boolean; tail: string }) => {
      const client = ctx.client();
      const path = `/api/v1/apps/${encodeURIComponent(name)}/logs`;
      if (!o.follow) {
        const r = await client.request<{ lines: string[] }>('GET', path, { query: { tail: Number(o.tail) } });
        for (const l of r.lines) ctx.out(l);
        return;
      }
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      await client.stream(path, { follow: true, tail: Number(o.tail) }, (ev) => {
        if (ev.event === 'line') ctx.out((ev.data as { line: string }).line);
      }, ac.signal);
    });
}
