// Process types and scaling: a Procfile app with release, web and worker; web scaled to three
// and back, with requests spread over the web containers; a failing release command aborts.
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
  it('runs the release command once, then web and worker', async () => {
    const r = await server.cli(['deploy', app]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('running release: python3 release.py');
    expect(r.stdout).toContain('release phase: migrations up to date');
    expect(r.stdout).toContain('worker.1 running');
    const rows = await ps();
    expect([count(rows, 'web'), count(rows, 'worker')]).toEqual([1, 1]);
    expect((await get(`${PROXY}/`, { host: 'python-procfile.localhost' })).body).toMatch(/^served by /);
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
