// A deploy's log (build and release) as users read it: what is written so far, or every line as
// it comes and then how the deploy ended (status, reason, the app's URLs). The lines live in the
// log store (infra/logs), keyed by deployment; a build's log is its deployment's.
import { NotFound } from '../../errors.js';
import { appUrls } from '../apps/urls.js';
import type { Deps } from '../context.js';
import { logKey } from '../log-keys.js';

/** How a followed deploy ended, sent after its last line. */
export interface DeployLogEnd {
  status: string;
  reason: string | null;
  urls: string[];
}

/** The deployment a build belongs to; NotFound when there is none. */
export function deploymentOfBuild(deps: Deps, buildId: number): number {
  const d = deps.db.deployments.byBuild(buildId);
  if (!d) throw NotFound(`build #${buildId} does not exist`);
  return d.id;
}

const requireDeployment = (deps: Deps, id: number): void => {
  if (!deps.db.deployments.get(id)) throw NotFound(`deployment #${id} does not exist`);
};

/** The deploy's log so far, and whether it is finished. */
export function readDeployLog(deps: Deps, deploymentId: number): { lines: string[]; done: boolean } {
  requireDeployment(deps, deploymentId);
  const key = logKey(deploymentId);
  return { lines: deps.logs.read(key), done: !deps.logs.isLive(key) };
}

/** How the deployment stands now, for the end of a followed log. */
export function deployLogEnd(deps: Deps, deploymentId: number): DeployLogEnd {
  const d = deps.db.deployments.get(deploymentId);
  const app = d ? deps.db.apps.get(d.appId) : undefined;
  return { status: d?.status ?? 'unknown', reason: d?.reason ?? null, urls: app ? appUrls(app, deps.config) : [] };
}

/**
 * A follower of the deploy's log (NotFound now, before anything is streamed, when there is no
 * such deployment). Started, it calls `onLine` with every line (those written so far first),
 * then `onEnd` once the log is finished, and returns a function that stops following.
 */
export function deployLogFollower(deps: Deps, deploymentId: number): (onLine: (line: string) => void, onEnd: (end: DeployLogEnd) => void) => () => void {
  requireDeployment(deps, deploymentId);
  return (onLine, onEnd) => deps.logs.follow(logKey(deploymentId), onLine, () => onEnd(deployLogEnd(deps, deploymentId)));
}
