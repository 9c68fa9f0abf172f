// Backups of add-ons and volumes: taken by piped one-off containers, encrypted (BERTHBAK v1,
// infra/secrets/backup-cipher.ts), stored at a destination (a local directory or S3), checked
// by reading them back, restored, and proved by drills into throwaway containers. Every
// operation on one source runs in that source's job queue, so none overlaps another. What is
// particular to PostgreSQL, Redis and volumes is in their BackupKind (postgres-backup.ts, ...).
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Conflict, Failed, Invalid, messageOf, NotFound } from '../../errors.js';
import type { BackupRow } from '../../infra/db/backups-repo.js';
import { encryptor, readBackupHeader } from '../../infra/secrets/backup-cipher.js';
import { getAddon } from '../addons/addon-service.js';
import { getApp } from '../apps/app-ref.js';
import { LABELS, type Deps } from '../context.js';
import { activeBackupKey, destinationOf, storeOf, type Destination } from './backup-destinations.js';
import { BACKUP_PROCESSES, human, lastLines } from './backup-oneoffs.js';
import { ByteCounter, Sha256Meter, testFault } from './backup-streams.js';
import type { BackupKind, BackupView, CreateBackup, DrillLine, RestoreBackup, Source, Visible } from './backup-types.js';
import { compareCounts, unrecordedCounts } from './drill-compare.js';
import { postgresBackups } from './postgres-backup.js';
import { applyRetention, ruleOf } from './prune.js';
import { redisBackups } from './redis-backup.js';
import { objectKey, parseSourceName } from './sources.js';
import { volumeBackups } from './volume-backup.js';

export type { BackupStatus, BackupView, CreateBackup, DestinationView, DrillLine, PolicyView, RestoreBackup, Source, Visible } from './backup-types.js';

/** The kind of a source: what dumps, checks, restores and drills it. */
function kindOf(src: { kind: 'addon' | 'volume'; addon?: { type: string } }): BackupKind {
  if (src.kind === 'volume') return volumeBackups;
  if (src.addon?.type === 'postgres') return postgresBackups;
  if (src.addon?.type === 'redis') return redisBackups;
  throw Invalid(`backups of ${src.addon?.type ?? 'these'} add-ons are not supported yet`);
}

/**
 * The kind of what a stored backup was taken of: its add-on's type, or (the add-on gone, or a
 * backup imported from another server) the kind its header names, read without the key.
 */
async function kindOfRow(deps: Deps, b: BackupRow): Promise<BackupKind> {
  if (b.sourceKind === 'volume') return volumeBackups;
  const type = deps.db.addons.byName(b.source)?.type ?? (await readBackupHeader(await storeOf(deps, b).get(b.objectKey))).kind;
  return kindOf({ kind: 'addon', addon: { type } });
}

/** The add-on or APP:VOLUME `ref` names, if the caller may see its owner. */
export function resolveSource(deps: Deps, ref: string, visible: Visible): Source {
  const s = parseSourceName(ref);
  if (s.kind === 'addon') {
    const a = getAddon(deps, s.name, visible);
    return { kind: 'addon', owner: a.owner, name: a.name, appId: null, addon: a };
  }
  const app = getApp(deps, s.app, visible);
  if (!Object.hasOwn(app.volumes ?? {}, s.volume)) {
    throw NotFound(`${app.owner}/${app.name} has no volume ${s.volume}`, { hint: `its volumes: ${Object.keys(app.volumes ?? {}).join(', ') || 'none (berth.yml volumes:)'}` });
  }
  return { kind: 'volume', owner: app.owner, name: `${app.owner}/${app.name}:${s.volume}`, appId: app.id, app, volume: s.volume };
}

export const queueKey = (s: { kind: string; name: string }) => `backup:${s.kind}:${s.name}`;

