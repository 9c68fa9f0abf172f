// Where a backup is stored (the server's directory, or one of its owner's S3-compatible
// destinations, credentials sealed at rest) and the keys backups are encrypted with (made at
// the first backup, sealed by the server's SecretBox, exportable for disaster recovery).
import { Failed, NotFound } from '../../errors.js';
import type { BackupDestinationRow, BackupRow } from '../../infra/db/backups-repo.js';
import { newBackupKey } from '../../infra/secrets/backup-cipher.js';
import type { Deps } from '../context.js';
import type { BackupStore } from '../ports.js';

export interface Destination {
  /** null: the server's own directory. */
  id: string | null;
  name: string;
  store: BackupStore;
}

/** The name of the server's own directory as a destination. */
export const LOCAL = 'local';

/** The credentials of an S3 destination, sealed together in one value. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The config (not secret) of an S3 destination. */
export interface S3Config {
  endpoint: string;
  bucket: string;
  region: string;
  prefix: string;
}

function stores(deps: Deps): NonNullable<Deps['backupStore']> {
  if (!deps.backupStore) throw Failed('this server keeps no backups');
  return deps.backupStore;
}

export function storeOfDestination(deps: Deps, row: BackupDestinationRow | undefined): BackupStore {
  if (!row) return stores(deps)({ kind: 'local', dir: deps.config.backupDir });
  const cfg = row.config as S3Config;
  const creds = JSON.parse(deps.secrets.open(row.sealedCredentials ?? '')) as S3Credentials;
  return stores(deps)({ kind: 's3', ...cfg, ...creds });
}

/** The destination `name` of the owner (default: the server's directory). */
export function destinationOf(deps: Deps, owner: string, name: string | undefined): Destination {
  if (name === undefined || name === LOCAL) return { id: null, name: LOCAL, store: storeOfDestination(deps, undefined) };
  const row = deps.db.backups.destinations.byName(owner, name);
  if (!row) throw NotFound(`owner ${owner} has no backup destination ${name.slice(0, 60)}`, { hint: 'run `berth backups destinations list`' });
  return { id: row.id, name: row.name, store: storeOfDestination(deps, row) };
}

/** The store a backup was written to. */
export function storeOf(deps: Deps, b: BackupRow): BackupStore {
  if (!b.destinationId) return storeOfDestination(deps, undefined);
  const row = deps.db.backups.destinations.get(b.destinationId);
  if (!row) throw NotFound(`the destination backup ${b.id} was stored at has been removed`);
  return storeOfDestination(deps, row);
}

/** The key new backups are encrypted with; the first is made here. */
export function activeBackupKey(deps: Deps): { id: string; key: Buffer } {
  const row = deps.db.backups.keys.active();
  if (row) return { id: row.id, key: Buffer.from(deps.secrets.open(row.sealedKey), 'base64') };
  const k = newBackupKey();
  deps.db.backups.keys.insert({ id: k.id, sealedKey: deps.secrets.seal(k.key.toString('base64')), active: true });
  return k;
}

/** Finds any key this server has, by id (backups made with older keys stay readable). */
export function backupKeyLookup(deps: Deps): (id: string) => Buffer | undefined {
  return (id) => {
    const row = deps.db.backups.keys.get(id);
    return row ? Buffer.from(deps.secrets.open(row.sealedKey), 'base64') : undefined;
  };
}
