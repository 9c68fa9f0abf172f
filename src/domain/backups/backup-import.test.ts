// `berth backups import` without Docker: objects another server wrote (made here with the real
// encryptor) in a local store in the test's temp folder, read by a server with fake deps. What a
// user relies on after a disaster: the old backups show up, checked, and restore.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBackupStore } from '../../infra/backup-store/local.js';
import { encryptor, newBackupKey } from '../../infra/secrets/backup-cipher.js';
import { backupDeps, tarGz, VOLUME_SOURCE } from '../testing/backup-fixture.js';
import type { FakeDeps } from '../testing/deps.js';
import { importBackups, importedSource, parseObjectKey } from './backup-import.js';
import { drillBackup, getBackup, restoreBackup } from './backup-service.js';

let f: FakeDeps;
let archive: Buffer;
const oldKey = newBackupKey();
const lines: string[] = [];
const log = (l: string) => lines.push(l);
const VOLUME_KEY = 'acme/volume/shop.data/20261101T030005Z-a1b2c3d4e5f6.berthbak';
const CREATED = '2026-11-01T03:00:05.000Z';

/** Stores `plain` as the old server would have: encrypted under its key, at `key` in the server's directory. */
async function storeOld(key: string, plain: Buffer, meta: { kind: string; source: string }, k = oldKey): Promise<void> {
  const store = new LocalBackupStore(f.deps.config.backupDir);
  await store.put(key, Readable.from([plain]).pipe(encryptor(k.key, k.id, { ...meta, createdAt: CREATED })));
}

/** What `berth backups key import` does with the old server's key. */
const importOldKey = () => f.deps.db.backups.keys.insert({ id: oldKey.id, sealedKey: f.deps.secrets.seal(oldKey.key.toString('base64')), active: false });

beforeEach(() => {
  f = backupDeps();
  archive = tarGz({ 'a.txt': 'hello\n', 'sub/b.txt': 'x'.repeat(5000) });
  f.engine.pipedHandler = () => ({ stdout: '', code: 0, stderr: '' });
  lines.length = 0;
});

afterEach(async () => {
  await f.jobs.idle();
  f.cleanup();
});