export function viewBackup(deps: Deps, b: BackupRow): BackupView {
  const dest = b.destinationId ? deps.db.backups.destinations.get(b.destinationId) : undefined;
  const drillLines = (b.drillDetail ?? []) as DrillLine[];
  return {
    id: b.id,
    owner: b.owner,
    source: b.source,
    sourceKind: b.sourceKind,
    destination: b.destinationId ? (dest?.name ?? '(removed)') : 'local',
    status: b.status,
    trigger: b.trigger,
    plainBytes: b.plainBytes,
    cipherBytes: b.cipherBytes,
    sha256: b.sha256,
    keyId: b.keyId,
    counts: b.counts,
    warning: b.warning,
    error: b.error,
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
    drill: b.drillStatus
      ? { status: b.drillStatus, at: b.drillAt ?? b.startedAt, lines: drillLines, summary: drillSummary(b.drillStatus, drillLines, b.drillError), error: b.drillError }
      : null,
  };
}

function drillSummary(status: string, lines: DrillLine[], error: string | null): string {
  if (status === 'running') return 'running';
  if (error) return error;
  // Only a drill of an import without counts is ok with no expected count (unrecordedCounts).
  if (status === 'ok' && lines.length > 0 && lines.every((l) => l.expected === null)) return unrecordedCounts(Object.fromEntries(lines.map((l) => [l.table, l.restored ?? 0]))).summary;
  const c = compareCounts(
    Object.fromEntries(lines.filter((l) => l.expected !== null).map((l) => [l.table, l.expected as number])),
    Object.fromEntries(lines.filter((l) => l.restored !== null).map((l) => [l.table, l.restored as number])),
  );
  return c.summary;
}

/** Backups the caller may see, newest first; with `source`, only that source's. */
export function listBackups(deps: Deps, p: { source?: string | undefined; visible: Visible }): BackupView[] {
  if (p.source !== undefined) {
    const s = resolveSource(deps, p.source, p.visible);
    return deps.db.backups.list({ sourceKind: s.kind, source: s.name }).map((b) => viewBackup(deps, b));
  }
  return deps.db.backups
    .list({})
    .filter((b) => !p.visible || p.visible(b.owner))
    .map((b) => viewBackup(deps, b));
}

function backupRow(deps: Deps, id: string, visible: Visible): BackupRow {
  const b = /^[a-z0-9]{1,40}$/.test(id) ? deps.db.backups.get(id) : undefined;
  if (!b || (visible && !visible(b.owner))) throw NotFound(`backup ${id.slice(0, 40)} does not exist`, { hint: 'run `berth backups list` to list backups' });
  return b;
}

/** One backup by id (NotFound if the caller may not see it). */
export function getBackup(deps: Deps, id: string, visible: Visible): BackupView {
  return viewBackup(deps, backupRow(deps, id, visible));
}

/** Takes a backup now: dump, encrypt, store, check (read back). Resolves with the final row, ok or failed. */
export async function createBackup(deps: Deps, p: CreateBackup): Promise<BackupView> {
  const src = resolveSource(deps, p.source, p.visible);
  const dest = destinationOf(deps, src.owner, p.to);
  const row = await deps.jobs.run(
    queueKey(src),
    async () => {
      const taken = await takeBackup(deps, src, dest, p.trigger ?? 'manual', p.log, p.signal);
      // The source's retention (its schedule's rule) after a good backup; old failures' objects always.
      const policy = deps.db.backups.policies.bySource(src.kind, src.name);
      const pruned = await applyRetention(deps, { sourceKind: src.kind, source: src.name }, taken.status === 'ok' && policy ? ruleOf(policy) : null);
      if (pruned.length > 0) p.log(`       retention: the objects of ${pruned.length} older backups removed`);
      return taken;
    },
    { owner: src.owner },
  );
  if (p.drill && row.status === 'ok') return deps.jobs.run(queueKey(src), () => runDrill(deps, row, src, p.log, p.signal), { owner: src.owner });
  return viewBackup(deps, deps.db.backups.get(row.id) ?? row);
}

