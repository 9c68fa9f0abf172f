// `berth deploy`: sends the current directory (or a git ref, or an image) to the server,
// streams the build and release log, and ends with the app's URLs or the reason it failed.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { BerthError, Failed, Invalid } from '../../errors.js';
import type { CliContext } from '../context.js';
import { followDeploy, type Started } from '../follow.js';
import type { ApiClient } from '../client.js';
import { manifestIdentity } from '../folder-app.js';
import { humanBytes, packDirectory } from '../pack.js';

interface DeployOpts {
  app?: string;
  owner?: string;
  git?: string;
  ref: string;
  image?: string;
  detach?: boolean;
  json?: boolean;
}

/** An app name from a directory or repository name: lowercased, other characters to dashes. */
export function nameFrom(text: string): string {
  return text
    .toLowerCase()
    .replace(/\.git$/, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '')
    .slice(0, 30)
    .replace(/-+$/, '');
}

export function registerDeploy(program: Command, ctx: CliContext): void {
  program
    .command('deploy')
    .description('build and deploy an app from a directory (default: the current one), a git ref, or an image')
    .argument('[dir]', 'the app directory', '.')
    .option('-a, --app <name>', 'app name (default: berth.yml name, else the directory or repository name)')
    .option('--owner <owner>', 'owner of the app when this deploy creates it (default: berth.yml owner, else "default")')
    .option('--git <url>', 'deploy from a git repository instead of a directory')
    .option('--ref <ref>', 'branch, tag or commit of --git', 'main')
    .option('--image <image>', 'deploy an image already on the server host')
    .option('-d, --detach', 'do not wait for the deploy to finish')
    .option('--json', 'print the outcome as JSON')
    .action(async (dirArg: string, o: DeployOpts) => {
      const client = ctx.client();
      const started = Date.now();
      let res: Started;
      if (o.git || o.image) {
        const name = o.app ?? (o.git ? nameFrom(basename(o.git)) : undefined);
        if (!name) throw Invalid('--app is required with --image');
        // With an owner, the app is named owner/app: the same name may belong to other owners.
        const ref = o.owner ? `${o.owner}/${name}` : name;
        res = await client.request<Started>('POST', `/api/v1/apps/${encodeURIComponent(ref)}/deploys`, {
          query: { create: true, owner: o.owner },
          json: o.git ? { git: { url: o.git, ref: o.ref } } : { image: o.image },
        });
      } else {
        const dir = resolve(dirArg);
        if (!existsSync(dir)) throw Invalid(`directory ${dir} does not exist`);
        // Independent work, overlapped: the CLI's start-up is part of every deploy's wait.
        const [manifest, packed] = await Promise.all([manifestIdentity(dir), packDirectory(dir)]);
        const name = o.app ?? manifest.name ?? nameFrom(basename(dir));
        try {
          if (!o.json) {
            ctx.out(`-----> uploading ${packed.files} files (${humanBytes(packed.bytes)}) from ${dir}`);
            if (packed.skipped.length > 0) ctx.out(`       left out: ${skippedText(packed.skipped)} (Berth's defaults; a \`!name\` line in .dockerignore sends one)`);
          }
          const owner = o.owner ?? manifest.owner;
          const ref = owner ? `${owner}/${name}` : name;
          res = await client.request<Started>('POST', `/api/v1/apps/${encodeURIComponent(ref)}/deploys/upload`, {
            query: { create: true, owner: o.owner ?? manifest.owner },
            file: packed.file,
            contentType: 'application/gzip',
          });
        } finally {
          await rm(packed.file, { force: true });
        }
      }
      if (o.detach) {
        if (o.json) ctx.out(JSON.stringify(res, null, 2));
        else ctx.out(`deploy #${res.deployment.id} of ${res.app} started; follow it with: berth status ${res.app}`);
        return;
      }
      try {
        await followDeploy(ctx, client, res, { json: o.json, since: started, verb: 'deploy', done: 'deployed' });
      } catch (e) {
        throw await explainFirstFailure(client, res.app, e);
      }
    });
}

/** At most a few of the paths left out by default, e.g. `node_modules/, .venv/ and 3 more`. */
export function skippedText(paths: string[], shown = 4): string {
  const head = paths.slice(0, shown).join(', ');
  return paths.length > shown ? `${head} and ${paths.length - shown} more` : head;
}

/**
 * A failed deploy of an app that has never run: the app exists now (the deploy created it),
 * listed as not deployed with its last deploy failed. The error says so, and what to do next.
 */
async function explainFirstFailure(client: ApiClient, app: string, e: unknown): Promise<unknown> {
  if (!(e instanceof BerthError) || e.code !== 'failed') return e;
  const view = await client.request<{ currentDeployment: unknown }>('GET', `/api/v1/apps/${encodeURIComponent(app)}`).catch(() => undefined);
  if (!view || view.currentDeployment !== null) return e;
  return Failed(e.message, {
    hint: `${app} exists but runs nothing: it has no release yet. Fix the cause above and run \`berth deploy\` again (the app keeps its name and config), or remove it: \`berth destroy ${app}\``,
  });
}
