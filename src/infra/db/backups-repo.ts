// The backup tables (issue #20): master keys (sealed), destinations per owner, schedules per
// source (backup_policies) and the backups themselves with their check and drill results.
// Rows only: what a status means and who may see what is domain/backups'.
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { now } from './time.js';

export type BackupSourceKind = 'addon' | 'volume';
/** running -> verifying -> ok | failed; interrupted by a restart; pruned: ok once, its object removed by retention. */
export type BackupStatus = 'running' | 'verifying' | 'ok' | 'failed' | 'interrupted' | 'pruned';
export type DrillStatus = 'running' | 'ok' | 'failed';
/** safety: taken before a restore; import: listed from a destination by a new server. */
export type BackupTrigger = 'manual' | 'schedule' | 'safety' | 'import';
export type DestinationKind = 'local' | 's3';

/** Flat name -> number: postgres table -> rows (under the dump's snapshot), redis db -> keys, volume entries/bytes. */
export type BackupCounts = Record<string, number>;
/** One line of a drill's comparison (table, redis db, or volume entries/bytes); null: that side lacks it. */
export interface DrillComparison {
  table: string;
  expected: number | null;
  restored: number | null;
}

/** Where a destination keeps objects; no secrets (those are sealedCredentials). */
export interface DestinationConfig {
  /** local: the directory (absent: the server's default). */
  path?: string;
  endpoint?: string;
  bucket?: string;
  region?: string;
  prefix?: string;
  /** The S3 access key id, not secret (shown in lists); the secret key is in sealedCredentials. */
  accessKeyId?: string;
  forcePathStyle?: boolean;
}

export interface BackupKeyRow {
  /** sha256(key)[:16 hex], also written in every backup's header. */
  id: string;
  /** Sealed (SecretBox). */
  sealedKey: string;
  active: boolean;
  createdAt: string;
  exportedAt: string | null;
}

export interface BackupDestinationRow {
  id: string;
  owner: string;
  name: string;
  kind: DestinationKind;
  config: DestinationConfig;
  /** Sealed (SecretBox) JSON of the access key and secret; null for local. */
  sealedCredentials: string | null;
  createdAt: string;
}

