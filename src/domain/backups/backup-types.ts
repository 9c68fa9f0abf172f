// What backups are, as the rest of Berth sees them (views for the API, CLI and dashboard), and
// what each kind of source (PostgreSQL, Redis, volume) gives the service that runs them.
import type { AddonRow } from '../../infra/db/addons-repo.js';
import type { BackupRow } from '../../infra/db/backups-repo.js';
import type { AppRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';
import type { PipedRun } from '../ports.js';

/** Which owners the caller may see; undefined = every owner (admins). */
export type Visible = ((owner: string) => boolean) | undefined;

export type BackupStatus = 'running' | 'verifying' | 'ok' | 'failed' | 'interrupted' | 'pruned';

export interface DrillLine {
  table: string;
  expected: number | null;
  restored: number | null;
}

export interface BackupView {
  id: string;
  owner: string;
  /** The add-on's name, or APP:VOLUME (owner/app:volume). */
  source: string;
  sourceKind: 'addon' | 'volume';
  /** 'local' (the server's directory) or the name of one of the owner's destinations. */
  destination: string;
  status: BackupStatus;
  trigger: 'manual' | 'schedule' | 'safety' | 'import';
  plainBytes: number | null;
  cipherBytes: number | null;
  /** sha256 of the stored (encrypted) object. */
  sha256: string | null;
  keyId: string | null;
  /** Rows per table (postgres: exact, taken under the dump's snapshot), entries (volume), keys (redis). */
  counts: Record<string, number> | null;
  warning: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** The last restore drill of this backup. */
  drill: { status: 'running' | 'ok' | 'failed'; at: string; lines: DrillLine[]; summary: string; error: string | null } | null;
}

export interface DestinationView {
  name: string;
  owner: string;
  kind: 'local' | 's3';
  endpoint: string | null;
  bucket: string | null;
  region: string | null;
  prefix: string | null;
  /** The access key id (not secret); the secret key is never shown. */
  accessKeyId: string | null;
  createdAt: string;
}

export interface PolicyView {
  source: string;
  sourceKind: 'addon' | 'volume';
  owner: string;
  /** Cron expression of the backups, or null (none scheduled). */
  schedule: string | null;
  keepDaily: number;
  keepWeekly: number;
  /** Cron expression (or @daily/@weekly) of the restore drills, or null. */
  drillSchedule: string | null;
  destination: string;
  nextBackupAt: string | null;
  nextDrillAt: string | null;
}

export interface CreateBackup {
  /** An add-on name or APP:VOLUME. */
  source: string;
  /** A destination name of the source's owner; default the server's local directory. */
  to?: string | undefined;
  trigger?: 'manual' | 'schedule' | 'safety';
  /** Run a restore drill of the new backup right after it is checked. */
  drill?: boolean;
  visible: Visible;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface RestoreBackup {
  source: string;
  /** Default: the newest ok backup of the source. */
  backupId?: string | undefined;
  /** Take a backup of the current state first (default true). */
  safetyBackup: boolean;
  visible: Visible;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** A backup's source, resolved: an add-on, or one named volume of an app. */
export type Source =
  | { kind: 'addon'; owner: string; name: string; appId: null; addon: AddonRow }
  | { kind: 'volume'; owner: string; name: string; appId: number; app: AppRow; volume: string };

/** A dump under way: its output, the counts taken with it (PostgreSQL's under its snapshot), and what ends it. */
export interface Dump {
  run: PipedRun;
  counts: Record<string, number> | null;
  /** Closes what the dump needed open (a database session); called once its output was read. */
  end(): Promise<void>;
}

/** How one kind of source is dumped, checked, restored and drilled (postgres-backup.ts, redis-backup.ts, volume-backup.ts). */
export interface BackupKind {
  /** The dumping program, in errors. */
  tool: string;
  /** A warning for a non-zero exit that still gave a whole dump (tar's "file changed"), or null: failed. */
  tolerated?(code: number, stderr: string): string | null;
  dump(deps: Deps, src: Source, log: (l: string) => void, signal?: AbortSignal): Promise<Dump>;
  /** Reads the stored object to its end and judges it (judgeObject); what it saw, and counts it learnt. */
  check(deps: Deps, b: BackupRow, signal?: AbortSignal): Promise<{ detail: string; counts?: Record<string, number> }>;
  /** Refuses a restore while the source is in use (a volume mounted by a running app). */
  beforeRestore?(deps: Deps, src: Source): Promise<void>;
  restore(deps: Deps, b: BackupRow, src: Source, log: (l: string) => void, signal?: AbortSignal): Promise<void>;
  /** Restores into a throwaway copy; its counts, compared with expected(b). */
  drill(deps: Deps, b: BackupRow, src: Source, log: (l: string) => void, signal?: AbortSignal): Promise<Record<string, number>>;
  expected(b: BackupRow): Record<string, number>;
}
