// Webhooks from forges. GitHub: push events deploy the pushed commit of the app's deploy
// branch; pull_request events open, update and close preview apps. Every delivery must carry
// a valid X-Hub-Signature-256 (HMAC-SHA256 of the body with the app's secret, compared in
// constant time) and an unseen delivery id. Other forges use the generic hook with the secret
// as a bearer token.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Conflict, Invalid, Unauthorized } from '../../errors.js';
import type { AppRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';
import { startDeploy, type DeploySource } from '../deploys/deploy-service.js';
import { destroyPreview, upsertPreview } from './previews.js';

export interface HookOutcome {
  deployed: boolean;
  /** What happened, in one line. */
  message: string;
  app?: string;
  deploymentId?: number;
}

/** The app's webhook secret in clear, or null while it has none (a read: nothing is made). */
export function existingWebhookSecret(deps: Deps, app: AppRow): string | null {
  return app.webhookSecret ? deps.secrets.open(app.webhookSecret) : null;
}

/** The app's webhook secret in clear, made (and sealed) on first use or when rotated. */
export function webhookSecret(deps: Deps, app: AppRow, rotate = false): string {
  if (app.webhookSecret && !rotate) return deps.secrets.open(app.webhookSecret);
  const secret = randomBytes(24).toString('base64url');
  deps.db.tx(() => {
    deps.db.apps.setGit(app.id, { webhookSecret: deps.secrets.seal(secret) });
    deps.db.events.add({ appId: app.id, subject: `app:${app.id}`, kind: 'app.webhook_secret', message: rotate ? 'webhook secret rotated' : 'webhook secret created' });
  });
  return secret;
}

/** Whether `header` (sha256=<hex>) is the HMAC-SHA256 of `body` under `secret`; constant time. */
export function signatureValid(secret: string, body: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function secretOf(deps: Deps, app: AppRow): string {
  if (!app.webhookSecret) throw Unauthorized(`app ${app.owner}/${app.name} has no webhook secret yet`, { hint: `create one with: berth webhooks ${app.owner}/${app.name}` });
  return deps.secrets.open(app.webhookSecret);
}

interface GithubPayload {
  ref?: string;
  after?: string;
  deleted?: boolean;
  action?: string;
  number?: number;
  repository?: { clone_url?: string };
  pull_request?: { number?: number; head?: { sha?: string; ref?: string; repo?: { clone_url?: string; full_name?: string; fork?: boolean } | null }; base?: { repo?: { full_name?: string } | null } };
}

/** Handles one GitHub delivery: checks signature and replay, then deploys or ignores it. */
export async function githubDelivery(deps: Deps, app: AppRow, d: { event: string | undefined; deliveryId: string | undefined; signature: string | undefined; body: Buffer }): Promise<HookOutcome> {
  if (!signatureValid(secretOf(deps, app), d.body, d.signature)) throw Unauthorized('the X-Hub-Signature-256 signature does not match this app\'s webhook secret');
  if (!d.deliveryId || !/^[A-Za-z0-9-]{1,100}$/.test(d.deliveryId)) throw Invalid('X-GitHub-Delivery is missing or malformed');
  // A signed body is accepted once: replayed under a new delivery id it is still a replay.
  const digest = createHash('sha256').update(d.body).digest('hex');
  if (!deps.db.apps.recordDelivery(app.id, d.deliveryId, digest)) throw Conflict(`delivery ${d.deliveryId} (or the same body) was received before; replays are refused`);
  let payload: GithubPayload;
  try {
    payload = JSON.parse(d.body.toString('utf8')) as GithubPayload;
  } catch {
    throw Invalid('the body is not JSON (set the webhook\'s content type to application/json)');
  }
  switch (d.event) {
    case 'ping':
      return { deployed: false, message: 'pong' };
    case 'push':
      return pushEvent(deps, app, payload);
    case 'pull_request':
      return pullRequestEvent(deps, app, payload);
    default:
      return { deployed: false, message: `event ${String(d.event)} is not one Berth acts on (push, pull_request)` };
  }
}

async function pushEvent(deps: Deps, app: AppRow, p: GithubPayload): Promise<HookOutcome> {
  const branch = p.ref?.startsWith('refs/heads/') ? p.ref.slice('refs/heads/'.length) : undefined;
  if (branch !== app.deployBranch) return { deployed: false, message: `${p.ref ?? 'the ref'} is not tracked: ${app.owner}/${app.name} deploys ${app.deployBranch}` };
  if (p.deleted || !p.after || /^0+$/.test(p.after)) return { deployed: false, message: `${branch} was deleted; nothing to deploy` };
  if (!p.repository?.clone_url) throw Invalid('the push event has no repository.clone_url');
  return deploy(deps, app, { kind: 'git', url: p.repository.clone_url, ref: p.after });
}

async function pullRequestEvent(deps: Deps, app: AppRow, p: GithubPayload): Promise<HookOutcome> {
  const n = p.number ?? p.pull_request?.number;
  if (!Number.isInteger(n) || n! < 1) throw Invalid('the pull_request event has no number');
  if (p.action === 'closed') {
    const gone = await destroyPreview(deps, app, n!);
    return { deployed: false, message: gone ? `preview of #${n} destroyed` : `no preview of #${n} to destroy` };
  }
  if (!['opened', 'reopened', 'synchronize'].includes(p.action ?? '')) return { deployed: false, message: `pull_request ${String(p.action)} changes nothing` };
  const head = p.pull_request?.head;
  const url = head?.repo?.clone_url;
  if (!url || !head?.sha) throw Invalid('the pull_request event has no head repository or commit');
  // A pull request from a fork is code from anyone who can open one: its preview runs without
  // the app's config vars (its secrets) unless an admin allowed that for this app.
  const baseRepo = p.pull_request?.base?.repo?.full_name;
  const fromFork = head.repo?.fork === true || !baseRepo || head.repo?.full_name !== baseRepo;
  const parentConfig = !fromFork || app.forkConfig;
  const started = await upsertPreview(deps, app, { number: n!, source: { kind: 'git', url, ref: head.sha }, parentConfig });
  const note = parentConfig ? '' : " (from a fork: without the app's config vars)";
  return { deployed: true, message: `preview ${started.app.name} deploying #${started.deployment.id}${note}`, app: `${started.app.owner}/${started.app.name}`, deploymentId: started.deployment.id };
}

async function deploy(deps: Deps, app: AppRow, source: DeploySource): Promise<HookOutcome> {
  const started = await startDeploy(deps, { appName: `${app.owner}/${app.name}`, source });
  return { deployed: true, message: `deploying #${started.deployment.id}`, app: `${app.owner}/${app.name}`, deploymentId: started.deployment.id };
}

/** The generic hook: the secret as a bearer token, and a git URL and ref or an image in the body. */
export async function genericDelivery(deps: Deps, app: AppRow, d: { token: string | undefined; body: { git?: { url: string; ref?: string | undefined } | undefined; image?: string | undefined } }): Promise<HookOutcome> {
  const secret = Buffer.from(secretOf(deps, app));
  const given = Buffer.from(d.token ?? '');
  if (given.length !== secret.length || !timingSafeEqual(given, secret)) throw Unauthorized("the token is not this app's webhook secret");
  if (d.body.image) return deploy(deps, app, { kind: 'image', image: d.body.image });
  if (d.body.git) return deploy(deps, app, { kind: 'git', url: d.body.git.url, ref: d.body.git.ref ?? app.deployBranch });
  throw Invalid('give git {url, ref} or image');
}
