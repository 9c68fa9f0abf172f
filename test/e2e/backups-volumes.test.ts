// Backups of an app's volume (berth.yml `volumes: {data: /data}`) as a user meets them: lines
// written through the app into a file only its owner may read are backed up as a checked tar;
// a restore is refused while the app runs (the hint: scale it to 0); stopped, restored and
// scaled up again, the app reads the backed-up lines, what was written after is gone, owners
// and modes are kept; a drill restores into a throwaway volume, counts its files, removes it.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, docker, filesUnder, PROXY, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';
import { eventually, get, rawRequest } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-backups-volumes-'));
const appDir = join(work, 'app');
const HOST = 'vol-app.localhost';

interface Backup {
  id: string;
  status: string;
  trigger: string;
  sha256: string | null;
  cipherBytes: number | null;
  counts: Record<string, number> | null;
  error: string | null;
  drill: { status: string; lines: { table: string; expected: number | null; restored: number | null }[]; error: string | null } | null;
}

const read = async () => (await get(`${PROXY}/`, { host: HOST })).body;
const write = async (line: string) => rawRequest(PROXY, '/', { method: 'POST', headers: { Host: HOST, 'Content-Type': 'text/plain' }, body: line });
const backupsOf = async (source: string): Promise<Backup[]> => {
  const r = await server.fetch(`/api/v1/backups?source=${encodeURIComponent(source)}`);
  expect(r.status).toBe(200);
  return (await r.json()) as Backup[];
};
const backup = async (id: string): Promise<Backup> => (await (await server.fetch(`/api/v1/backups/${id}`)).json()) as Backup;
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** `ls -lnR /data` in a one-off of the app: mode, numeric owner, size and time of each file and folder, by name. */
async function listing(): Promise<Record<string, string>> {
  const r = await server.cli(['run', 'vol-app', '--', 'ls', '-lnR', '--time-style=+%s', '/data']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('-') || l.startsWith('d'));
  // "-rw------- 1 1000 1000 25 1763955000 log.txt": everything but the link count, by name.
  return Object.fromEntries(rows.map((l) => l.trim().split(/\s+/)).map((f) => [f.at(-1)!, [f[0], ...f.slice(2, -1)].join(' ')]));
}

beforeAll(async () => {
  server = await bootServer();
  // The volume fixture app, writing its log as a file only its owner (the app's user) may read,
  // in a folder only its owner may enter.
  cpSync(join(ROOT, 'test', 'fixtures', 'volume-app'), appDir, { recursive: true });
  const code = readFileSync(join(appDir, 'server.js'), 'utf8');
  const owned = code
    .replace("const FILE = '/data/log.txt';", "const FILE = '/data/private/log.txt';")
    .replace('fs.appendFileSync(FILE, `${body.trim()}\\n`);', "fs.mkdirSync('/data/private', { mode: 0o700, recursive: true });\n          fs.appendFileSync(FILE, `${body.trim()}\\n`, { mode: 0o600 });");
  expect(owned.match(/private/g)).toHaveLength(2);
  writeFileSync(join(appDir, 'server.js'), owned);
  const d = await server.cli(['deploy', appDir, '--app', 'vol-app']);
  expect(d.code, d.stdout + d.stderr).toBe(0);
}, 600_000);

afterAll(() => shutdownServer(server, work));

/** The backup the first test takes, and the listing of /data it was taken of. */
let first: Backup;
let before: Record<string, string>;

describe('backups of an app volume', () => {
  it('backs up what the app wrote, a file only its owner may read included, as a checked archive', async () => {
    for (const l of ['first line', 'second line']) expect((await write(l)).status).toBe(200);
    expect(await read()).toBe('v1\nfirst line\nsecond line\n');
    before = await listing();
    expect(before['private']).toMatch(/^drwx------ [1-9]\d* /);
    expect(before['log.txt']).toMatch(/^-rw------- [1-9]\d* /);

    const c = await server.cli(['backups', 'create', 'vol-app:data']);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    first = (await backupsOf('vol-app:data'))[0]!;
    expect(first.status, first.error ?? '').toBe('ok');
    // "./", private/ and private/log.txt.
    expect(first.counts?.entries).toBe(3);
    const files = filesUnder(join(server.dataDir, 'backups'));
    expect(files).toHaveLength(1);
    expect(sha256(files[0]!)).toBe(first.sha256);
    expect(statSync(files[0]!).size).toBe(first.cipherBytes);
    // The same source named with its owner.
    expect((await backupsOf('default/vol-app:data')).map((b) => b.id)).toEqual([first.id]);
  }, 300_000);

  it('refuses to restore while the app runs, and says to scale it to 0', async () => {
    expect((await write('written after the backup')).status).toBe(200);
    const r = await server.cli(['backups', 'restore', 'vol-app:data', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('default/vol-app is running');
    expect(r.stderr).toContain('berth scale default/vol-app web=0');
    expect(await read()).toBe('v1\nfirst line\nsecond line\nwritten after the backup\n');
  }, 120_000);

  it('restores the stopped app volume: the backed-up lines are back, the later one gone, owners and modes kept', async () => {
    const stop = await server.cli(['scale', 'vol-app', 'web=0']);
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    const r = await server.cli(['backups', 'restore', 'vol-app:data', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`restored vol-app:data from backup ${first.id}`);
    const up = await server.cli(['scale', 'vol-app', 'web=1']);
    expect(up.code, up.stdout + up.stderr).toBe(0);

    expect(await eventually(read, (b) => b.startsWith('v1\n'), 60_000)).toBe('v1\nfirst line\nsecond line\n');
    // Mode 0600, owner, size and modification time as they were when backed up.
    expect(await listing()).toEqual(before);
    // The safety backup holds the state the restore replaced.
    const all = await backupsOf('vol-app:data');
    expect(all.find((b) => b.trigger === 'safety')?.status).toBe('ok');
  }, 300_000);

  it('proves the backup by a drill into a throwaway volume, files counted, and removes that volume', async () => {
    const d = await server.cli(['backups', 'drill', 'vol-app:data', '--backup', first.id]);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    const b = await backup(first.id);
    expect(b.drill?.status, b.drill?.error ?? '').toBe('ok');
    const n = first.counts!.entries! - 1;
    expect(b.drill?.lines).toEqual([{ table: 'files', expected: n, restored: n }]);
    const vols = (await docker('volume', 'ls', '--format', '{{.Name}}')).stdout.split('\n');
    expect(vols.filter((v) => v.startsWith(`${TEST.prefix}-drill-`))).toEqual([]);
  }, 300_000);
});
