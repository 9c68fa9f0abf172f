// Deploy this app again, from a git URL and ref or an image; and how to deploy with git push.
import { appPath } from '../api.js';
import { DeployForm } from '../components/deploy-form.js';
import { GitPush, type GitView } from '../components/git-push.js';
import type { TabProps } from './tab-props.js';
import { useApi } from '../use-api.js';

export function DeployTab({ ref_, canWrite, reload }: TabProps) {
  const git = useApi<GitView>(appPath(ref_, '/git'));
  return (
    <div class="stack">
      {canWrite ? <DeployForm appRef={ref_} onDone={reload} /> : <p class="muted">Viewers cannot deploy.</p>}
      {git.data && <GitPush git={git.data} />}
    </div>
  );
}
