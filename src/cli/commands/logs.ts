// `berth logs`: an app's output, each line with its time and process, optionally followed.
import type { Command } from 'commander';
import type { LogEntry } from '../../domain/processes/app-logs.js';
import { Invalid } from '../../errors.js';
import type { CliContext } from '../context.js';

/** The -n value checked before anything is sent: a whole number of lines. */
function tailOption(raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 10_000) throw Invalid(`-n/--tail takes a whole number of lines from 0 to 10000, got ${JSON.stringify(raw)}`, { hint: 'e.g. berth logs APP -n 200' });
  return Number(raw);
}

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("an app's output, each line with its time and process (web.1, worker.1), oldest first; includes the last output of containers that crashed at start")
    .argument('<app>')
    .option('-f, --follow', 'keep streaming new output')
    .option('-n, --tail <lines>', 'lines of history to show', '100')
    .option('--json', 'print one JSON object per line: {time, process, stream, text}')
    .action(async (name: string, o: { follow?: boolean; tail: string; json?: boolean }) => {
      const tail = tailOption(o.tail);
      const client = ctx.client();
      const path = `/api/v1/apps/${encodeURIComponent(name)}/logs`;
      const print = (line: string, e: LogEntry) => ctx.out(o.json ? JSON.stringify({ time: e.time, process: e.process, stream: e.stream, text: e.text }) : line);
      if (!o.follow) {
        const r = await client.request<{ lines: string[]; entries: LogEntry[] }>('GET', path, { query: { tail } });
        r.entries.forEach((e, i) => print(r.lines[i] ?? e.text, e));
        return;
      }
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      await client.stream(
        path,
        { follow: true, tail },
        (ev) => {
          if (ev.event === 'line') {
            const d = ev.data as LogEntry & { line: string };
            print(d.line, d);
          }
        },
        ac.signal,
      );
    });
}
