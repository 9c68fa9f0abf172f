// An app's git remote as its users see it: the settings (deploy branch, whether forks' previews
// get the app's config), each change an event row, and one smart-HTTP request to the app's bare
// repository (infra/git/http-backend.ts). Routes authenticate and authorize; this does the rest.
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Forbidden, TooLarge } from '../../errors.js';
import type { AppRow } from '../../infra/db/rows.js';
import { runHttpBackend } from '../../infra/git/http-backend.js';
import { appRef } from '../apps/app-ref.js';
import type { Deps } from '../context.js';
import { validateGitRef } from '../deploys/source-policy.js';
import { ensureAppRepo, gitRoot, remoteUrl, repoDir, selfUrl } from '../repos/app-repos.js';

/** What the remote's settings look like to a user (GET/PATCH /apps/:app/git). */
export interface GitSettingsView {
  remote: string;
  branch: string;
  webhooks: { github: string; generic: string };
  hasWebhookSecret: boolean;
  /** The next stage of the pipeline, as owner/name. */
  next: string | null;
  forkConfig: boolean;
}

/** The app's remote, hook URLs and pipeline link, at the address (`publicBase`) the caller reached Berth by. */
export function gitSettings(deps: Deps, app: AppRow, publicBase: string): GitSettingsView {
  const next = app.promoteToAppId !== null ? deps.db.apps.get(app.promoteToAppId) : undefined;
  const hooks = `${publicBase.replace(/\/$/, '')}/hooks`;
  return {
    remote: remoteUrl(app, publicBase),
    branch: app.deployBranch,
    webhooks: { github: `${hooks}/github/${app.owner}/${app.name}`, generic: `${hooks}/generic/${app.owner}/${app.name}` },
    hasWebhookSecret: app.webhookSecret !== null,
    next: next ? appRef(next) : null,
    forkConfig: app.forkConfig,
  };
}

export interface GitSettingsChange {
  branch?: string;
  forkConfig?: boolean;
}

/** Who changes the settings: forkConfig hands an app's secrets to strangers' code, so admins only. */
export interface GitSettingsActor {
  name: string;
  admin: boolean;
}

/** The event message of a settings change, or null when it changes nothing (pure). */
export function describeGitChange(app: Pick<AppRow, 'deployBranch' | 'forkConfig'>, change: GitSettingsChange, by: string): string | null {
  const parts: string[] = [];
  if (change.branch !== undefined && change.branch !== app.deployBranch) parts.push(`deploy branch ${app.deployBranch} -> ${change.branch}`);
  if (change.forkConfig !== undefined && change.forkConfig !== app.forkConfig) {
    parts.push(change.forkConfig ? "forks' previews get the app's config" : "forks' previews no longer get the app's config");
  }
  return parts.length > 0 ? `${by} set ${parts.join('; ')}` : null;
}

/** Sets the deploy branch and fork previews' config; a change writes an `app.git` event. Returns the app as it is now. */
export function setGitSettings(deps: Deps, app: AppRow, change: GitSettingsChange, actor: GitSettingsActor): AppRow {
  if (change.forkConfig !== undefined && !actor.admin) throw Forbidden("only admins decide whether forks' previews get an app's config");
  const branch = change.branch === undefined ? undefined : validateGitRef(change.branch);
  const message = describeGitChange(app, { ...change, ...(branch !== undefined ? { branch } : {}) }, actor.name);
  if (message !== null) {
    deps.db.tx(() => {
      deps.db.apps.setGit(app.id, { ...(branch !== undefined ? { deployBranch: branch } : {}), ...(change.forkConfig !== undefined ? { forkConfig: change.forkConfig } : {}) });
      deps.db.events.add({ appId: app.id, subject: `app:${app.id}`, kind: 'app.git', message });
    });
  }
  return deps.db.apps.get(app.id) ?? app;
}

/** The app's own repository on this server, if anything was pushed to it yet (a preview's default source). */
export function ownRepository(deps: Deps, app: AppRow): string | undefined {
  const dir = repoDir(deps, app);
  return existsSync(dir) ? dir : undefined;
}

/** The part of a smart-HTTP path after <owner>/<app>.git. */
export type GitService = '/info/refs' | '/git-upload-pack' | '/git-receive-pack' | '/HEAD';

/** One smart-HTTP request to an app's repository, by a caller already allowed to read it (and to push, when pushing). */
export interface GitRequest {
  app: AppRow;
  service: GitService;
  /** The query string without '?'. */
  query: string;
  method: string;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  gitProtocol: string | undefined;
  /** The caller's user name and the token they came with: the push hook deploys as them. */
  user: string;
  token: string;
  remoteAddr: string;
}

/** Whether the request is (the start of) a push. */
export const isPush = (r: Pick<GitRequest, 'service' | 'query'>): boolean => r.service === '/git-receive-pack' || new URLSearchParams(r.query).get('service') === 'git-receive-pack';

/** What a pusher is told when the push is over the limit. */
export const pushRefusal = (deps: Deps): string =>
  `push refused: it is over ${deps.config.limits.pushBytes / 1024 / 1024} MB, the most this server takes (an admin can raise BERTH_MAX_PUSH_MB)`;

/** The refusal of a push that announces more than the limit, before a byte of it is read. */
export const pushTooLarge = (deps: Deps): Error => TooLarge(pushRefusal(deps));

/** The command the repository's hook runs: this Berth, as it was started. */
const berthCommand = (): string[] => [process.execPath, process.argv[1] ?? 'berth'];

/**
 * Everything a git request needs before its answer starts (which can still fail as an error
 * reply): the repository and its hook made ready at info/refs (every git operation starts
 * there), and a push written to the audit log.
 */
export async function prepareGitRequest(deps: Deps, r: GitRequest): Promise<void> {
  if (r.service === '/info/refs') await ensureAppRepo(deps, r.app, berthCommand());
  if (isPush(r)) deps.db.audit.add({ user: r.user, action: `PUSH /git/${appRef(r.app)}.git`, app: appRef(r.app), status: 200 });
}

/**
 * Runs git http-backend for the request: `body` streams into it, its answer (git's own status,
 * headers and body) streams to `res`. A push's pack is held to the push limit; past it the
 * pusher is told why and no ref moves.
 */
export async function serveGitRequest(deps: Deps, r: GitRequest, body: Readable | IncomingMessage, res: ServerResponse): Promise<void> {
  const ref = appRef(r.app);
  const pushing = isPush(r);
  await runHttpBackend(
    {
      projectRoot: gitRoot(deps),
      pathInfo: `/${r.app.owner}/${r.app.name}.git${r.service}`,
      method: r.method,
      query: r.query,
      contentType: r.contentType,
      contentEncoding: r.contentEncoding,
      gitProtocol: r.gitProtocol,
      remoteUser: r.user,
      remoteAddr: r.remoteAddr,
      // What the pre-receive hook needs to deploy as the pusher.
      env: { BERTH_URL: selfUrl(deps), BERTH_TOKEN: r.token, BERTH_APP: ref, BERTH_BRANCH: r.app.deployBranch },
      ...(pushing ? { limit: { maxBodyBytes: deps.config.limits.pushBytes, refusal: pushRefusal(deps) } } : {}),
    },
    body,
    res,
  );
}
