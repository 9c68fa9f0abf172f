// What a backup is taken of (an add-on, or an app's volume) and the argument vectors of the
// one-off containers that dump, check and restore it. Pure: no I/O (the backup service runs them).
import { Invalid, isBerthError } from '../../errors.js';
import { ADDON_KINDS, validateAddonName } from '../addons/addon-kinds.js';
import { validateAppName, validateOwnerName } from '../apps/names.js';
import { volumeProblems } from '../apps/volumes.js';

// Every planner returns an argument array for the container's Cmd: there is no shell between
// Berth and the program, so a name can never become a second command. The one `sh -c` below is
// a fixed string with nothing of the user's in it.

/** Where a volume is mounted in the one-offs that archive or restore it. */
export const VOLUME_MOUNT = '/volume';

const PG_PORT = String(ADDON_KINDS.postgres.port);
const REDIS_PORT = String(ADDON_KINDS.redis.port);

export interface PgTarget {
  host: string;
  user: string;
  database: string;
}

/** The environment of every pg_* one-off: the password there, never on the command line (`ps` shows argv). */
export const pgEnv = (password: string): Record<string, string> => ({ PGPASSWORD: password });

/**
 * `pg_restore` into a live database: its environment. A lock it cannot get in 30 s (the app
 * holds one on a table) fails the restore, which `--single-transaction` rolls back whole,
 * instead of waiting without end.
 */
export const pgRestoreEnv = (password: string): Record<string, string> => ({ ...pgEnv(password), PGOPTIONS: '-c lock_timeout=30s' });

/** pg_export_snapshot()'s ids: `00000003-0000001B-1` (PostgreSQL 13+) or `00000003-1` (older). */
const SNAPSHOT_RE = /^[0-9A-F]{8}(-[0-9A-F]{8})?-\d{1,10}$/;

/**
 * The dump, in the custom format (compressed, table of contents first) on stdout. With
 * `snapshot` it reads the database as that exported snapshot saw it, so the row counts taken
 * in the same snapshot are exactly what the dump holds.
 */
export function pgDumpCommand(a: PgTarget & { snapshot?: string | undefined }): string[] {
  const cmd = ['pg_dump', '-Fc', '-h', a.host, '-p', PG_PORT, '-U', a.user, '-d', a.database];
  if (a.snapshot !== undefined) {
    if (!SNAPSHOT_RE.test(a.snapshot)) throw Invalid(`${JSON.stringify(a.snapshot.slice(0, 40))} is not a PostgreSQL snapshot id`);
    cmd.push(`--snapshot=${a.snapshot}`);
  }
  return cmd;
}

/** Reads a dump on stdin and prints its table of contents (which comes first: it can miss a truncated data section). */
export const pgRestoreListCommand = (): string[] => ['pg_restore', '--list'];

/** Reads a whole dump on stdin, every data block, and throws the SQL away: a truncated or corrupt dump exits non-zero. */
export const pgRestoreReadAllCommand = (): string[] => ['pg_restore', '--file=/dev/null'];

/**
 * Restores a dump read on stdin over the database: all or nothing (`--single-transaction`
 * with `--exit-on-error`), objects dropped first, owned by the add-on's user. Sequential:
 * `-j` needs a seekable file, and the dump comes through a pipe.
 */
export function pgRestoreCommand(a: PgTarget): string[] {
  return [
    'pg_restore', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error',
    '-h', a.host, '-p', PG_PORT, '-U', a.user, '-d', a.database,
  ];
}

/**
 * The RDB snapshot on stdout (`--rdb -`: Redis 7 sends just the RDB to a replica that asks for
 * it, no BGSAVE and no file on the live volume). The password in REDISCLI_AUTH, as the
 * add-on's start script set it with `requirepass`.
 */
export function redisDumpCommand(a: { host: string; password: string }): { cmd: string[]; env: Record<string, string> } {
  return { cmd: ['redis-cli', '-h', a.host, '-p', REDIS_PORT, '--no-auth-warning', '--rdb', '-'], env: { REDISCLI_AUTH: a.password } };
}

/** The volume as a gzipped tar on stdout; numeric owners, so they survive images with other user names. */
export const volumeTarCommand = (): string[] => ['tar', '-C', VOLUME_MOUNT, '--numeric-owner', '-czf', '-', '.'];

/**
 * Empties the volume and unpacks the tar read on stdin, owners and modes kept. A fixed
 * script: the only way to run two steps in one one-off, and nothing in it comes from a user.
 */
