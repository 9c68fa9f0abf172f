// Backups as a user meets them, against real parts: the example app (examples/node-postgres,
// a standard-library PostgreSQL client) stores notes through DATABASE_URL; `berth backups
// create` dumps, encrypts, stores and checks by reading back; the table is dropped and
// `berth backups restore` brings the rows back; a drill restores into a throwaway database
// and compares exact counts; the same through an S3-compatible server (s3rver, a local
// process: no cloud here). Broken dumps (zero bytes, cut in half before encryption, and a good
// object cut at rest) are caught by the check and by the drill, each an event and a
// notification a test webhook receiver gets, never a success.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, docker, filesUnder, freePort, PROXY, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';
import { eventually, get, rawRequest } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-backups-'));
const HOST = 'notes.localhost';
let s3: ChildProcess | undefined;
let s3Url = '';
let hook: { url: string; got: { event: string; message: string }[]; server: Server };

interface Backup {
  id: string;
  status: string;
  trigger: string;
  destination: string;
  sha256: string | null;
  cipherBytes: number | null;
  plainBytes: number | null;
  counts: Record<string, number> | null;
  error: string | null;
  drill: { status: string; lines: { table: string; expected: number | null; restored: number | null }[]; summary: string; error: string | null } | null;
}

const notes = async () => get(`${PROXY}/notes`, { host: HOST });
const addNote = (text: string) => rawRequest(PROXY, '/notes', { method: 'POST', headers: { Host: HOST, 'Content-Type': 'text/plain' }, body: text });
const backupsOf = async (source: string): Promise<Backup[]> => {
  const r = await server.fetch(`/api/v1/backups?source=${encodeURIComponent(source)}`);
  expect(r.status).toBe(200);
  return (await r.json()) as Backup[];
};
const backup = async (id: string): Promise<Backup> => (await (await server.fetch(`/api/v1/backups/${id}`)).json()) as Backup;
const psql = (addon: string, sql: string) => server.cli(['addons', 'psql', addon, '--', '-c', sql]);
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

async function receiver(): Promise<typeof hook> {
  const got: { event: string; message: string }[] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const b = JSON.parse(body) as { event: string; message: string };
      got.push({ event: b.event, message: b.message });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/hook`, got, server: s };
}

const notified = (event: string, about: string) => eventually(async () => hook.got.filter((g) => g.event === event && g.message.includes(about)), (l) => l.length > 0, 30_000);

async function deployWithDb(app: string, addon: string): Promise<void> {
  const d = await server.cli(['deploy', join(ROOT, 'examples', 'node-postgres'), '--app', app]);
  expect(d.code, d.stdout + d.stderr).toBe(0);
  const a = await server.cli(['addons', 'create', 'postgres', '--app', app, '--name', addon]);
  expect(a.code, a.stdout + a.stderr).toBe(0);
}

beforeAll(async () => {
  hook = await receiver();
  // The S3-compatible server runs as a process of its own, as object storage would.
  const port = await freePort();
  s3 = spawn(process.execPath, [join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js'), '-d', join(work, 's3'), '-a', '127.0.0.1', '-p', String(port), '-s', '--configure-bucket', 'berth-test'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    s3!.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('S3rver listening')) resolve();
    });
    s3!.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${out}`)));
  });
  s3Url = `http://127.0.0.1:${port}`;
  server = await bootServer({
    env: { BERTH_NOTIFY_ALLOW_PRIVATE: 'true', BERTH_BACKUP_ALLOW_PRIVATE: 'true', BERTH_TEST_BACKUP_FAULT: 'empty-db:empty,cut-db:truncate' },
  });
  const n = await server.cli(['notify', 'add', 'default', '--url', hook.url, '--events', 'backup.failed,drill.failed']);
  expect(n.code, n.stderr).toBe(0);
  await deployWithDb('notes', 'notes-db');
}, 600_000);

afterAll(async () => {
  await shutdownServer(server, work);
  if (s3 && s3.exitCode === null) {
    const gone = new Promise((r) => s3!.once('exit', r));
    s3.kill('SIGTERM');
    await gone;
  }
  await new Promise<void>((r) => (hook ? hook.server.close(() => r()) : r()));
});

/** notes-db's first backup (local), made by the first test. */
let first: Backup;

