// Starting a deploy: validates the request, creates the app (when asked) and the build and
// deployment rows in one transaction, and queues the work. Nothing is written for bad input.
import { rename } from 'node:fs/promises';
import { Invalid, NotFound } from '../../errors.js';
import type { AppRow, BuildRow, DeploymentRow } from '../../infra/db/rows.js';
import { redactUrl } from '../../infra/git/git.js';
import { getApp, insertApp, parseAppRef } from '../apps/app-ref.js';
import { DEFAULT_OWNER, validateAppName, validateOwnerName } from '../apps/names.js';
import type { Deps } from '../context.js';
import { runDeploy } from './deploy-runner.js';
import { pauseForTests } from './test-pause.js';
import { uploadPath, type DeploySource } from './deploy-source.js';
import { logKey } from '../log-keys.js';
import { checkGitSource, imageScope, planImage, validateImageRef } from './source-policy.js';

export type { DeploySource } from './deploy-source.js';

export interface StartDeployParams {
  appName: string;
  /** Create the app if it does not exist yet, under this owner. */
  create?: { owner?: string } | undefined;
  source: DeploySource;
  /**
   * Lets this deploy use local git paths and any image on this host: admins, and Berth's own
   * re-deploys it has checked. Default false: network git URLs, and images of the app's own
   * owner, Berth's base images or a registry's (see source-policy.ts).
   */
  localSources?: boolean;
}

export interface StartedDeploy {
  app: AppRow;
  build: BuildRow;
  deployment: DeploymentRow;
  /** Settles with the final deployment row when the deploy has finished, well or not. */
  done: Promise<DeploymentRow>;
}

/** Validates, records and queues a deploy; the returned `done` settles when it has finished. */
export async function startDeploy(deps: Deps, p: StartDeployParams): Promise<StartedDeploy> {
  const ref = parseAppRef(p.appName);
  let name: string;
  try {
    name = validateAppName(ref.name);
    if (ref.owner !== undefined) validateOwnerName(ref.owner);
  } catch (e) {
    if (ref.owner === undefined) throw e;
    throw Invalid(`app name ${JSON.stringify(p.appName.slice(0, 80))} is not allowed: name an app as app or owner/app, each 2-30 lowercase letters, digits and single dashes`);
  }
  const owner = p.create ? validateOwnerName(ref.owner ?? p.create.owner ?? DEFAULT_OWNER) : ref.owner;
  const localSources = p.localSources === true;
  // What is stored and shown of the source: never a git URL's user and password.
  let sourceText: string;
  switch (p.source.kind) {
    case 'git': {
      const git = checkGitSource(p.source.url, p.source.ref, { localSources });
      sourceText = `${redactUrl(git.url)}#${git.ref}`;
      break;
    }
    case 'image':
      sourceText = validateImageRef(p.source.image);
      // Refused here by name; build-phase.ts resolves (or pulls) it and checks again.
      if (!localSources) planImage(sourceText, imageScope(deps, owner ?? getApp(deps, name).owner));
      break;
    case 'upload':
      sourceText = p.source.label ?? 'upload';
      break;
  }

  await pauseForTests('upload', () => undefined);
  const { app, build, deployment } = deps.db.tx(() => {
    let app = owner !== undefined ? deps.db.apps.find(owner, name) : getApp(deps, name);
    if (!app) {
      if (!p.create || owner === undefined) throw NotFound(`app ${p.appName} does not exist`, { hint: `create it with: berth create ${name}` });
      app = insertApp(deps, { name, owner });
    }
    const build = deps.db.builds.insert({ appId: app.id, sourceKind: p.source.kind, source: sourceText });
    const deployment = deps.db.deployments.insert({ appId: app.id, buildId: build.id });
    deps.db.events.add({ appId: app.id, subject: `deployment:${deployment.id}`, kind: 'deployment.pending', message: `deploy #${deployment.id} queued from ${sourceText}` });
    return { app, build, deployment };
  });

  if (p.source.kind === 'upload') {
    // The route streamed the body to a temporary file; it now belongs to this build.
    await rename(p.source.file, uploadPath(deps, build.id));
  }
  deps.logs.open(logKey(deployment.id));
  // A config change, rollback or restart says what it is rather than which kept image it reuses.
  const what = p.source.kind === 'image' && p.source.note ? `: ${p.source.note}` : ` from ${sourceText}`;
  deps.logs.append(logKey(deployment.id), `-----> deploy #${deployment.id} of ${name}${what}`);
  // The full source (a git URL with its password) stays in memory, for the job only.
  const source: DeploySource = { ...p.source, localSources };
  const done = deps.jobs.run(`app-${app.id}`, () => runDeploy(deps, { appId: app.id, buildId: build.id, deploymentId: deployment.id, source }), { owner: app.owner });
  return { app, build, deployment, done };
}
