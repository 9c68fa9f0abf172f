// The tables around the backups (issue #20): master keys (sealed), destinations per owner and
// schedules per source (backup_policies). Rows only; db.backups.keys/.destinations/.policies.
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { now } from './time.js';

export type BackupSourceKind = 'addon' | 'volume';
export type DestinationKind = 'local' | 's3';

/** A new row id: 12 random hex digits, short to type and unique across servers (for imports). */
export const newBackupId = (): string => randomBytes(6).toString('hex');

/** A row as SQLite gives it. */
export type Raw = Record<string, unknown>;
export const json = <T>(s: unknown): T | null => (typeof s === 'string' ? (JSON.parse(s) as T) : null);

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

