// Backups of a volume without Docker: the fake engine's piped one-off answers the dump with a
// real tar.gz made here, and a local store in the test's temp folder keeps the objects. What a
// user relies on: a backup is ok only when it was stored whole and encrypted, and says why not.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDeps, rejection, tarGz, VOLUME_SOURCE } from '../testing/backup-fixture.js';
import type { FakeDeps } from '../testing/deps.js';
import { checkBackup, createBackup, drillBackup, listBackups, restoreBackup } from './backup-service.js';

const SOURCE = VOLUME_SOURCE;

let f: FakeDeps;
let archive: Buffer;
const lines: string[] = [];
const log = (l: string) => lines.push(l);
const objectFile = (key: string) => join(f.deps.config.backupDir, key);

beforeEach(() => {
  f = backupDeps();
  archive = tarGz({ 'a.txt': 'hello\n', 'sub/b.txt': 'x'.repeat(5000) });
  f.engine.pipedHandler = () => ({ stdout: archive, code: 0, stderr: '' });
  lines.length = 0;
});

afterEach(async () => {
  await f.jobs.idle();
  f.cleanup();
});

describe('createBackup of a volume (fake engine, local store)', () => {
  it('is ok, counts the archive, and stores it encrypted with the sha256 the row records', async () => {
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    expect(b.status).toBe('ok');
    expect(b.error).toBeNull();
    expect(b.warning).toBeNull();
    // ./, ./a.txt, ./sub/, ./sub/b.txt
    expect(b.counts).toEqual({ entries: 4, bytes: 5006 });
    expect(b.plainBytes).toBe(archive.length);
    const row = f.deps.db.backups.get(b.id)!;
    const stored = readFileSync(objectFile(row.objectKey));
    expect(stored.length).toBe(b.cipherBytes);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(b.sha256);
    // Not the plain archive: neither its bytes nor gzip's magic at the start.
    expect(stored.includes(archive.subarray(0, 64))).toBe(false);
    expect(stored.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false);
    expect(f.engine.calls.some((c) => c.startsWith('runPiped berth-backup-'))).toBe(true);
    expect(f.deps.db.events.after(0).map((e) => e.kind)).toContain('backup.succeeded');
    expect(listBackups(f.deps, { source: SOURCE, visible: undefined }).map((x) => x.id)).toEqual([b.id]);
  });

  it('fails an empty dump, saying so, with a backup.failed event for the owner', async () => {
    f.engine.pipedHandler = () => ({ stdout: Buffer.alloc(0), code: 0, stderr: '' });
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    expect(b.status).toBe('failed');
    expect(b.error).toContain('the dump is empty (0 bytes)');
    const ev = f.deps.db.events.after(0).filter((e) => e.kind === 'backup.failed');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ owner: 'acme', subject: `backup:${SOURCE}` });
    expect(ev[0]!.message).toContain('the dump is empty (0 bytes)');
    expect(f.deps.db.backups.latestOk('volume', SOURCE)).toBeUndefined();
  });

  it('fails when tar exits with 2, naming tar and its last words', async () => {
    f.engine.pipedHandler = () => ({ stdout: archive, code: 2, stderr: 'tar: ./x: Cannot open: Permission denied\n' });
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    expect(b.status).toBe('failed');
    expect(b.error).toMatch(/tar exited with code 2: tar: \.\/x: Cannot open: Permission denied/);
  });

  it('is ok with a warning when tar exits with 1 (files changed while read)', async () => {
    f.engine.pipedHandler = () => ({ stdout: archive, code: 1, stderr: 'tar: ./a.txt: file changed as we read it\n' });
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    expect(b.status).toBe('ok');
    expect(b.warning).toMatch(/files changed while they were read: tar: \.\/a\.txt: file changed as we read it/);
  });

  it('fails a dump that is not a tar.gz (the check reads the archive)', async () => {
    f.engine.pipedHandler = () => ({ stdout: 'not an archive at all', code: 0, stderr: '' });
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    expect(b.status).toBe('failed');
    expect(b.error).toMatch(/the archive cannot be read/);
  });
});

