// How to deploy an app with git push: its remote on Berth and the commands, ready to copy.
import type { GitSettingsView } from '../api.js';

export type GitView = GitSettingsView;

export function GitPush({ git, title = 'Deploy with git push' }: { git: GitView; title?: string }) {
  return (
    <section class="card" aria-labelledby="push-h">
      <h2 id="push-h">{title}</h2>
      <p>In your app's folder (a git repository):</p>
      <pre class="log" data-testid="push-commands">{`git remote add berth ${git.remote}\ngit push berth ${git.branch}`}</pre>
      <p class="muted">
        Git asks for a password: give an API token (Tokens page). Pushes to {git.branch} deploy; a failed deploy rejects the push.
      </p>
      {git.next && <p>Next stage: {git.next} (berth promote)</p>}
    </section>
  );
}
