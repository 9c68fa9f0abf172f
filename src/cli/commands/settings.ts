// `berth settings`: an app's port, health check and per-container limits; set and unset roll
// out a new release (zero downtime) when one runs, as a config change does.
import type { Command } from 'commander';
import { Invalid } from '../../errors.js';
import type { CliContext } from '../context.js';
import { followDeploy, type Started } from '../follow.js';
import { table } from '../output.js';
import { parseSettingsSet, parseSettingsUnset, settingsLines, type SettingsView } from '../settings-args.js';

const path = (app: string, rest = '') => `/api/v1/apps/${encodeURIComponent(app)}${rest}`;

const USAGE = 'usage: berth settings APP | berth settings set APP SETTING=VALUE... | berth settings unset APP SETTING...';
const MANIFEST_NOTE = "berth.yml's port:, healthcheck: and limits: apply again at the next deploy that states them";

export function registerSettings(program: Command, ctx: CliContext): void {
  program
    .command('settings')
    .description("an app's port, health check and limits per container: berth settings APP | set APP port=8080 memory=512 cpus=0.5 health.path=/up health.timeout=5 health.attempts=10 health.interval=1 | unset APP port memory cpus health")
    .argument('[words...]')
    .option('--json', 'print JSON')
    .action(async (words: string[], o: { json?: boolean }) => {
      const client = ctx.client();
      const [first, app, ...rest] = words;
      if ((first === 'set' || first === 'unset') && app) {
        const body = first === 'set' ? parseSettingsSet(rest) : parseSettingsUnset(rest);
        const since = Date.now();
        const res = await client.request<Started | { stored: true; settings: SettingsView }>('PATCH', path(app, '/settings'), { json: body });
        if (!('deployment' in res)) return ctx.out(o.json ? JSON.stringify(res, null, 2) : `settings of ${app} stored; they apply from its next deploy\nnote: ${MANIFEST_NOTE}`);
        await followDeploy(ctx, client, res, { json: o.json, since, verb: 'settings change', done: 'released with the new settings' });
        if (!o.json) ctx.out(`note: ${MANIFEST_NOTE}`);
        return;
      }
      if (words.length !== 1 || first === 'set' || first === 'unset') throw Invalid(USAGE);
      const view = await client.request<SettingsView>('GET', path(first!, '/settings'));
      if (o.json) return ctx.out(JSON.stringify(view, null, 2));
      ctx.out(table(['SETTING', 'VALUE', 'FROM'], settingsLines(view)));
    });
}
