// Process types and scaling, Heroku's process model: web runs one container and every other
// type none until scaled (or app.json's formation says so). A Procfile app with release, web and
// worker; the worker scaled up, web scaled to three and back, with requests spread over the web
// containers; a failing release command aborts. A Node app written from Heroku's and Dokku's docs
// with a type that exits at once deploys, and a formation of web only runs web only.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, PROXY, ROOT, shutdownServer, type TestServer } from '../helpers/berth.js';
import { get } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-ps-'));
const app = join(work, 'app');

interface Ps {
  name: string;
  type: string;
  state: string;
  restarts: number;
}
const ps = async () => JSON.parse((await server.cli(['ps', 'python-procfile', '--json'])).stdout) as Ps[];
const count = (rows: Ps[], type: string) => rows.filter((r) => r.type === type && r.state === 'running').length;

beforeAll(async () => {
  server = await bootServer();
  cpSync(join(ROOT, 'examples', 'python-procfile'), app, { recursive: true });
});

afterAll(() => shutdownServer(server, work));

describe('a Procfile app', () => {
  it('runs the release command once, then web only; the worker starts when scaled', async () => {
    const r = await server.cli(['deploy', app]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('running release: python3 release.py');
    expect(r.stdout).toContain('release phase: migrations up to date');
    expect(r.stdout).toContain('not running (quantity 0): worker; start one with: berth scale python-procfile worker=1');
    expect([count(await ps(), 'web'), count(await ps(), 'worker')]).toEqual([1, 0]);
    expect((await get(`${PROXY}/`, { host: 'python-procfile.localhost' })).body).toMatch(/^served by /);

    const w = await server.cli(['scale', 'python-procfile', 'worker=1']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toContain('python-procfile now runs web=1 worker=1');
    expect([count(await ps(), 'web'), count(await ps(), 'worker')]).toEqual([1, 1]);
  });

  it('scales web to three, spreading requests over them, and back to one', async () => {
    const up = await server.cli(['scale', 'python-procfile', 'web=3']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('web=3');
    let rows = await ps();
    expect([count(rows, 'web'), count(rows, 'worker')]).toEqual([3, 1]);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add((await get(`${PROXY}/`, { host: 'python-procfile.localhost' })).body);
    expect(seen.size).toBe(3);

    const down = await server.cli(['scale', 'python-procfile', 'web=1']);
    expect(down.code, down.stderr).toBe(0);
    rows = await ps();
    expect([count(rows, 'web'), count(rows, 'worker')]).toEqual([1, 1]);
    const after = new Set<string>();
    for (let i = 0; i < 10; i++) after.add((await get(`${PROXY}/`, { host: 'python-procfile.localhost' })).body);
    expect(after.size).toBe(1);
  });

  it('shows CPU and memory in ps', async () => {
    const r = await server.cli(['ps', 'python-procfile']);
    expect(r.stdout).toMatch(/berthtest-default-python-procfile-d\d+-web-1\s+web\s+running\s+\S+ ago\s+0\s+[\d.]+%\s+[\d.]+ MiB \/ 512\.0 MiB/);
  });

  it('refuses to scale a type the app does not have', async () => {
    const r = await server.cli(['scale', 'python-procfile', 'clock=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no process type clock; it runs web, worker');
  });

  it('aborts a deploy whose release command fails, and keeps the running release', async () => {
    const before = (await get(`${PROXY}/`, { host: 'python-procfile.localhost' })).body;
    writeFileSync(join(app, 'release.py'), 'import sys\nprint("migration failed", flush=True)\nsys.exit(3)\n');
    const r = await server.cli(['deploy', app]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('migration failed');
    expect(r.stderr).toContain('release command failed with exit code 3');
    expect((await get(`${PROXY}/`, { host: 'python-procfile.localhost' })).body).toBe(before);
    writeFileSync(join(app, 'release.py'), readFileSync(join(ROOT, 'examples', 'python-procfile', 'release.py')));
  });
});

describe('an app written for Heroku or Dokku: web, worker, a type that exits at once, a release command', () => {
  const heroku = join(work, 'heroku-procfile');
  const webOnly = join(work, 'heroku-web-only');
  const running = async (name: string) =>
    (JSON.parse((await server.cli(['ps', name, '--json'])).stdout) as Ps[]).filter((r) => r.state === 'running').map((r) => r.type).sort();

  beforeAll(() => {
    cpSync(join(ROOT, 'test', 'fixtures', 'heroku-procfile'), heroku, { recursive: true });
    cpSync(join(ROOT, 'test', 'fixtures', 'heroku-procfile'), webOnly, { recursive: true });
    // A second app whose app.json formation asks for web only (Heroku's app.json schema).
    writeFileSync(join(webOnly, 'package.json'), JSON.stringify({ name: 'heroku-web-only', private: true }));
    writeFileSync(join(webOnly, 'app.json'), JSON.stringify({ name: 'heroku-web-only', formation: { web: { quantity: 1 } } }));
  });

  it('deploys with no formation: the release runs, only web starts, and the deploy succeeds (the type that exits at once is not started)', async () => {
    const r = await server.cli(['deploy', heroku]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('release phase: nothing to migrate');
    expect(r.stdout).toContain('starting web.1 (PORT=');
    expect(r.stdout).toContain('not running (quantity 0): console, custom, worker');
    expect(await running('heroku-procfile')).toEqual(['web']);
    expect((await get(`${PROXY}/`, { host: 'heroku-procfile.localhost' })).body).toBe('web web.1 says hello\n');
    // `berth ps` lists every declared type with its quantity, zeros included.
    const table = await server.cli(['ps', 'heroku-procfile']);
    expect(table.stdout).toContain('web=1 console=0 custom=0 worker=0');
  });

  it('starts the worker with berth scale worker=1, and the next deploy keeps it', async () => {
    const r = await server.cli(['scale', 'heroku-procfile', 'worker=1']);
    expect(r.code, r.stderr).toBe(0);
    expect(await running('heroku-procfile')).toEqual(['web', 'worker']);
    const again = await server.cli(['deploy', heroku]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('starting web.1, worker.1');
    await expect.poll(() => running('heroku-procfile'), { timeout: 30_000 }).toEqual(['web', 'worker']);
  });

  it('runs web only when app.json formation asks for web only', async () => {
    const r = await server.cli(['deploy', webOnly]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(await running('heroku-web-only')).toEqual(['web']);
    const scale = JSON.parse((await server.cli(['scale', 'heroku-web-only', '--json'])).stdout) as { type: string; quantity: number }[];
    expect(scale.map((f) => `${f.type}=${f.quantity}`)).toEqual(['web=1', 'console=0', 'custom=0', 'worker=0']);
  });
});