describe('backups of a PostgreSQL add-on', () => {
  it('stores rows written through the app, backs up (checked by reading back), and restores them after the table is dropped', async () => {
    // The new release with DATABASE_URL takes over; then three notes through the proxy.
    await eventually(notes, (r) => r.status === 200, 60_000);
    for (const t of ['first note', 'second note', 'third note']) expect((await addNote(t)).status).toBe(201);
    expect(JSON.parse((await notes()).body)).toHaveLength(3);

    const c = await server.cli(['backups', 'create', 'notes-db']);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    first = (await backupsOf('notes-db'))[0]!;
    expect(first!.status).toBe('ok');
    expect(first!.counts).toEqual({ 'public.notes': 3 });
    // Encrypted at rest: the stored object is the one whose sha256 was recorded, and no note is in it in clear.
    const files = filesUnder(join(server.dataDir, 'backups'));
    expect(files).toHaveLength(1);
    expect(sha256(files[0]!)).toBe(first!.sha256);
    expect(statSync(files[0]!).size).toBe(first!.cipherBytes);
    expect(readFileSync(files[0]!).includes('second note')).toBe(false);

    expect((await psql('notes-db', 'DROP TABLE notes')).code).toBe(0);
    expect((await notes()).status).toBe(500);

    const r = await server.cli(['backups', 'restore', 'notes-db', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const back = JSON.parse((await notes()).body) as { body: string }[];
    expect(back.map((n) => n.body)).toEqual(['first note', 'second note', 'third note']);
    // The restore took a safety backup of the state it replaced first.
    expect((await backupsOf('notes-db')).map((b) => b.trigger)).toContain('safety');
  }, 300_000);

  it('proves a backup by a drill into a throwaway database: exact counts compared', async () => {
    const d = await server.cli(['backups', 'drill', 'notes-db', '--backup', first.id]);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    const b = await backup(first.id);
    expect(b.drill?.status).toBe('ok');
    expect(b.drill?.lines).toEqual([{ table: 'public.notes', expected: 3, restored: 3 }]);
    // The throwaway database is gone.
    expect((await docker('ps', '-a', '--filter', `name=${TEST.prefix}-drill-`, '--format', '{{.Names}}')).stdout.trim()).toBe('');
  }, 300_000);

  it('backs up to and restores from an S3-compatible server (s3rver, a local process)', async () => {
    const add = await server.fetch('/api/v1/backup-destinations', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ owner: 'default', name: 'objects', endpoint: s3Url, bucket: 'berth-test', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }),
    });
    expect(add.status, await add.clone().text()).toBeLessThan(300);
    expect((await addNote('fourth note')).status).toBe(201);
    const c = await server.cli(['backups', 'create', 'notes-db', '--to', 'objects']);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    const [b] = await backupsOf('notes-db');
    expect(b!.destination).toBe('objects');
    expect(b!.status).toBe('ok');
    expect(b!.counts).toEqual({ 'public.notes': 4 });
    // The object is in the bucket, byte for byte what was recorded.
    const inBucket = filesUnder(join(work, 's3', 'berth-test')).filter((f) => !f.endsWith('._S3rver_metadata.json') && !f.endsWith('._S3rver_object.md5'));
    expect(inBucket.some((f) => sha256(f) === b!.sha256)).toBe(true);

    expect((await psql('notes-db', 'DROP TABLE notes')).code).toBe(0);
    const r = await server.cli(['backups', 'restore', 'notes-db', '--backup', b!.id, '--no-safety-backup', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((JSON.parse((await notes()).body) as unknown[]).length).toBe(4);
  }, 300_000);
});

describe('broken backups are caught, never reported as success', () => {
  beforeAll(async () => {
    await deployWithDb('empty-app', 'empty-db');
    await deployWithDb('cut-app', 'cut-db');
    for (const a of ['empty-db', 'cut-db']) {
      const w = await psql(a, "CREATE TABLE t (v text); INSERT INTO t SELECT repeat('x', 200) || g FROM generate_series(1, 2000) g");
      expect(w.code, w.stdout + w.stderr).toBe(0);
    }
  }, 600_000);

  it('a zero-byte dump fails its check and its drill: events and notifications', async () => {
    const c = await server.cli(['backups', 'create', 'empty-db']);
    expect(c.code).not.toBe(0);
    const [b] = await backupsOf('empty-db');
    expect(b!.status).toBe('failed');
    expect(b!.error).toContain('the dump is empty (0 bytes)');
    const [n] = await notified('backup.failed', 'empty-db');
    expect(n!.message).toContain('empty');

    // The drill of that backup fails too: nothing can be restored from nothing.
    const d = await server.cli(['backups', 'drill', 'empty-db', '--backup', b!.id]);
    expect(d.code).not.toBe(0);
    const drilled = (await backup(b!.id)).drill;
    expect(drilled?.status).toBe('failed');
    expect(drilled?.error).toContain('empty');
    await notified('drill.failed', 'empty-db');
  }, 120_000);

  it('a dump cut in half (well encrypted) fails the check and the drill: events and notifications', async () => {
    const c = await server.cli(['backups', 'create', 'cut-db']);
    expect(c.code).not.toBe(0);
    const [b] = await backupsOf('cut-db');
    expect(b!.status).toBe('failed');
    expect(b!.error).toContain('pg_restore');
    await notified('backup.failed', 'cut-db');

    const d = await server.cli(['backups', 'drill', 'cut-db', '--backup', b!.id]);
    expect(d.code).not.toBe(0);
    expect((await backup(b!.id)).drill?.status).toBe('failed');
    await notified('drill.failed', 'cut-db');
  }, 180_000);

  it('a good backup cut at rest fails its check and its drill', async () => {
    const files = filesUnder(join(server.dataDir, 'backups')).filter((f) => f.includes(first.id));
    expect(files).toHaveLength(1);
    truncateSync(files[0]!, Math.floor(statSync(files[0]!).size / 2));

    const c = await server.cli(['backups', 'check', first.id]);
    expect(c.code).not.toBe(0);
    const b = await backup(first.id);
    expect(b.status).toBe('failed');
    expect(b.error).toMatch(/truncated|damaged/);
    await notified('backup.failed', first.id);

    const d = await server.cli(['backups', 'drill', 'notes-db', '--backup', first.id]);
    expect(d.code).not.toBe(0);
    expect((await backup(first.id)).drill?.status).toBe('failed');
    await notified('drill.failed', first.id);
  }, 180_000);
});
