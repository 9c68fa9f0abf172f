// The first hour (issue #16): `berth apps`, `berth status` and the API the dashboard reads agree
// on an app's status (new, running, stopped, crashed); scaling to zero and straight back up
// works for an app that ignores SIGTERM; `berth logs` shows what crashed at start, with times
// and process names; `berth run` of a missing command says so, like a shell.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, PROXY, ROOT, shutdownServer, type TestServer } from '../helpers/berth.js';
import { eventually, get } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-first-hour-'));

/** A copy of the SIGTERM-ignoring fixture app named `name`, doing `behaviour`. */
function appDir(name: string, behaviour: 'serve' | 'crash-at-start' | 'crash-soon'): string {
  const dir = join(work, name);
  cpSync(join(ROOT, 'test', 'fixtures', 'stubborn-app'), dir, { recursive: true });
  writeFileSync(join(dir, 'behaviour.txt'), `${behaviour}\n`);
  writeFileSync(join(dir, 'berth.yml'), `name: ${name}\nhealthcheck:\n  path: /\n  interval: 0.5\n`);
  return dir;
}

/** The status as `berth apps`, `berth status` and the dashboard's list and header (GET /apps, /apps/:app) give it. */
async function statuses(name: string): Promise<{ apps: string; status: string; list: string; header: string }> {
  const [apps, status, list, header] = await Promise.all([
    server.cli(['apps', '--json']).then((r) => (JSON.parse(r.stdout) as { name: string; status: string }[]).find((a) => a.name === name)?.status ?? 'missing'),
    server.cli(['status', name, '--json']).then((r) => (JSON.parse(r.stdout) as { status: string }).status),
    server.fetch('/api/v1/apps').then(async (r) => ((await r.json()) as { name: string; status: string }[]).find((a) => a.name === name)?.status ?? 'missing'),
    server.fetch(`/api/v1/apps/${name}`).then(async (r) => ((await r.json()) as { status: string }).status),
  ]);
  return { apps, status, list, header };
}
const all = (s: string) => ({ apps: s, status: s, list: s, header: s });

beforeAll(async () => {
  server = await bootServer();
});

afterAll(() => shutdownServer(server, work));

describe('the first hour with an app', () => {
  it('a never-deployed app is "new" everywhere, and scaling it records the formation for its first deploy', async () => {
    expect((await server.cli(['create', 'fhnew'])).code).toBe(0);
    expect(await statuses('fhnew')).toEqual(all('new'));
    const r = await server.cli(['scale', 'fhnew', 'web=2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('now runs');
    expect(r.stdout).toContain('applies at its next deploy');
    const shown = await server.cli(['scale', 'fhnew', '--json']);
    expect(JSON.parse(shown.stdout)).toEqual([{ type: 'web', quantity: 2, command: null }]);
    expect(await statuses('fhnew')).toEqual(all('new'));
  });

  it('a running app is "running" everywhere, and its log lines carry a time and the process name', async () => {
    const r = await server.cli(['deploy', appDir('stubborn', 'serve')]);
    expect(r.code, r.stderr).toBe(0);
    expect(await statuses('stubborn')).toEqual(all('running'));
    const shown = await server.cli(['scale', 'stubborn']);
    expect(shown.stdout).toMatch(/TYPE\s+QUANTITY\s+COMMAND\n\s*web\s+1\s+\(the image's CMD\)/);
    const logs = await server.cli(['logs', 'stubborn']);
    expect(logs.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ web\.1 +stubborn listening on \d+$/m);
    const json = (await server.cli(['logs', 'stubborn', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(json.some((e) => e.process === 'web.1' && e.stream === 'stdout' && /^\d{4}-.*Z$/.test(e.time ?? '') && e.text?.includes('stubborn listening'))).toBe(true);
  });

  it('says a bad line count in words, in the CLI and in the API', async () => {
    const cli = await server.cli(['logs', 'stubborn', '-n', 'abc']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('-n/--tail takes a whole number of lines from 0 to 10000, got "abc"');
    const api = await server.fetch('/api/v1/apps/stubborn/logs?tail=abc');
    expect(api.status).toBe(400);
    expect(((await api.json()) as { error: { message: string } }).error.message).toBe('the number of lines must be a whole number from 0 to 10000, got "abc"');
  });

  it('scaled to web=0 it is "stopped", not crashed; scaled straight back to web=1 it serves again though the old container ignores SIGTERM', async () => {
    const down = await server.cli(['scale', 'stubborn', 'web=0']);
    expect(down.code, down.stderr).toBe(0);
    expect(await statuses('stubborn')).toEqual(all('stopped'));
    // The old web.1 is still draining, then stopping for 10 s (it ignores SIGTERM): its name is taken.
    const up = await server.cli(['scale', 'stubborn', 'web=1']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('stubborn now runs web=1');
    expect((await get(`${PROXY}/`, { host: 'stubborn.localhost' })).body).toBe('stubborn\n');
    expect(await statuses('stubborn')).toEqual(all('running'));
  });

  it('tells a missing command in `berth run` as a shell would, with exit code 127', async () => {
    const r = await server.cli(['run', 'stubborn', '--', 'nosuchcmd']);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain("nosuchcmd: command not found in the app's image");
    expect(r.stderr).not.toContain('OCI');
  });

  it('shows in `berth logs` the output of a release that crashed at start', async () => {
    const r = await server.cli(['deploy', appDir('stubborn', 'crash-at-start')]);
    expect(r.code).not.toBe(0);
    const logs = await server.cli(['logs', 'stubborn']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ web\.1 +boom: DATABASE_URL is not set$/m);
  });

  it('a crash-looping app is "crashed" everywhere, even in the moments it is up between crashes', async () => {
    const r = await server.cli(['deploy', appDir('looper', 'crash-soon')]);
    expect(r.code, r.stderr).toBe(0);
    // Three restarts (it dies 3 s after each start) make a crash loop, as `berth ps` tells it.
    const ps = await eventually(
      async () => (await server.cli(['ps', 'looper', '--json'])).stdout,
      (out) => out.includes('crash loop'),
      45_000,
      500,
    );
    expect(ps).toContain('crash loop');
    expect(await statuses('looper')).toEqual(all('crashed'));
  }, 60_000);
});