describe('checkBackup', () => {
  it('passes an intact backup again, and fails one whose object was cut at rest', async () => {
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    expect((await checkBackup(f.deps, { id: b.id, visible: undefined, log })).status).toBe('ok');
    const file = objectFile(f.deps.db.backups.get(b.id)!.objectKey);
    truncateSync(file, statSync(file).size - 40);
    const c = await checkBackup(f.deps, { id: b.id, visible: undefined, log });
    expect(c.status).toBe('failed');
    expect(c.error).toMatch(/damaged|truncated|bytes/);
    expect(f.deps.db.backups.latestOk('volume', SOURCE)).toBeUndefined();
  });

  it('does not turn a backup whose dump failed (tar exit 2) into an ok one, though its archive reads', async () => {
    f.engine.pipedHandler = () => ({ stdout: archive, code: 2, stderr: 'tar: ./x: Cannot open: Permission denied\n' });
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    expect(b.status).toBe('failed');
    const e = await rejection(checkBackup(f.deps, { id: b.id, visible: undefined, log }));
    expect(e.code).toBe('conflict');
    expect(e.message).toContain('failed while it was taken');
    expect(f.deps.db.backups.get(b.id)!.status).toBe('failed');
    expect(f.deps.db.backups.get(b.id)!.error).toContain('tar exited with code 2');
    expect(f.deps.db.backups.latestOk('volume', SOURCE)).toBeUndefined();
  });

  it('passes a backup again whose check failed only for a reason of the moment', async () => {
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    const file = objectFile(f.deps.db.backups.get(b.id)!.objectKey);
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, 10));
    expect((await checkBackup(f.deps, { id: b.id, visible: undefined, log })).status).toBe('failed');
    writeFileSync(file, whole); // e.g. the disk was remounted
    expect((await checkBackup(f.deps, { id: b.id, visible: undefined, log })).status).toBe('ok');
  });

  it('refuses an id that does not exist or the caller may not see', async () => {
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    await expect(checkBackup(f.deps, { id: 'nosuchbackup', visible: undefined, log })).rejects.toMatchObject({ code: 'not_found' });
    await expect(checkBackup(f.deps, { id: b.id, visible: (o) => o === 'other', log })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('restore and drill of a volume backup', () => {
  /** What the one-offs were given on stdin, by their process (backup, restore, drill). */
  let fed: Record<string, Buffer[]>;
  beforeEach(() => {
    fed = {};
    f.engine.pipedHandler = (spec, stdin) => {
      const process = /^berth-(\w+)-/.exec(spec.name)?.[1] ?? '?';
      (fed[process] ??= []).push(stdin);
      return { stdout: process === 'backup' ? archive : '', code: 0, stderr: '' };
    };
  });

  it('restores the newest good backup, its archive decrypted into tar, after a safety backup', async () => {
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    const r = await restoreBackup(f.deps, { source: SOURCE, safetyBackup: true, visible: undefined, log });
    expect(r.restored.id).toBe(b.id);
    expect(r.safety).toMatchObject({ status: 'ok', trigger: 'safety' });
    expect(fed.restore).toHaveLength(1);
    expect(fed.restore![0]!.equals(archive)).toBe(true);
    expect(f.deps.db.events.after(0).map((e) => e.kind)).toContain('backup.restored');
  });

  it('refuses to restore when the source has no good backup', async () => {
    f.engine.pipedHandler = () => ({ stdout: '', code: 0, stderr: '' });
    await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    const e = await rejection(restoreBackup(f.deps, { source: SOURCE, safetyBackup: false, visible: undefined, log }));
    expect(e.code).toBe('not_found');
    expect(e.message).toContain('has no checked backup');
  });

  it('a drill passes when the restored copy has the files the archive holds, and fails (with an event) when it has fewer', async () => {
    const b = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    let counted = '3'; // a.txt, sub, sub/b.txt
    f.engine.runOnce = async (_spec, onLine) => {
      onLine(counted);
      return 0;
    };
    const ok = await drillBackup(f.deps, { source: SOURCE, visible: undefined, log });
    expect(ok.drill).toMatchObject({ status: 'ok' });
    expect(fed.drill![0]!.equals(archive)).toBe(true);
    // The throwaway volume is gone again.
    expect([...f.engine.volumes.keys()].filter((v) => v.includes('-drill-'))).toEqual([]);
    counted = '1';
    const bad = await drillBackup(f.deps, { source: SOURCE, backupId: b.id, visible: undefined, log });
    expect(bad.drill).toMatchObject({ status: 'failed' });
    expect(bad.drill!.summary).toMatch(/differs|files/);
    expect(f.deps.db.events.after(0).map((e) => e.kind)).toEqual(expect.arrayContaining(['drill.succeeded', 'drill.failed']));
  });
});
