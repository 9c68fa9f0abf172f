// `berth git-hook`: the pre-receive hook of an app's repository on the Berth server (run by
// git, not by people). A push to the app's deploy branch is deployed from the pushed commit;
// the deploy log goes back to the pusher as git's "remote:" lines, and a failed deploy exits
// non-zero, which rejects the push: the branch does not move and the old release keeps serving.
import type { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Invalid } from '../../errors.js';
import { archivePushedCommit } from '../../domain/pipelines/push-archive.js';
import { ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { followDeploy, type Started } from '../follow.js';

const ZERO = /^0{40}$/;

async function readUpdates(): Promise<{ old: string; sha: string; ref: string }[]> {
  const out: { old: string; sha: string; ref: string }[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    const [old, sha, ref] = line.trim().split(/\s+/);
    if (old && sha && ref) out.push({ old, sha, ref });
  }
  return out;
}

export function registerGitHook(program: Command, ctx: CliContext): void {
  program
    .command('git-hook', { hidden: true })
    .description("pre-receive hook of an app's repository on the Berth server")
    .action(async () => {
      const { BERTH_URL: url, BERTH_TOKEN: token, BERTH_APP: app, BERTH_BRANCH: branch } = process.env;
      if (!url || !token || !app || !branch) throw Invalid('berth git-hook runs inside a push to the Berth server');
      const client = new ApiClient(url, token);
      for (const u of await readUpdates()) {
        if (u.ref !== `refs/heads/${branch}`) {
          ctx.out(`-----> ${u.ref}: not deployed (${app} deploys pushes to ${branch})`);
          continue;
        }
        if (ZERO.test(u.sha)) throw Invalid(`the deploy branch ${branch} cannot be deleted`);
        const work = await mkdtemp(join(tmpdir(), 'berth-push-'));
        try {
          const file = join(work, 'source.tar.gz');
          // The pushed objects are still quarantined: only this hook's git can read them.
          await archivePushedCommit(process.cwd(), u.sha, file);
          ctx.out(`-----> deploying ${app} from ${branch} at ${u.sha.slice(0, 12)}`);
          const started = await client.request<Started>('POST', `/api/v1/apps/${encodeURIComponent(app)}/deploys/upload`, {
            query: { source: `git push ${u.sha}` },
            file,
            contentType: 'application/gzip',
          });
          await followDeploy(ctx, client, started, { since: Date.now(), verb: 'deploy', done: 'deployed' });
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      }
    });
}
