// The backups table (issue #20): each backup with its check and drill results; the tables
// around it (keys, destinations, schedules) are backup-settings-repo.ts, reached as
// db.backups.keys/.destinations/.policies. Rows only: what a status means and who may see
// what is domain/backups'.
import type Database from 'better-sqlite3';
import { BackupDestinationsRepo, BackupKeysRepo, BackupPoliciesRepo, json, newBackupId, type BackupSourceKind, type Raw } from './backup-settings-repo.js';
import { now } from './time.js';

export { BackupDestinationsRepo, BackupKeysRepo, BackupPoliciesRepo, newBackupId } from './backup-settings-repo.js';
export type { BackupDestinationRow, BackupKeyRow, BackupPolicyRow, BackupSourceKind, DestinationConfig, DestinationKind } from './backup-settings-repo.js';

/** running -> verifying -> ok | failed; interrupted by a restart; pruned: ok once, its object removed by retention. */
export type BackupStatus = 'running' | 'verifying' | 'ok' | 'failed' | 'interrupted' | 'pruned';
export type DrillStatus = 'running' | 'ok' | 'failed';
/** safety: taken before a restore; import: listed from a destination by a new server. */
export type BackupTrigger = 'manual' | 'schedule' | 'safety' | 'import';

/** Flat name -> number: postgres table -> rows (under the dump's snapshot), redis db -> keys, volume entries/bytes. */
export type BackupCounts = Record<string, number>;
/** One line of a drill's comparison (table, redis db, or volume entries/bytes); null: that side lacks it. */
export interface DrillComparison {
  table: string;
  expected: number | null;
  restored: number | null;
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