describe('importBackups (disaster recovery)', () => {
  it("records the old server's backup with its id, time and key, checks it, and records the sizes and sha256 it read", async () => {
    await storeOld(VOLUME_KEY, archive, { kind: 'volume', source: VOLUME_SOURCE });
    importOldKey();
    const r = await importBackups(f.deps, { owner: 'acme', visible: undefined, log });
    expect(r.skipped).toBe(0);
    expect(r.imported).toHaveLength(1);
    const b = r.imported[0]!;
    expect(b).toMatchObject({ id: 'a1b2c3d4e5f6', owner: 'acme', source: VOLUME_SOURCE, sourceKind: 'volume', destination: 'local', status: 'ok', trigger: 'import', keyId: oldKey.id, startedAt: CREATED, error: null });
    const stored = readFileSync(join(f.deps.config.backupDir, VOLUME_KEY));
    expect(b.cipherBytes).toBe(stored.length);
    expect(b.sha256).toBe(createHash('sha256').update(stored).digest('hex'));
    expect(b.plainBytes).toBe(archive.length);
    expect(b.counts).toEqual({ entries: 4, bytes: 5006 });
    expect(f.deps.db.backups.get(b.id)!.appId).toBe(f.deps.db.apps.find('acme', 'shop')!.id);
    expect(f.deps.db.events.after(0).map((e) => e.kind)).toContain('backup.imported');
  });

  it('imports nothing twice: a second run skips what is known', async () => {
    await storeOld(VOLUME_KEY, archive, { kind: 'volume', source: VOLUME_SOURCE });
    importOldKey();
    await importBackups(f.deps, { owner: 'acme', visible: undefined, log });
    const again = await importBackups(f.deps, { owner: 'acme', visible: undefined, log });
    expect(again).toEqual({ imported: [], skipped: 1 });
    expect(f.deps.db.backups.list({ owner: 'acme' })).toHaveLength(1);
  });

  it('fails a backup whose key was not imported, naming the key, and passes it on the next run once the key is there', async () => {
    await storeOld(VOLUME_KEY, archive, { kind: 'volume', source: VOLUME_SOURCE });
    const r = await importBackups(f.deps, { owner: 'acme', visible: undefined, log });
    expect(r.imported[0]).toMatchObject({ status: 'failed', error: `the backup was made with key ${oldKey.id}, which this server does not have` });
    importOldKey();
    const again = await importBackups(f.deps, { owner: 'acme', visible: undefined, log });
    expect(again.imported.map((b) => [b.id, b.status])).toEqual([['a1b2c3d4e5f6', 'ok']]);
  });

  it("skips partial uploads, files that are not Berth backups, and sources of another owner", async () => {
    await storeOld(VOLUME_KEY, archive, { kind: 'volume', source: VOLUME_SOURCE });
    await storeOld('acme/volume/shop.data/20261102T030005Z-bbbbbbbbbbbb.berthbak', archive, { kind: 'volume', source: 'other/shop:data' });
    writeFileSync(join(f.deps.config.backupDir, 'acme/volume/shop.data/20261103T030005Z-cccccccccccc.berthbak'), 'hello');
    writeFileSync(join(f.deps.config.backupDir, 'acme/volume/shop.data/20261104T030005Z-dddddddddddd.berthbak.partial'), 'BERTHBAK');
    importOldKey();
    const r = await importBackups(f.deps, { owner: 'acme', visible: undefined, log });
    expect(r.imported.map((b) => b.id)).toEqual(['a1b2c3d4e5f6']);
    expect(r.skipped).toBe(2);
    expect(lines.join('\n')).toMatch(/bbbbbbbbbbbb.*not of owner acme/);
    expect(lines.join('\n')).toMatch(/cccccccccccc.*not a Berth backup/);
  });

  it("refuses an owner the caller may not see, and an add-on backup whose name is another owner's add-on here", async () => {
    await expect(importBackups(f.deps, { owner: 'acme', visible: (o) => o === 'other', log })).rejects.toMatchObject({ code: 'not_found' });
    f.deps.db.owners.ensure('other');
    f.deps.db.addons.insert({ name: 'shop-db', owner: 'other', type: 'postgres', version: '16', sealedPassword: 'x' });
    await storeOld('acme/addon/shop-db/20261101T030005Z-eeeeeeeeeeee.berthbak', Buffer.from('PGDMP'), { kind: 'postgres', source: 'shop-db' });
    const r = await importBackups(f.deps, { owner: 'acme', visible: undefined, log });
    expect(r).toEqual({ imported: [], skipped: 1 });
    expect(lines.join('\n')).toContain('the add-on shop-db here belongs to owner other');
  });

  it('restores an imported backup into the source of the same name on this server', async () => {
    await storeOld(VOLUME_KEY, archive, { kind: 'volume', source: VOLUME_SOURCE });
    importOldKey();
    await importBackups(f.deps, { owner: 'acme', visible: undefined, log });
    const fed: Buffer[] = [];
    f.engine.pipedHandler = (spec, stdin) => {
      if (spec.name.includes('-restore-')) fed.push(stdin);
      return { stdout: '', code: 0, stderr: '' };
    };
    const r = await restoreBackup(f.deps, { source: VOLUME_SOURCE, backupId: 'a1b2c3d4e5f6', safetyBackup: false, visible: undefined, log });
    expect(r.restored).toMatchObject({ id: 'a1b2c3d4e5f6', trigger: 'import' });
    expect(fed).toHaveLength(1);
    expect(fed[0]!.equals(archive)).toBe(true);
  });

  it('shows the drill of an imported backup without counts as ok, saying no counts were recorded', async () => {
    await storeOld(VOLUME_KEY, archive, { kind: 'volume', source: VOLUME_SOURCE });
    importOldKey();
    const [b] = (await importBackups(f.deps, { owner: 'acme', visible: undefined, log })).imported;
    f.deps.db.backups.setDrill(b!.id, { status: 'ok', detail: [{ table: 'notes', expected: null, restored: 3 }, { table: 'users', expected: null, restored: 4 }] });
    expect(getBackup(f.deps, b!.id, undefined).drill!.summary).toBe('no counts were recorded (imported): restored 2 tables, 7 rows');
  });

  it('passes a drill of an imported backup that has no counts (as one of PostgreSQL), on what it restored', async () => {
    await storeOld(VOLUME_KEY, archive, { kind: 'volume', source: VOLUME_SOURCE });
    importOldKey();
    const [b] = (await importBackups(f.deps, { owner: 'acme', visible: undefined, log })).imported;
    // A PostgreSQL or Redis import has no counts after its check; a volume's check counts its archive.
    f.deps.db.backups.update(b!.id, { counts: null });
    f.engine.runOnce = async (_spec, onLine) => {
      onLine('3');
      return 0;
    };
    const d = await drillBackup(f.deps, { source: VOLUME_SOURCE, backupId: b!.id, visible: undefined, log });
    expect(d.drill).toMatchObject({ status: 'ok', summary: 'no counts were recorded (imported): restored 1 table, 3 rows', lines: [{ table: 'files', expected: null, restored: 3 }] });
  });
});

const refusal = (r: ReturnType<typeof importedSource>): string => ('refused' in r ? r.refused : '');

describe('object keys and headers', () => {
  it('reads the parts of a key Berth wrote, and nothing else', () => {
    expect(parseObjectKey(VOLUME_KEY)).toEqual({ owner: 'acme', sourceKind: 'volume', source: 'shop.data', id: 'a1b2c3d4e5f6' });
    expect(parseObjectKey('acme/addon/shop-db/20261101T030005Z-1.berthbak')).toMatchObject({ sourceKind: 'addon', source: 'shop-db', id: '1' });
    for (const k of [`${VOLUME_KEY}.partial`, 'acme/other/x/20261101T030005Z-1.berthbak', 'acme/addon/x/1.berthbak', 'notes.txt']) expect(parseObjectKey(k)).toBeNull();
  });

  it('takes the source from the header only when it agrees with the key', () => {
    const h = { v: 1 as const, keyId: 'k', salt: '', chunk: 1, createdAt: CREATED };
    const vol = parseObjectKey(VOLUME_KEY)!;
    expect(importedSource(vol, { ...h, kind: 'volume', source: 'acme/shop:data' })).toMatchObject({ source: 'acme/shop:data' });
    expect(refusal(importedSource(vol, { ...h, kind: 'volume', source: 'acme/other:data' }))).toContain('its key shop.data');
    expect(refusal(importedSource(vol, { ...h, kind: 'postgres', source: 'acme/shop:data' }))).toContain('its key volume');
    const pg = parseObjectKey('acme/addon/shop-db/20261101T030005Z-1.berthbak')!;
    expect(importedSource(pg, { ...h, kind: 'redis', source: 'shop-db' })).toMatchObject({ source: 'shop-db' });
    expect(refusal(importedSource(pg, { ...h, kind: 'mysql', source: 'shop-db' }))).toContain('not supported');
  });
});
