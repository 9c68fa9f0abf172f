// Deploy this app again, from a git URL and ref or an image; and how to deploy with git push.
import { appPath } from '../api.js';
import { DeployForm } from '../components/deploy-form.js';
import type { TabProps } from '../pages/app-page.js';
import { useApi } from '../use-api.js';

interface GitView {
  remote: string;
  branch: string;
  next: string | null;
}

export function DeployTab({ ref_, canWrite, reload }: TabProps) {
  const git = useApi<GitView>(appPath(ref_, '/git'));
  return (
    <div class="stack">
      {canWrite ? <DeployForm appRef={ref_} onDone={reload} /> : <p class="muted">Viewers cannot deploy.</p>}
      {git.data && (
        <section class="card" aria-labelledby="push-h">
          <h2 id="push-h">Deploy with git push</h2>
          <pre class="log">{`git remote add berth ${git.data.remote}\ngit push berth ${git.data.branch}`}</pre>
          <p class="muted">Git asks for a password: give an API token. Pushes to {git.data.branch} deploy; a failed deploy rejects the push.</p>
          {git.data.next && <p>Next stage: {git.data.next} (berth promote)</p>}
        </section>
      )}
    </div>
  );
}
