// Where backups go (destinations), when they are taken (policies: schedule, retention, drills),
// and the keys they are encrypted with (export for disaster recovery, import, rotate).
import { Conflict, Failed, Invalid, messageOf, NotFound } from '../../errors.js';
import type { BackupDestinationRow, BackupPolicyRow } from '../../infra/db/backups-repo.js';
import { exportBackupKey, importBackupKey, newBackupKey } from '../../infra/secrets/backup-cipher.js';
import { nextDue, scheduleProblem } from '../apps/cron-schedule.js';
import type { Deps } from '../context.js';
import { checkNotifyUrl } from '../notify/url-policy.js';
import { activeBackupKey, LOCAL, storeOfDestination } from './backup-destinations.js';
import { DEFAULT_KEEP } from './prune.js';
import { resolveSource, type DestinationView, type PolicyView, type Visible } from './backup-service.js';

export interface AddDestination {
  owner: string;
  name: string;
  endpoint: string;
  bucket: string;
  region?: string | undefined;
  prefix?: string | undefined;
  accessKeyId: string;
  secretAccessKey: string;
}

export { DEFAULT_KEEP } from './prune.js';

const NAME_RE = /^[a-z][a-z0-9-]{0,28}[a-z0-9]$/;
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function viewDestination(d: BackupDestinationRow): DestinationView {
  return {
    name: d.name,
    owner: d.owner,
    kind: d.kind,
    endpoint: d.config.endpoint ?? null,
    bucket: d.config.bucket ?? null,
    region: d.config.region ?? null,
    prefix: d.config.prefix ?? null,
    accessKeyId: d.config.accessKeyId ?? null,
    createdAt: d.createdAt,
  };
}

