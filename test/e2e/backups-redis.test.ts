// Backups of a Redis add-on as a user meets them, against real parts: keys written with
// `berth addons redis-cli`; `berth backups create` takes the RDB snapshot (redis-cli --rdb),
// encrypts, stores and checks it by reading back (magic, EOF marker, CRC64); after FLUSHALL
// `berth backups restore` brings the keys back, kept over a restart of the add-on (its AOF was
// rewritten from them); a drill restores into a throwaway volume and compares keys per
// database. A snapshot cut before encryption, and a good object cut at rest, fail the check;
// a restore of a cut snapshot fails and leaves the add-on running on the data it had.
import { mkdtempSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, docker, filesUnder, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-backups-redis-'));

interface Backup {
  id: string;
  status: string;
  trigger: string;
  counts: Record<string, number> | null;
  error: string | null;
  drill: { status: string; lines: { table: string; expected: number | null; restored: number | null }[]; summary: string; error: string | null } | null;
}

const backupsOf = async (source: string): Promise<Backup[]> => {
  const r = await server.fetch(`/api/v1/backups?source=${encodeURIComponent(source)}`);
  expect(r.status).toBe(200);
  return (await r.json()) as Backup[];
};
const backup = async (id: string): Promise<Backup> => (await (await server.fetch(`/api/v1/backups/${id}`)).json()) as Backup;
const redis = async (addon: string, ...args: string[]): Promise<string> => {
  const r = await server.cli(['addons', 'redis-cli', addon, '--', ...args]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.stdout.trim();
};

const KEYS = ['k1', 'k2', 'k3', 'k4', 'k5'];

beforeAll(async () => {
  server = await bootServer({ env: { BERTH_TEST_BACKUP_FAULT: 'cut-cache:truncate' } });
  const d = await server.cli(['deploy', join(ROOT, 'examples', 'python-hello'), '--app', 'cache-app']);
  expect(d.code, d.stdout + d.stderr).toBe(0);
  const a = await server.cli(['addons', 'create', 'redis', '--app', 'cache-app', '--name', 'cache-db']);
  expect(a.code, a.stdout + a.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  await shutdownServer(server, work);
});

/** cache-db's first backup, made by the first test. */
let first: Backup;

describe('backups of a Redis add-on', () => {
  it('backs up the keys (RDB checked by reading back), and restores them after FLUSHALL, kept over a restart', async () => {
    for (const k of KEYS) expect(await redis('cache-db', 'SET', k, `value of ${k}`)).toBe('OK');

    const c = await server.cli(['backups', 'create', 'cache-db']);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    first = (await backupsOf('cache-db'))[0]!;
    expect(first.status).toBe('ok');
    expect(first.counts).toEqual({ db0: 5 });
    const files = filesUnder(join(server.dataDir, 'backups'));
    expect(files).toHaveLength(1);
    expect(readFileSync(files[0]!).includes('value of k3')).toBe(false);

    expect(await redis('cache-db', 'FLUSHALL')).toBe('OK');
    expect(await redis('cache-db', 'DBSIZE')).toBe('0');

    const r = await server.cli(['backups', 'restore', 'cache-db', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await redis('cache-db', 'GET', 'k3')).toBe('value of k3');
    expect(await redis('cache-db', 'DBSIZE')).toBe('5');
    expect((await backupsOf('cache-db')).map((b) => b.trigger)).toContain('safety');

    // The add-on keeps them when it restarts: they are in its append-only file, not only in memory.
    expect((await docker('restart', `${TEST.prefix}-addon-cache-db`)).code).toBe(0);
    let size = '';
    for (let i = 0; i < 50 && size !== '5'; i++) {
      const s = await server.cli(['addons', 'redis-cli', 'cache-db', '--', 'DBSIZE']);
      size = s.code === 0 ? s.stdout.trim() : '';
      if (size !== '5') await new Promise((res) => setTimeout(res, 300));
    }
    expect(size).toBe('5');
  }, 300_000);

  it('proves a backup by a drill into a throwaway volume: keys per database compared', async () => {
    const d = await server.cli(['backups', 'drill', 'cache-db', '--backup', first.id]);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    const b = await backup(first.id);
    expect(b.drill?.status).toBe('ok');
    expect(b.drill?.lines).toEqual([{ table: 'db0', expected: 5, restored: 5 }]);
    expect((await docker('volume', 'ls', '--filter', `name=${TEST.prefix}-drill-`, '--format', '{{.Name}}')).stdout.trim()).toBe('');
  }, 300_000);
});

describe('broken Redis backups are caught, and a failed restore keeps the data', () => {
  it('a snapshot cut in half fails its check (RDB damaged) and its drill; restoring it leaves the add-on as it was', async () => {
    const app = await server.cli(['create', 'cut-app']);
    expect(app.code, app.stdout + app.stderr).toBe(0);
    const a = await server.cli(['addons', 'create', 'redis', '--app', 'cut-app', '--name', 'cut-cache']);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const big = 'x'.repeat(2000);
    for (let i = 0; i < 20; i++) await redis('cut-cache', 'SET', `key${i}`, big);

    const c = await server.cli(['backups', 'create', 'cut-cache']);
    expect(c.code).not.toBe(0);
    const [b] = await backupsOf('cut-cache');
    expect(b!.status).toBe('failed');
    expect(b!.error).toContain('the RDB file is damaged');

    const d = await server.cli(['backups', 'drill', 'cut-cache', '--backup', b!.id]);
    expect(d.code).not.toBe(0);
    expect((await backup(b!.id)).drill?.status).toBe('failed');

    const r = await server.cli(['backups', 'restore', 'cut-cache', '--backup', b!.id, '--no-safety-backup', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('berth-redis-restore failed');
    expect(await redis('cut-cache', 'DBSIZE')).toBe('20');
  }, 300_000);

  it('a good backup cut at rest fails its check', async () => {
    const files = filesUnder(join(server.dataDir, 'backups')).filter((f) => f.includes(first.id));
    expect(files).toHaveLength(1);
    truncateSync(files[0]!, Math.floor(statSync(files[0]!).size / 2));
    const c = await server.cli(['backups', 'check', first.id]);
    expect(c.code).not.toBe(0);
    const b = await backup(first.id);
    expect(b.status).toBe('failed');
    expect(b.error).toMatch(/truncated|damaged/);
  }, 120_000);
});