/** The dump, encrypted on its way to the store, then the check. Never throws for a failed dump: the row says failed. */
async function takeBackup(deps: Deps, src: Source, dest: Destination, trigger: BackupView['trigger'], log: (l: string) => void, signal?: AbortSignal): Promise<BackupRow> {
  const key = activeBackupKey(deps);
  const id = randomBytes(6).toString('hex');
  const startedAt = new Date();
  const kind = src.kind === 'addon' ? src.addon.type : 'volume';
  const objKey = objectKey({ owner: src.owner, kind: src.kind, source: src.name, at: startedAt, id });
  const row = deps.db.backups.insert({
    id,
    owner: src.owner,
    sourceKind: src.kind,
    source: src.name,
    appId: src.appId,
    destinationId: dest.id,
    objectKey: objKey,
    trigger,
    keyId: key.id,
    startedAt: startedAt.toISOString(),
  });
  log(`-----> backing up ${src.kind === 'addon' ? `${kind} add-on` : 'volume'} ${src.name} to ${dest.name} (backup ${id})`);
  let counts: Record<string, number> | null = null;
  try {
    const dump = await kindOf(src).dump(deps, src, log, signal);
    counts = dump.counts;
    const plain = new ByteCounter();
    const cipher = new Sha256Meter();
    const body = new PassThrough();
    try {
      await Promise.all([
        pipeline(dump.run.stdout, testFault(src.name), plain, encryptor(key.key, key.id, { kind, source: src.name, createdAt: startedAt.toISOString() }), cipher, body),
        dest.store.put(objKey, body, signal),
      ]);
    } catch (e) {
      body.destroy();
      dump.run.stdout.destroy();
      await dump.run.done.catch(() => undefined);
      throw e;
    } finally {
      await dump.end();
    }
    const { code, stderr } = await dump.run.done;
    deps.db.backups.update(id, { plainBytes: plain.bytes, cipherBytes: cipher.bytes, sha256: cipher.digest(), counts });
    const warning = code === 0 ? null : (kindOf(src).tolerated?.(code, stderr) ?? null);
    if (code !== 0 && warning === null) throw Failed(`${kindOf(src).tool} exited with code ${code}${stderr.trim() ? `: ${lastLines(stderr)}` : ''}`);
    if (warning) deps.db.backups.update(id, { warning });
    log(`       ${human(plain.bytes)} dumped, ${human(cipher.bytes)} stored (sha256 ${cipher.digest().slice(0, 12)})`);
  } catch (e) {
    return failBackup(deps, src, id, `${DUMP_FAILED}${messageOf(e)}`, log);
  }
  deps.db.backups.setStatus(id, 'verifying');
  return verifyBackup(deps, deps.db.backups.get(id) ?? row, log, signal);
}

/** How the error of a backup whose dump (not its check) failed begins. */
const DUMP_FAILED = 'the dump failed: ';

function failBackup(deps: Deps, src: { owner: string; name: string; appId: number | null }, id: string, error: string, log: (l: string) => void): BackupRow {
  log(`       FAILED: ${error}`);
  deps.db.tx(() => {
    deps.db.backups.setStatus(id, 'failed', { error });
    deps.db.events.add({ appId: src.appId, owner: src.owner, subject: `backup:${src.name}`, kind: 'backup.failed', message: `backup ${id} of ${src.name} failed: ${error}` });
  });
  return deps.db.backups.get(id)!;
}