/** Adds an S3-compatible destination for an owner after checking it answers (a list of the bucket). */
export async function addDestination(deps: Deps, p: AddDestination): Promise<DestinationView> {
  if (!deps.db.owners.get(p.owner)) throw NotFound(`owner ${p.owner} does not exist`);
  if (!NAME_RE.test(p.name) || p.name === LOCAL) throw Invalid(`destination name ${JSON.stringify(p.name.slice(0, 40))} is not allowed: use 2-30 lowercase letters, digits and dashes (not "local")`);
  let url: URL;
  try {
    url = new URL(p.endpoint);
  } catch {
    throw Invalid(`endpoint ${JSON.stringify(p.endpoint.slice(0, 80))} is not a URL`, { hint: 'e.g. https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:9000' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw Invalid('the endpoint must be an http(s) URL');
  if (url.username || url.password) throw Invalid('put the keys in --access-key-id and the secret, not in the endpoint URL');
  // The same address rules as notification URLs: no link-local (cloud metadata); private ones only when the admin allows.
  checkNotifyUrl(url.toString(), deps.config.backupAllowPrivate, { what: 'backups', setting: 'BERTH_BACKUP_ALLOW_PRIVATE' });
  if (!BUCKET_RE.test(p.bucket)) throw Invalid(`bucket ${JSON.stringify(p.bucket.slice(0, 70))} is not a valid bucket name`);
  const prefix = (p.prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix && !PREFIX_RE.test(prefix)) throw Invalid(`prefix ${JSON.stringify(prefix.slice(0, 70))}: use letters, digits, . _ - and /`);
  if (!p.accessKeyId.trim() || !p.secretAccessKey) throw Invalid('both the access key id and the secret access key are needed');
  if (deps.db.backups.destinations.byName(p.owner, p.name)) throw Conflict(`owner ${p.owner} has a destination ${p.name} already`);
  const config = { endpoint: url.toString().replace(/\/$/, ''), bucket: p.bucket, region: p.region?.trim() || 'us-east-1', prefix, accessKeyId: p.accessKeyId.trim() };
  const sealed = deps.secrets.seal(JSON.stringify({ accessKeyId: config.accessKeyId, secretAccessKey: p.secretAccessKey }));
  const row: BackupDestinationRow = { id: 'probe', owner: p.owner, name: p.name, kind: 's3', config, sealedCredentials: sealed, createdAt: new Date().toISOString() };
  try {
    await storeOfDestination(deps, row).list('');
  } catch (e) {
    throw Failed(`the destination does not answer as an S3 bucket: ${messageOf(e)}`, { hint: 'check the endpoint, bucket and keys' });
  }
  const saved = deps.db.backups.destinations.insert({ owner: p.owner, name: p.name, kind: 's3', config, sealedCredentials: sealed });
  deps.db.events.add({ appId: null, owner: p.owner, subject: `destination:${p.name}`, kind: 'backup.destination-added', message: `backup destination ${p.name} (${config.endpoint}, bucket ${config.bucket}) added` });
  return viewDestination(saved);
}

export function listDestinations(deps: Deps, visible: Visible): DestinationView[] {
  return deps.db.backups.destinations
    .list()
    .filter((d) => !visible || visible(d.owner))
    .map(viewDestination);
}

/** Refused (Conflict) while a schedule sends backups there; stored backups stay where they are. */
export function removeDestination(deps: Deps, owner: string, name: string, visible: Visible): void {
  const d = deps.db.backups.destinations.byName(owner, name);
  if (!d || (visible && !visible(owner))) throw NotFound(`owner ${owner} has no backup destination ${name.slice(0, 60)}`);
  const using = deps.db.backups.policies.list().filter((p) => p.destinationId === d.id);
  if (using.length > 0) throw Conflict(`destination ${name} is used by the schedule of ${using.map((p) => p.source).join(', ')}`, { hint: 'schedule those to another destination first' });
  deps.db.backups.destinations.delete(d.id);
}

export interface SetSchedule {
  source: string;
  /** Cron expression; null stops scheduled backups. */
  schedule: string | null;
  keepDaily: number;
  keepWeekly: number;
  /** Cron expression or @daily/@weekly; null: no drills. */
  drill: string | null;
  to?: string | undefined;
  visible: Visible;
}

export function viewPolicy(deps: Deps, p: BackupPolicyRow, now = new Date()): PolicyView {
  const dest = p.destinationId ? deps.db.backups.destinations.get(p.destinationId) : undefined;
  return {
    source: p.source,
    sourceKind: p.sourceKind,
    owner: p.owner,
    schedule: p.schedule,
    keepDaily: p.keepDaily ?? DEFAULT_KEEP.daily,
    keepWeekly: p.keepWeekly ?? DEFAULT_KEEP.weekly,
    drillSchedule: p.drillSchedule,
    destination: p.destinationId ? (dest?.name ?? '(removed)') : LOCAL,
    nextBackupAt: p.schedule ? (nextDue(p.schedule, now)?.toISOString() ?? null) : null,
    nextDrillAt: p.drillSchedule ? (nextDue(p.drillSchedule, now)?.toISOString() ?? null) : null,
  };
}

export function setSchedule(deps: Deps, p: SetSchedule): PolicyView {
  const src = resolveSource(deps, p.source, p.visible);
  for (const [what, expr] of [
    ['--cron', p.schedule],
    ['--drill', p.drill],
  ] as const) {
    const problem = expr === null ? null : scheduleProblem(expr);
    if (problem) throw Invalid(`${what} ${JSON.stringify(expr)}: ${problem}`);
  }
  for (const [what, n] of [
    ['--keep-daily', p.keepDaily],
    ['--keep-weekly', p.keepWeekly],
  ] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 1000) throw Invalid(`${what} must be a whole number from 0 to 1000`);
  }
  let destinationId: string | null = null;
  if (p.to !== undefined && p.to !== LOCAL) {
    const d = deps.db.backups.destinations.byName(src.owner, p.to);
    if (!d) throw NotFound(`owner ${src.owner} has no backup destination ${p.to.slice(0, 60)}`, { hint: 'run `berth backups destinations list`' });
    destinationId = d.id;
  }
  if (p.schedule === null && p.drill === null) {
    const old = deps.db.backups.policies.bySource(src.kind, src.name);
    if (old) deps.db.backups.policies.delete(old.id);
    return { source: src.name, sourceKind: src.kind, owner: src.owner, schedule: null, keepDaily: p.keepDaily, keepWeekly: p.keepWeekly, drillSchedule: null, destination: p.to ?? LOCAL, nextBackupAt: null, nextDrillAt: null };
  }
  const old = deps.db.backups.policies.bySource(src.kind, src.name);
  const row = deps.db.backups.policies.upsert({
    owner: src.owner,
    sourceKind: src.kind,
    source: src.name,
    appId: src.appId,
    destinationId,
    schedule: p.schedule,
    keepDaily: p.keepDaily,
    keepWeekly: p.keepWeekly,
    drillSchedule: p.drill,
  });
  // Due times from now on: a new or changed schedule does not run for times before it existed.
  // An unchanged one keeps its place, so changing only the retention (or the other schedule)
  // just after a due time, before the tick, does not lose the run due then.
  const now = new Date().toISOString();
  if (!old || old.schedule !== p.schedule) deps.db.backups.policies.setHandledThrough(row.id, now);
  if (!old || old.drillSchedule !== p.drill) deps.db.backups.policies.setDrillHandledThrough(row.id, now);
  return viewPolicy(deps, row);
}

export function listSchedules(deps: Deps, visible: Visible): PolicyView[] {
  return deps.db.backups.policies
    .list()
    .filter((p) => !visible || visible(p.owner))
    .map((p) => viewPolicy(deps, p));
}

/** The active backup key as `berth-backup-key:v1:<id>:<base64url>` (made if none exists); recorded as exported. */
export function exportKey(deps: Deps): { id: string; key: string } {
  const k = activeBackupKey(deps);
  deps.db.backups.keys.markExported(k.id);
  deps.db.events.add({ appId: null, subject: `backup-key:${k.id}`, kind: 'backup.key-exported', message: `backup key ${k.id} exported` });
  return { id: k.id, key: exportBackupKey(k.id, k.key) };
}

/** Adds a key exported by another server (to restore its backups); it becomes active only if none is. */
export function importKey(deps: Deps, text: string): { id: string } {
  const k = importBackupKey(text);
  if (deps.db.backups.keys.get(k.id)) return { id: k.id };
  const active = !deps.db.backups.keys.active();
  deps.db.backups.keys.insert({ id: k.id, sealedKey: deps.secrets.seal(k.key.toString('base64')), active });
  deps.db.backups.keys.markExported(k.id);
  deps.db.events.add({ appId: null, subject: `backup-key:${k.id}`, kind: 'backup.key-imported', message: `backup key ${k.id} imported${active ? ' (active)' : ''}` });
  return { id: k.id };
}

/** Makes a new active key; old ones stay for old backups. */
export function rotateKey(deps: Deps): { id: string } {
  const k = newBackupKey();
  deps.db.tx(() => {
    deps.db.backups.keys.insert({ id: k.id, sealedKey: deps.secrets.seal(k.key.toString('base64')), active: false });
    deps.db.backups.keys.setActive(k.id);
    deps.db.events.add({ appId: null, subject: `backup-key:${k.id}`, kind: 'backup.key-rotated', message: `backup key ${k.id} is now the active one` });
  });
  return { id: k.id };
}

/** Whether the active key has never been exported (the CLI warns: without it, no other server can read the backups). */
export function keyNotExported(deps: Deps): boolean {
  const k = deps.db.backups.keys.active();
  return k !== undefined && k.exportedAt === null;
}
