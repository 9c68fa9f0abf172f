// How every route that starts a deploy answers: 202 with the new rows; or, with ?wait=true,
// 201 once the release is live and 422 with the one-line reason once it has failed.
import type { Deps } from '../domain/context.js';
import type { StartedDeploy } from '../domain/deploys/deploy-service.js';
import { Failed } from '../errors.js';

export async function deployAnswer(deps: Deps, started: StartedDeploy, wait: boolean | undefined) {
  if (!wait) return { code: 202, body: { app: started.app.name, build: started.build, deployment: started.deployment } };
  const final = await started.done;
  if (final.status !== 'running') throw Failed(final.reason ?? `deployment ended ${final.status}`);
  return { code: 201, body: { app: started.app.name, build: deps.db.builds.get(started.build.id)!, deployment: final } };
}