/** Reads the stored object back: size and sha256 as recorded, decrypts to its end, and the kind's own reader accepts it. */
async function verifyBackup(deps: Deps, b: BackupRow, log: (l: string) => void, signal?: AbortSignal, o: { recheck?: boolean } = {}): Promise<BackupRow> {
  log('-----> checking the stored backup (read back from its destination)');
  try {
    const detail = await checkStored(deps, b, signal);
    deps.db.tx(() => {
      deps.db.backups.setStatus(b.id, 'ok', { error: null });
      // A new backup is an event; a check again of one already recorded is not.
      if (!o.recheck) deps.db.events.add({ appId: b.appId, owner: b.owner, subject: `backup:${b.source}`, kind: 'backup.succeeded', message: `backup ${b.id} of ${b.source}: ${detail}` });
    });
    log(`       ok: ${detail}`);
    return deps.db.backups.get(b.id)!;
  } catch (e) {
    return failBackup(deps, { owner: b.owner, name: b.source, appId: b.appId }, b.id, messageOf(e), log);
  }
}

/** The check itself (the kind's): throws what is wrong, returns what it saw; counts it learnt are kept. */
async function checkStored(deps: Deps, b: BackupRow, signal?: AbortSignal): Promise<string> {
  const { detail, counts } = await (await kindOfRow(deps, b)).check(deps, b, signal);
  if (counts) deps.db.backups.update(b.id, { counts });
  return detail;
}

/** Reads a stored backup back and checks it again. */
export async function checkBackup(deps: Deps, p: { id: string; visible: Visible; log: (line: string) => void; signal?: AbortSignal }): Promise<BackupView> {
  const b = backupRow(deps, p.id, p.visible);
  if (b.status === 'running' || b.status === 'verifying' || b.status === 'pruned') throw Conflict(`backup ${b.id} is ${b.status}: nothing to check`);
  // Its object may read well (tar wrote a valid archive of what it could read) but is not whole: a check must not make it ok.
  if (b.status === 'failed' && b.error?.startsWith(DUMP_FAILED)) throw Conflict(`backup ${b.id} failed while it was taken (${b.error.slice(0, 200)}): a check cannot make it usable`, { hint: `take a new one: berth backups create ${b.source}` });
  const out = await deps.jobs.run(queueKey({ kind: b.sourceKind, name: b.source }), () => verifyBackup(deps, b, p.log, p.signal, { recheck: true }), { owner: b.owner });
  return viewBackup(deps, out);
}

/** The backup a restore or drill uses: the one named, or the newest ok one of the source. */
function chosenBackup(deps: Deps, src: Source, id: string | undefined, visible: Visible): BackupRow {
  if (id !== undefined) {
    const b = backupRow(deps, id, visible);
    if (b.source !== src.name || b.sourceKind !== src.kind) throw Invalid(`backup ${b.id} is of ${b.source}, not of ${src.name}`);
    if (b.status === 'running' || b.status === 'verifying' || b.status === 'pruned') throw Conflict(`backup ${b.id} is ${b.status}`);
    return b;
  }
  const b = deps.db.backups.latestOk(src.kind, src.name);
  if (!b) throw NotFound(`${src.name} has no checked backup`, { hint: `take one: berth backups create ${src.name}` });
  return b;
}

/** Restores a backup into its source (a safety backup first unless told not to). */
export async function restoreBackup(deps: Deps, p: RestoreBackup): Promise<{ restored: BackupView; safety: BackupView | null }> {
  const src = resolveSource(deps, p.source, p.visible);
  const b = chosenBackup(deps, src, p.backupId, p.visible);
  return deps.jobs.run(
    queueKey(src),
    async () => {
      let safety: BackupRow | null = null;
      await kindOf(src).beforeRestore?.(deps, src);
      if (p.safetyBackup) {
        p.log('-----> a safety backup of the current state first (--no-safety-backup skips it)');
        safety = await takeBackup(deps, src, destinationOf(deps, src.owner, undefined), 'safety', p.log, p.signal);
        if (safety.status !== 'ok') throw Failed(`the safety backup failed, so nothing was restored: ${safety.error ?? ''}`, { hint: 'fix its cause, or pass --no-safety-backup' });
      }
      p.log(`-----> restoring backup ${b.id} (${b.startedAt}) into ${src.name}`);
      await kindOf(src).restore(deps, b, src, p.log, p.signal);
      deps.db.events.add({ appId: src.appId, owner: src.owner, subject: `backup:${src.name}`, kind: 'backup.restored', message: `backup ${b.id} of ${src.name} restored` });
      p.log('       restored');
      return { restored: viewBackup(deps, b), safety: safety ? viewBackup(deps, safety) : null };
    },
    { owner: src.owner },
  );
}

