// Disaster recovery: a new server that imported the old one's backup key lists an owner's
// objects at a destination, records the ones it does not know yet from their plain headers
// (docs/research/issue20-backups.md §2), and checks each as a new backup is checked.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Invalid, messageOf, NotFound } from '../../errors.js';
import { newBackupId, type BackupRow } from '../../infra/db/backups-repo.js';
import { decryptor, readBackupHeader, type BackupHeader } from '../../infra/secrets/backup-cipher.js';
import { DEFAULT_OWNER, validateOwnerName } from '../apps/names.js';
import type { Deps } from '../context.js';
import { backupKeyLookup, destinationOf, LOCAL, type Destination } from './backup-destinations.js';
import { human } from './backup-oneoffs.js';
import { queueKey, viewBackup } from './backup-service.js';
import { ByteCounter, Sha256Meter } from './backup-streams.js';
import type { BackupKind, BackupView, Visible } from './backup-types.js';
import { postgresBackups } from './postgres-backup.js';
import { redisBackups } from './redis-backup.js';
import { parseSourceName } from './sources.js';
import { volumeBackups } from './volume-backup.js';

export interface ImportBackups {
  /** Whose backups; default the owner of the destination `from` names, else "default". */
  owner?: string | undefined;
  /** A destination name of the owner; default the server's local directory. */
  from?: string | undefined;
  visible: Visible;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface ImportResult {
  /** The new rows, oldest first, each ok or failed after its check. */
  imported: BackupView[];
  /** Objects not imported: already known here, or refused (each refusal is logged with its reason). */
  skipped: number;
}

/** What the header's `kind` says a backup was taken of: the dumping kind, and its source kind. */
const KINDS: Record<string, { kind: BackupKind; sourceKind: 'addon' | 'volume' }> = {
  postgres: { kind: postgresBackups, sourceKind: 'addon' },
  redis: { kind: redisBackups, sourceKind: 'addon' },
  volume: { kind: volumeBackups, sourceKind: 'volume' },
};

/** `<owner>/<addon|volume>/<source>/<yyyymmddThhmmssZ>-<id>.berthbak`, as sources.ts objectKey writes it. */
const KEY_RE = /^([^/]+)\/(addon|volume)\/([^/]+)\/(\d{8}T\d{6}Z)-([A-Za-z0-9-]{1,64})\.berthbak$/;

export interface ParsedKey {
  owner: string;
  sourceKind: 'addon' | 'volume';
  /** As in the key: an add-on's name, or APP.VOLUME. */
  source: string;
  id: string;
}

/** An object key Berth wrote, parsed; null for anything else (a `.partial`, a stranger's file). */
export function parseObjectKey(key: string): ParsedKey | null {
  const m = KEY_RE.exec(key);
  if (!m) return null;
  return { owner: m[1]!, sourceKind: m[2] as 'addon' | 'volume', source: m[3]!, id: m[5]! };
}

/**
 * What a row of the object would record as its source, or why it is refused: the header must
 * agree with the key, name a kind this server backs up, and a source of the key's owner.
 */
export function importedSource(k: ParsedKey, h: BackupHeader): { source: string; kind: BackupKind } | { refused: string } {
  const known = KINDS[h.kind];
  if (!known) return { refused: `backups of ${h.kind.slice(0, 40)} are not supported by this server` };
  if (known.sourceKind !== k.sourceKind) return { refused: `its header says ${h.kind.slice(0, 40)}, its key ${k.sourceKind}` };
  try {
    parseSourceName(h.source);
  } catch (e) {
    return { refused: `its header names no valid source (${messageOf(e)})` };
  }
  if (k.sourceKind === 'addon') {
    return h.source === k.source ? { source: h.source, kind: known.kind } : { refused: `its header names ${h.source.slice(0, 80)}, its key ${k.source}` };
  }
  const slash = h.source.indexOf('/');
  if (slash < 0 || h.source.slice(0, slash) !== k.owner) return { refused: `its source ${h.source.slice(0, 80)} is not of owner ${k.owner}` };
  if (h.source.slice(slash + 1).replace(':', '.') !== k.source) return { refused: `its header names ${h.source.slice(0, 80)}, its key ${k.source}` };
  return { source: h.source, kind: known.kind };
}

/** The owner whose backups are imported, checked against the caller. */
function importOwner(deps: Deps, p: ImportBackups): string {
  let owner = p.owner;
  if (owner === undefined && p.from !== undefined && p.from !== LOCAL) {
    const named = deps.db.backups.destinations.list().filter((d) => d.name === p.from && (!p.visible || p.visible(d.owner)));
    if (named.length > 1) throw Invalid(`several owners have a destination ${p.from}`, { hint: 'name one with --owner' });
    owner = named[0]?.owner;
  }
  owner = validateOwnerName(owner ?? DEFAULT_OWNER);
  if (p.visible && !p.visible(owner)) throw NotFound(`owner ${owner} does not exist`);
  return owner;
}

/**
 * Lists the owner's objects at the destination and imports those no row names yet: a row per
 * object from its header (trigger import), then the check. A missing key fails that backup
 * (the check says which key); nothing here needs the key to list.
 */
export async function importBackups(deps: Deps, p: ImportBackups): Promise<ImportResult> {
  const owner = importOwner(deps, p);
  const dest = destinationOf(deps, owner, p.from);
  // A new server after a disaster may not have the owner yet: only an admin (who sees every owner) gets here without it.
  deps.db.owners.ensure(owner);
  const objects = await dest.store.list(`${owner}/`);
  const known = new Map(deps.db.backups.list({ owner }, Number.MAX_SAFE_INTEGER).filter((b) => b.destinationId === dest.id).map((b) => [b.objectKey, b]));
  p.log(`-----> ${objects.length} objects of ${owner} at ${dest.name}, ${objects.filter((o) => known.has(o.key)).length} known here`);
  const rows: { row: BackupRow; kind: BackupKind }[] = [];
  let skipped = 0;
  for (const o of objects) {
    p.signal?.throwIfAborted();
    const k = parseObjectKey(o.key);
    const row = known.get(o.key);
    // An import that failed its check (its key was not imported yet) or was cut short is checked again; any other known row is left alone.
    if ((row && !(row.trigger === 'import' && (row.status === 'failed' || row.status === 'interrupted'))) || !k || k.owner !== owner) {
      skipped++;
      continue;
    }
    const recorded = await recordObject(deps, dest, k, o.key, p.log, row);
    if (recorded) rows.push(recorded);
    else skipped++;
  }
  const checked: BackupView[] = [];
  // Each in its source's queue, as every operation on a source, as the kind its header names.
  for (const { row, kind } of rows) {
    checked.push(await deps.jobs.run(queueKey({ kind: row.sourceKind, name: row.source }), () => checkImported(deps, dest, row, kind, p.log, p.signal), { owner }));
  }
  const failed = checked.filter((b) => b.status !== 'ok').length;
  if (checked.length > 0) {
    deps.db.events.add({
      appId: null,
      owner,
      subject: `backups:${owner}`,
      kind: 'backup.imported',
      message: `imported ${checked.length} backups of ${owner} from ${dest.name}: ${checked.length - failed} ok${failed > 0 ? `, ${failed} failed their check` : ''}`,
    });
  }
  p.log(`-----> imported ${checked.length} (${checked.length - failed} ok, ${failed} failed), skipped ${skipped}`);
  return { imported: checked, skipped };
}

/** Reads the object's header and records it as a verifying row (`again`: a failed import's row, checked once more); null (logged) when it is refused. */
async function recordObject(deps: Deps, dest: Destination, k: ParsedKey, key: string, log: (l: string) => void, again?: BackupRow): Promise<{ row: BackupRow; kind: BackupKind } | null> {
  let header: BackupHeader;
  try {
    header = await readBackupHeader(await dest.store.get(key));
  } catch (e) {
    log(`       skipped ${key}: ${messageOf(e)}`);
    return null;
  }
  const s = importedSource(k, header);
  if ('refused' in s) {
    log(`       skipped ${key}: ${s.refused}`);
    return null;
  }
  // Add-on names are the whole server's: another owner's add-on of this name would pick these backups up.
  const other = k.sourceKind === 'addon' ? deps.db.addons.byName(s.source) : undefined;
  if (other && other.owner !== k.owner) {
    log(`       skipped ${key}: the add-on ${s.source} here belongs to owner ${other.owner}`);
    return null;
  }
  const app = k.sourceKind === 'volume' ? deps.db.apps.find(k.owner, s.source.slice(s.source.indexOf('/') + 1, s.source.indexOf(':'))) : undefined;
  const at = new Date(header.createdAt);
  const row = again ?? deps.db.backups.insert({
    // The object's id, as on the old server, unless a row here has it already.
    id: deps.db.backups.get(k.id) ? newBackupId() : k.id,
    owner: k.owner,
    sourceKind: k.sourceKind,
    source: s.source,
    appId: app?.id ?? null,
    destinationId: dest.id,
    objectKey: key,
    trigger: 'import',
    keyId: header.keyId,
    ...(Number.isNaN(at.getTime()) ? {} : { startedAt: at.toISOString() }),
  });
  deps.db.backups.setStatus(row.id, 'verifying');
  log(`       ${key}: ${header.kind} ${s.source}, taken ${header.createdAt}, key ${header.keyId} -> backup ${row.id}`);
  return { row, kind: s.kind };
}

/**
 * The check of an imported backup: first a read of the whole object, decrypted, which gives
 * the sizes and sha256 an import has no record of (a missing key fails here, naming it); then
 * the kind's own check, which compares the object with them and reads the dump as its tool does.
 */
async function checkImported(deps: Deps, dest: Destination, b: BackupRow, kind: BackupKind, log: (l: string) => void, signal?: AbortSignal): Promise<BackupView> {
  log(`-----> checking imported backup ${b.id} of ${b.source} (read back from its destination)`);
  try {
    const cipher = new Sha256Meter();
    const plain = new ByteCounter();
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await pipeline(await dest.store.get(b.objectKey), cipher, decryptor(backupKeyLookup(deps)), plain, sink, ...(signal ? [{ signal }] : []));
    deps.db.backups.update(b.id, { cipherBytes: cipher.bytes, sha256: cipher.digest(), plainBytes: plain.bytes });
    const { detail, counts } = await kind.check(deps, deps.db.backups.get(b.id)!, signal);
    if (counts) deps.db.backups.update(b.id, { counts });
    deps.db.backups.setStatus(b.id, 'ok', { error: null });
    log(`       ok: ${human(plain.bytes)}, ${detail}`);
  } catch (e) {
    const error = messageOf(e);
    deps.db.backups.setStatus(b.id, 'failed', { error });
    log(`       FAILED: ${error}`);
  }
  return viewBackup(deps, deps.db.backups.get(b.id)!);
}