export const volumeRestoreCommand = (): string[] => [
  'sh', '-c', `find ${VOLUME_MOUNT} -mindepth 1 -delete && tar -C ${VOLUME_MOUNT} --numeric-owner --same-owner -xzpf -`,
];

export type BackupSource = { kind: 'addon'; name: string } | { kind: 'volume'; app: string; volume: string };

const SOURCE_HINT = 'name an add-on (e.g. shop-db) or an app\'s volume as APP:VOLUME (e.g. shop:data or alice/shop:data)';

/** Runs a validator, turning its error into one that says what a source may be. */
function checked<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isBerthError(e)) throw Invalid(e.message, { hint: SOURCE_HINT });
    throw e;
  }
}

/**
 * What `berth backups create SOURCE` names: an add-on (`shop-db`), or an app's volume
 * (`shop:data`, `alice/shop:data`). `app` is the app reference as given, for getApp.
 */
export function parseSourceName(s: string): BackupSource {
  if (typeof s !== 'string' || s.length === 0) throw Invalid('a backup source is required', { hint: SOURCE_HINT });
  const colon = s.indexOf(':');
  if (colon < 0) return { kind: 'addon', name: checked(() => validateAddonName(s)) };
  const app = s.slice(0, colon);
  const volume = s.slice(colon + 1);
  const slash = app.indexOf('/');
  checked(() => {
    if (slash >= 0) validateOwnerName(app.slice(0, slash));
    return validateAppName(slash >= 0 ? app.slice(slash + 1) : app);
  });
  // The manifest's rule for volume names; the path only has to be one it accepts.
  const problem = volumeProblems({ [volume]: '/data' })[0];
  if (problem !== undefined) throw Invalid(`volume name ${JSON.stringify(volume.slice(0, 40))} is not allowed: ${problem.replace(/^volumes\.[^:]*: /, '')}`, { hint: SOURCE_HINT });
  return { kind: 'volume', app, volume };
}

/** A source as `berth backups` shows it: the add-on's name or APP:VOLUME. */
export const sourceLabel = (s: BackupSource): string => (s.kind === 'addon' ? s.name : `${s.app}:${s.volume}`);

/** `2026-11-24T03:00:05.123Z` -> `20261124T030005Z`: sorts as text in time order. */
export const keyTimestamp = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

const KEY_SOURCE_RE = /^[a-z][a-z0-9-]{0,28}[a-z0-9](:[a-z][a-z0-9-]{0,28}[a-z0-9])?$/;
const KEY_ID_RE = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The object a backup is stored as: `<owner>/<addon|volume>/<source>/<yyyymmddThhmmssZ>-<id>.berthbak`.
 * A volume's source is `APP:VOLUME` or `OWNER/APP:VOLUME` (the owner must be the key's, and is
 * left out: it is the first segment already), stored with a dot for the colon: no name holds
 * a dot, and a colon needs escaping in some S3 tools' URLs.
 */
export function objectKey(p: { owner: string; kind: 'addon' | 'volume'; source: string; at: Date; id: string | number }): string {
  validateOwnerName(p.owner);
  const slash = p.kind === 'volume' ? p.source.indexOf('/') : -1;
  const source = slash >= 0 && p.source.slice(0, slash) === p.owner ? p.source.slice(slash + 1) : p.source;
  if (!KEY_SOURCE_RE.test(source) || source.includes('--') || source.includes(':') !== (p.kind === 'volume')) {
    throw Invalid(`${JSON.stringify(p.source.slice(0, 70))} cannot name a stored ${p.kind} backup of owner ${p.owner}`, { hint: SOURCE_HINT });
  }
  const id = String(p.id);
  if (!KEY_ID_RE.test(id)) throw Invalid(`${JSON.stringify(id.slice(0, 70))} cannot name a stored backup: use letters, digits and dashes`);
  if (Number.isNaN(p.at.getTime())) throw Invalid('a backup needs a valid time for its object key');
  return `${p.owner}/${p.kind}/${source.replace(':', '.')}/${keyTimestamp(p.at)}-${id}.berthbak`;
}

/** One entry line of `pg_restore --list`: `3338; 0 16390 TABLE DATA public notes postgres` (comments start with `;`). */
const TABLE_DATA_RE = /^\d+; \d+ \d+ TABLE DATA /;

/** How many tables' data a dump holds, from its `pg_restore --list` output. */
export function pgListTableDataCount(listOutput: string): number {
  let n = 0;
  for (const line of listOutput.split('\n')) if (TABLE_DATA_RE.test(line)) n++;
  return n;
}