/** Restores a backup (default the newest ok one) into a throwaway container and compares counts. */
export async function drillBackup(deps: Deps, p: { source: string; backupId?: string | undefined; visible: Visible; log: (line: string) => void; signal?: AbortSignal }): Promise<BackupView> {
  const src = resolveSource(deps, p.source, p.visible);
  const b = chosenBackup(deps, src, p.backupId, p.visible);
  return deps.jobs.run(queueKey(src), () => runDrill(deps, b, src, p.log, p.signal), { owner: src.owner });
}

/** The drill: never throws for a failed restore or a count that differs; the row and an event say so. */
async function runDrill(deps: Deps, b: BackupRow, src: Source, log: (l: string) => void, signal?: AbortSignal): Promise<BackupView> {
  deps.db.backups.setDrill(b.id, { status: 'running' });
  log(`-----> restore drill of backup ${b.id} into a throwaway ${src.kind === 'volume' ? 'volume' : 'database'}`);
  try {
    const kind = kindOf(src);
    const restored = await kind.drill(deps, b, src, log, signal);
    const cmp = b.trigger === 'import' && b.counts === null ? unrecordedCounts(restored) : compareCounts(kind.expected(b), restored);
    const lines = cmp.lines;
    if (!cmp.ok) throw Object.assign(Failed(`the restored copy differs: ${cmp.summary}`), { lines });
    deps.db.tx(() => {
      deps.db.backups.setDrill(b.id, { status: 'ok', detail: lines });
      deps.db.events.add({ appId: src.appId, owner: src.owner, subject: `backup:${src.name}`, kind: 'drill.succeeded', message: `restore drill of backup ${b.id} of ${src.name}: ${cmp.summary}` });
    });
    log(`       ok: ${cmp.summary}`);
  } catch (e) {
    const error = messageOf(e);
    const lines = (e as { lines?: DrillLine[] }).lines ?? null;
    deps.db.tx(() => {
      deps.db.backups.setDrill(b.id, { status: 'failed', detail: lines, error });
      deps.db.events.add({ appId: src.appId, owner: src.owner, subject: `backup:${src.name}`, kind: 'drill.failed', message: `restore drill of backup ${b.id} of ${src.name} failed: ${error}` });
    });
    log(`       FAILED: ${error}`);
  }
  return viewBackup(deps, deps.db.backups.get(b.id)!);
}

/**
 * After a crash or restart: backups and drills that were under way are marked interrupted
 * (their partial objects are not trusted), and the one-offs they ran are removed.
 */
export async function recoverBackups(deps: Deps): Promise<void> {
  for (const b of deps.db.backups.running()) deps.db.backups.markInterrupted(b.id, 'Berth stopped while this was under way');
  for (const p of BACKUP_PROCESSES) {
    for (const c of await deps.scheduler.listContainers({ [LABELS.instance]: deps.instanceId, [LABELS.process]: p })) await deps.scheduler.remove(c.id, 1).catch(() => undefined);
  }
  // Half-written objects of the server's own directory.
  const partials = deps.backupStore ? await deps.backupStore({ kind: 'local', dir: deps.config.backupDir }).removePartials?.().catch(() => 0) : 0;
  if (partials) deps.logger.info({ partials }, 'removed half-written backup objects a stop left');
  // A volume drill's throwaway volume (after its container: a mounted volume cannot go).
  for (const v of await deps.scheduler.listVolumes({ [LABELS.instance]: deps.instanceId, [LABELS.process]: 'drill' })) await deps.scheduler.removeVolume(v.name).catch(() => undefined);
}