export interface BackupPolicyRow {
  id: string;
  owner: string;
  sourceKind: BackupSourceKind;
  /** The add-on's name, or APP:VOLUME. */
  source: string;
  appId: number | null;
  /** null: the default local destination. */
  destinationId: string | null;
  /** Cron expression; null: no scheduled backups. */
  schedule: string | null;
  /** null: the server's default. */
  keepDaily: number | null;
  keepWeekly: number | null;
  drillSchedule: string | null;
  /** The time up to which due backups (drills) were handled. */
  handledThrough: string | null;
  drillHandledThrough: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BackupRow {
  id: string;
  owner: string;
  sourceKind: BackupSourceKind;
  source: string;
  appId: number | null;
  /** null: the default local destination; may name a destination removed since. */
  destinationId: string | null;
  objectKey: string;
  status: BackupStatus;
  trigger: BackupTrigger;
  plainBytes: number | null;
  cipherBytes: number | null;
  /** Hex sha256 of the stored (encrypted) object. */
  sha256: string | null;
  keyId: string | null;
  counts: BackupCounts | null;
  warning: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  drillStatus: DrillStatus | null;
  drillAt: string | null;
  drillDetail: DrillComparison[] | null;
  drillError: string | null;
}

/** The fields update() may change (status as is: setStatus also sets finished_at). */
export type BackupPatch = Partial<Omit<BackupRow, 'id' | 'owner' | 'sourceKind' | 'source' | 'appId' | 'trigger' | 'startedAt'>>;

/** A new row id: 12 random hex digits, short to type and unique across servers (for imports). */
export const newBackupId = (): string => randomBytes(6).toString('hex');

type Raw = Record<string, unknown>;
const json = <T>(s: unknown): T | null => (typeof s === 'string' ? (JSON.parse(s) as T) : null);

const toKey = (r: Raw): BackupKeyRow => ({ id: r.id as string, sealedKey: r.sealed_key as string, active: r.active === 1, createdAt: r.created_at as string, exportedAt: r.exported_at as string | null });

const toDestination = (r: Raw): BackupDestinationRow => ({
  id: r.id as string,
  owner: r.owner as string,
  name: r.name as string,
  kind: r.kind as DestinationKind,
  config: json<DestinationConfig>(r.config) ?? {},
  sealedCredentials: r.sealed_credentials as string | null,
  createdAt: r.created_at as string,
});

const toPolicy = (r: Raw): BackupPolicyRow => ({
  id: r.id as string,
  owner: r.owner as string,
  sourceKind: r.source_kind as BackupSourceKind,
  source: r.source as string,
  appId: r.app_id as number | null,
  destinationId: r.destination_id as string | null,
  schedule: r.schedule as string | null,
  keepDaily: r.keep_daily as number | null,
  keepWeekly: r.keep_weekly as number | null,
  drillSchedule: r.drill_schedule as string | null,
  handledThrough: r.handled_through as string | null,
  drillHandledThrough: r.drill_handled_through as string | null,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

const toBackup = (r: Raw): BackupRow => ({
  id: r.id as string,
  owner: r.owner as string,
  sourceKind: r.source_kind as BackupSourceKind,
  source: r.source as string,
  appId: r.app_id as number | null,
  destinationId: r.destination_id as string | null,
  objectKey: r.object_key as string,
  status: r.status as BackupStatus,
  trigger: r.trigger as BackupTrigger,
  plainBytes: r.plain_bytes as number | null,
  cipherBytes: r.cipher_bytes as number | null,
  sha256: r.sha256 as string | null,
  keyId: r.key_id as string | null,
  counts: json<BackupCounts>(r.counts),
  warning: r.warning as string | null,
  error: r.error as string | null,
  startedAt: r.started_at as string,
  finishedAt: r.finished_at as string | null,
  drillStatus: r.drill_status as DrillStatus | null,
  drillAt: r.drill_at as string | null,
  drillDetail: json<DrillComparison[]>(r.drill_detail),
  drillError: r.drill_error as string | null,
});

/** BackupPatch field -> column (a fixed list: no caller-made SQL). */
const PATCH_COLUMNS = {
  destinationId: 'destination_id',
  objectKey: 'object_key',
  status: 'status',
  plainBytes: 'plain_bytes',
  cipherBytes: 'cipher_bytes',
  sha256: 'sha256',
  keyId: 'key_id',
  counts: 'counts',
  warning: 'warning',
  error: 'error',
  finishedAt: 'finished_at',
  drillStatus: 'drill_status',
  drillAt: 'drill_at',
  drillDetail: 'drill_detail',
  drillError: 'drill_error',
} as const satisfies Record<keyof BackupPatch, string>;
const JSON_FIELDS: readonly (keyof BackupPatch)[] = ['counts', 'drillDetail'];

/** Master keys: at most one active (a partial unique index); old ones stay for old backups. */
export class BackupKeysRepo {
  constructor(private readonly db: Database.Database) {}

  /** Adds a key; an active one replaces the active key. */
  insert(k: { id: string; sealedKey: string; active: boolean }): BackupKeyRow {
    this.db.transaction(() => {
      if (k.active) this.db.prepare('UPDATE backup_keys SET active = 0 WHERE active = 1').run();
      this.db.prepare('INSERT INTO backup_keys (id, sealed_key, active, created_at) VALUES (?, ?, ?, ?)').run(k.id, k.sealedKey, k.active ? 1 : 0, now());
    })();
    return this.get(k.id)!;
  }

  get(id: string): BackupKeyRow | undefined {
    const r = this.db.prepare<[string], Raw>('SELECT * FROM backup_keys WHERE id = ?').get(id);
    return r && toKey(r);
  }

  /** Oldest first. */
  list(): BackupKeyRow[] {
    return this.db.prepare<[], Raw>('SELECT * FROM backup_keys ORDER BY created_at, id').all().map(toKey);
  }

  active(): BackupKeyRow | undefined {
    const r = this.db.prepare<[], Raw>('SELECT * FROM backup_keys WHERE active = 1').get();
    return r && toKey(r);
  }

  /** Makes the key the active one (new backups use it), every other inactive; false for an unknown id. */
  setActive(id: string): boolean {
    return this.db.transaction(() => {
      if (!this.get(id)) return false;
      this.db.prepare('UPDATE backup_keys SET active = 0 WHERE active = 1 AND id != ?').run(id);
      this.db.prepare('UPDATE backup_keys SET active = 1 WHERE id = ?').run(id);
      return true;
    })();
  }

  markExported(id: string): void {
    this.db.prepare('UPDATE backup_keys SET exported_at = ? WHERE id = ?').run(now(), id);
  }
}

/** Destinations per owner, unique by (owner, name). */
export class BackupDestinationsRepo {
  constructor(private readonly db: Database.Database) {}

  insert(d: { owner: string; name: string; kind: DestinationKind; config: DestinationConfig; sealedCredentials: string | null }): BackupDestinationRow {
    const id = newBackupId();
    this.db
      .prepare('INSERT INTO backup_destinations (id, owner, name, kind, config, sealed_credentials, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, d.owner, d.name, d.kind, JSON.stringify(d.config), d.sealedCredentials, now());
    return this.get(id)!;
  }

  get(id: string): BackupDestinationRow | undefined {
    const r = this.db.prepare<[string], Raw>('SELECT * FROM backup_destinations WHERE id = ?').get(id);
    return r && toDestination(r);
  }

  byName(owner: string, name: string): BackupDestinationRow | undefined {
    const r = this.db.prepare<[string, string], Raw>('SELECT * FROM backup_destinations WHERE owner = ? AND name = ?').get(owner, name);
    return r && toDestination(r);
  }

  /** One owner's destinations, or every owner's; by owner, then name. */
  list(owner?: string): BackupDestinationRow[] {
    const rows = owner === undefined ? this.db.prepare<[], Raw>('SELECT * FROM backup_destinations ORDER BY owner, name').all() : this.db.prepare<[string], Raw>('SELECT * FROM backup_destinations WHERE owner = ? ORDER BY name').all(owner);
    return rows.map(toDestination);
  }

  /** Whether a policy sends backups there: delete() fails while one does (a foreign key). */
  usedByPolicies(id: string): boolean {
    return this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM backup_policies WHERE destination_id = ?').get(id)!.n > 0;
  }

  /** Removes the destination; backups stored there keep its id (their objects stay where they are). */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM backup_destinations WHERE id = ?').run(id).changes > 0;
  }
}

/** One policy (schedule, retention, drill schedule, destination) per source. */
export class BackupPoliciesRepo {
  constructor(private readonly db: Database.Database) {}

  /** Creates or replaces the source's policy; how far its schedules were handled is kept. */
  upsert(p: Pick<BackupPolicyRow, 'owner' | 'sourceKind' | 'source' | 'appId' | 'destinationId' | 'schedule' | 'keepDaily' | 'keepWeekly' | 'drillSchedule'>): BackupPolicyRow {
    const at = now();
    this.db
      .prepare(
        `INSERT INTO backup_policies (id, owner, source_kind, source, app_id, destination_id, schedule, keep_daily, keep_weekly, drill_schedule, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(source_kind, source) DO UPDATE SET owner = excluded.owner, app_id = excluded.app_id, destination_id = excluded.destination_id,
           schedule = excluded.schedule, keep_daily = excluded.keep_daily, keep_weekly = excluded.keep_weekly, drill_schedule = excluded.drill_schedule, updated_at = excluded.updated_at`,
      )
      .run(newBackupId(), p.owner, p.sourceKind, p.source, p.appId, p.destinationId, p.schedule, p.keepDaily, p.keepWeekly, p.drillSchedule, at, at);
    return this.bySource(p.sourceKind, p.source)!;
  }

  get(id: string): BackupPolicyRow | undefined {
    const r = this.db.prepare<[string], Raw>('SELECT * FROM backup_policies WHERE id = ?').get(id);
    return r && toPolicy(r);
  }

  bySource(sourceKind: BackupSourceKind, source: string): BackupPolicyRow | undefined {
    const r = this.db.prepare<[string, string], Raw>('SELECT * FROM backup_policies WHERE source_kind = ? AND source = ?').get(sourceKind, source);
    return r && toPolicy(r);
  }

  /** One owner's policies, or every owner's; by owner, kind, source. */
  list(owner?: string): BackupPolicyRow[] {
    const order = 'ORDER BY owner, source_kind, source';
    const rows = owner === undefined ? this.db.prepare<[], Raw>(`SELECT * FROM backup_policies ${order}`).all() : this.db.prepare<[string], Raw>(`SELECT * FROM backup_policies WHERE owner = ? ${order}`).all(owner);
    return rows.map(toPolicy);
  }

  setHandledThrough(id: string, at: string | null): void {
    this.db.prepare('UPDATE backup_policies SET handled_through = ? WHERE id = ?').run(at, id);
  }

  setDrillHandledThrough(id: string, at: string | null): void {
    this.db.prepare('UPDATE backup_policies SET drill_handled_through = ? WHERE id = ?').run(at, id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM backup_policies WHERE id = ?').run(id).changes > 0;
  }
}

/** The backups table, plus the other three tables' repositories (db.backups.keys, .destinations, .policies). */
export class BackupsRepo {
  readonly keys: BackupKeysRepo;
  readonly destinations: BackupDestinationsRepo;
  readonly policies: BackupPoliciesRepo;

  constructor(private readonly db: Database.Database) {
    this.keys = new BackupKeysRepo(db);
    this.destinations = new BackupDestinationsRepo(db);
    this.policies = new BackupPoliciesRepo(db);
  }

  /**
   * Records a backup with status running; id: newBackupId() unless given (an import keeps the
   * object's), startedAt: now unless given (the time written in the object's key and header).
   */
  insert(b: { id?: string; owner: string; sourceKind: BackupSourceKind; source: string; appId: number | null; destinationId: string | null; objectKey: string; trigger: BackupTrigger; keyId?: string | null; startedAt?: string }): BackupRow {
    const id = b.id ?? newBackupId();
    this.db
      .prepare("INSERT INTO backups (id, owner, source_kind, source, app_id, destination_id, object_key, status, trigger, key_id, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)")
      .run(id, b.owner, b.sourceKind, b.source, b.appId, b.destinationId, b.objectKey, b.trigger, b.keyId ?? null, b.startedAt ?? now());
    return this.get(id)!;
  }

  get(id: string): BackupRow | undefined {
    const r = this.db.prepare<[string], Raw>('SELECT * FROM backups WHERE id = ?').get(id);
    return r && toBackup(r);
  }

  /** Backups matching every given filter, newest first. */
  list(f: { sourceKind?: BackupSourceKind; source?: string; owner?: string; destinationId?: string; status?: BackupStatus } = {}, limit = 1000): BackupRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (column: string, v: string | undefined) => {
      if (v === undefined) return;
      where.push(`${column} = ?`);
      args.push(v);
    };
    add('source_kind', f.sourceKind);
    add('source', f.source);
    add('owner', f.owner);
    add('destination_id', f.destinationId);
    add('status', f.status);
    const sql = `SELECT * FROM backups ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, rowid DESC LIMIT ?`;
    return this.db
      .prepare<(string | number)[], Raw>(sql)
      .all(...args, limit)
      .map(toBackup);
  }

  /** Sets the given fields (undefined ones are left alone). */
  update(id: string, patch: BackupPatch): void {
    const sets: string[] = [];
    const args: (string | number | null)[] = [];
    for (const [field, column] of Object.entries(PATCH_COLUMNS) as [keyof BackupPatch, string][]) {
      const v = patch[field];
      if (v === undefined) continue;
      sets.push(`${column} = ?`);
      args.push(JSON_FIELDS.includes(field) ? (v === null ? null : JSON.stringify(v)) : (v as string | number | null));
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE backups SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  /** Moves the backup to `status`; ok, failed and interrupted also set finished_at (once). */
  setStatus(id: string, status: BackupStatus, f: { error?: string | null; warning?: string | null } = {}): void {
    const ends = status === 'ok' || status === 'failed' || status === 'interrupted' ? 1 : 0;
    this.db.transaction(() => {
      this.db.prepare('UPDATE backups SET status = ?, finished_at = CASE WHEN ? = 1 THEN COALESCE(finished_at, ?) ELSE finished_at END WHERE id = ?').run(status, ends, now(), id);
      this.update(id, { ...(f.error !== undefined ? { error: f.error } : {}), ...(f.warning !== undefined ? { warning: f.warning } : {}) });
    })();
  }

  /** Records a drill of the backup: its status, at now; detail and error replace the previous drill's. */
  setDrill(id: string, d: { status: DrillStatus; detail?: DrillComparison[] | null; error?: string | null }): void {
    this.db.prepare('UPDATE backups SET drill_status = ?, drill_at = ?, drill_detail = ?, drill_error = ? WHERE id = ?').run(d.status, now(), d.detail ? JSON.stringify(d.detail) : null, d.error ?? null, id);
  }

  /** The source's newest backup whose check passed. */
  latestOk(sourceKind: BackupSourceKind, source: string): BackupRow | undefined {
    const r = this.db.prepare<[string, string], Raw>("SELECT * FROM backups WHERE source_kind = ? AND source = ? AND status = 'ok' ORDER BY started_at DESC, rowid DESC LIMIT 1").get(sourceKind, source);
    return r && toBackup(r);
  }

  /** Backups left running or verifying, or with a drill running: what a restarted Berth recovers. Oldest first. */
  running(): BackupRow[] {
    return this.db.prepare<[], Raw>("SELECT * FROM backups WHERE status IN ('running', 'verifying') OR drill_status = 'running' ORDER BY started_at, rowid").all().map(toBackup);
  }

  /** A backup running or verifying becomes interrupted, a drill running failed, both with `error`. */
  markInterrupted(id: string, error: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE backups SET status = 'interrupted', error = ?, finished_at = COALESCE(finished_at, ?) WHERE id = ? AND status IN ('running', 'verifying')").run(error, now(), id);
      this.db.prepare("UPDATE backups SET drill_status = 'failed', drill_error = ?, drill_at = ? WHERE id = ? AND drill_status = 'running'").run(error, now(), id);
    })();
  }
}
