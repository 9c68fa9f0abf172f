// The core loop as a user meets it: `berth deploy` from a directory and from a git repo, the
// app answering through Caddy by host and by path, a redeploy, the read commands, destroy.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareRepoFrom, serveGit } from '../helpers/git-http.js';
import { bootServer, containersNamed, imagesNamed, PROXY, ROOT, run, shutdownServer, TEST, TEST_TOKEN, type TestServer } from '../helpers/berth.js';
import { eventually, get } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-e2e-'));

function copyExample(name: string): string {
  const dir = join(work, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  cpSync(join(ROOT, 'examples', name), dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  server = await bootServer();
});

afterAll(() => shutdownServer(server, work));

describe('deploying from a directory', () => {
  it('deploys examples/node-hello and serves it through Caddy by host and by path', async () => {
    const dir = copyExample('node-hello');
    const r = await server.cli(['deploy', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('-----> building');
    expect(r.stdout).toContain('node-hello deployed');
    expect(r.stdout).toContain(`http://node-hello.localhost:${TEST.httpPort}`);
    expect(r.stdout).toContain(`http://localhost:${TEST.httpPort}/default/node-hello`);

    const byHost = await get(`${PROXY}/`, { host: 'node-hello.localhost' });
    expect(byHost).toMatchObject({ status: 200, body: 'Hello from node-hello!\n' });
    const byPath = await get(`${PROXY}/default/node-hello/info`, { host: 'localhost' });
    expect(byPath.status).toBe(200);
    expect(JSON.parse(byPath.body)).toMatchObject({ path: '/info', prefix: '/default/node-hello' });
  });

  it('serves the new body after a redeploy of changed source', async () => {
    const dir = copyExample('node-hello');
    const file = join(dir, 'server.js');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Hello from node-hello', 'Hello again, v2'));
    const r = await server.cli(['deploy', dir]);
    expect(r.code).toBe(0);
    expect((await get(`${PROXY}/`, { host: 'node-hello.localhost' })).body).toBe('Hello again, v2!\n');
    // The replaced release drains, then its container is gone: exactly one is left.
    const names = await eventually(() => containersNamed(`${TEST.prefix}-default-node-hello-`), (n) => n.length === 1, 20_000);
    expect(names).toHaveLength(1);
  });

  it('answers an unknown host with the Berth 404 page', async () => {
    const r = await get(`${PROXY}/`, { host: 'nothing-here.localhost' });
    expect(r.status).toBe(404);
    expect(r.body).toContain('No app here');
  });
});

describe('deploying from a git repository', () => {
  it('deploys examples/python-hello from a repo served on loopback over http', async () => {
    const repos = join(work, 'repos');
    await bareRepoFrom(copyExample('python-hello'), 'main', repos, 'python-hello.git');
    const http = await serveGit(repos);
    try {
      const r = await server.cli(['deploy', '--git', `${http.url}/python-hello.git`, '--ref', 'main']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/commit [0-9a-f]{40}/);
    } finally {
      await http.close();
    }
    expect(await get(`${PROXY}/`, { host: 'python-hello.localhost' })).toMatchObject({ status: 200, body: 'Hello from python-hello!\n' });
    const byPath = await get(`${PROXY}/default/python-hello/info`);
    expect(JSON.parse(byPath.body)).toMatchObject({ path: '/info', prefix: '/default/python-hello' });
  });
});

describe('deploying the other way round, and from an image', () => {
  it('deploys examples/python-hello from a directory and examples/node-hello from git', async () => {
    const py = copyExample('python-hello');
    const r1 = await server.cli(['deploy', py, '--app', 'py-dir']);
    expect(r1.code, r1.stderr).toBe(0);
    expect((await get(`${PROXY}/`, { host: 'py-dir.localhost' })).body).toBe('Hello from python-hello!\n');

    const repos = join(work, 'repos2');
    await bareRepoFrom(copyExample('node-hello'), 'release', repos, 'node.git');
    const http = await serveGit(repos);
    try {
      const r2 = await server.cli(['deploy', '--git', `${http.url}/node.git`, '--ref', 'release', '--app', 'node-git']);
      expect(r2.code, r2.stderr).toBe(0);
    } finally {
      await http.close();
    }
    expect((await get(`${PROXY}/default/node-git/`)).body).toBe('Hello from node-hello!\n');
  });

  it('deploys a prebuilt image and leaves the image itself alone on destroy', async () => {
    const build = () => run('docker', ['build', '-q', '--build-arg', 'BERTH_IMAGE_NODE=berth/node:bookworm', '-t', `${TEST.prefix}/prebuilt:1`, join(ROOT, 'examples', 'node-hello')]);
    // The plain docker build of the test's own image, retried once: it can trip over another
    // test's image pruning of shared cache layers.
    let built = await build();
    if (built.code !== 0) built = await build();
    expect(built.code, built.stderr).toBe(0);
    const r = await server.cli(['deploy', '--image', `${TEST.prefix}/prebuilt:1`, '--app', 'prebuilt']);
    expect(r.code, r.stderr).toBe(0);
    expect((await get(`${PROXY}/`, { host: 'prebuilt.localhost' })).body).toBe('Hello from node-hello!\n');
    expect((await server.cli(['destroy', 'prebuilt', '--yes'])).code).toBe(0);
    expect(await imagesNamed(`${TEST.prefix}/prebuilt:1`)).toEqual([`${TEST.prefix}/prebuilt:1`]);
    expect(await imagesNamed(`${TEST.prefix}/default/prebuilt`)).toEqual([]);
    await run('docker', ['rmi', `${TEST.prefix}/prebuilt:1`]);
  });

  it('refuses an image that is not on the host, with a hint', async () => {
    const r = await server.cli(['deploy', '--image', 'nowhere/missing:1', '--app', 'ghost']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('image nowhere/missing:1 is not on this host');
  });
});

describe('looking at apps', () => {
  it('lists apps with status and URL, as a table and as JSON', async () => {
    const table = await server.cli(['apps']);
    expect(table.stdout).toMatch(/node-hello\s+default\s+running/);
    const json = JSON.parse((await server.cli(['apps', '--json'])).stdout) as { name: string; status: string }[];
    expect(json.map((a) => [a.name, a.status])).toEqual([
      ['ghost', 'failed'],
      ['node-git', 'running'],
      ['node-hello', 'running'],
      ['py-dir', 'running'],
      ['python-hello', 'running'],
    ]);
  });

  it('shows status with the running container', async () => {
    const r = await server.cli(['status', 'node-hello']);
    expect(r.stdout).toMatch(/status:\s+running/);
    expect(r.stdout).toMatch(/berthtest-default-node-hello-d\d+-web-1\s+running/);
  });

  it("prints the app's output", async () => {
    await get(`${PROXY}/`, { host: 'python-hello.localhost' });
    const r = await eventually(() => server.cli(['logs', 'python-hello']), (x) => x.stdout.includes('GET / HTTP'));
    expect(r.stdout).toContain('python-hello listening on 8000');
  });

  it('follows the output live with logs -f', async () => {
    const ac = new AbortController();
    const lines: string[] = [];
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'berth'), 'logs', 'python-hello', '-f', '-n', '0'], { env: { ...process.env, BERTH_URL: server.url, BERTH_TOKEN: TEST_TOKEN }, signal: ac.signal });
    child.stdout.on('data', (b: Buffer) => lines.push(...b.toString().split('\n')));
    child.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    await get(`${PROXY}/followed-path`, { host: 'python-hello.localhost' });
    await eventually(async () => lines.join('\n'), (t) => t.includes('GET /followed-path'), 10_000);
    ac.abort();
    expect(lines.join('\n')).toContain('GET /followed-path');
  });

  it('reports a missing app with a clear error and exit code', async () => {
    const r = await server.cli(['status', 'nope']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: app nope does not exist');
  });

  it('serves the OpenAPI document', async () => {
    const doc = (await (await server.fetch(`/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/apps', '/api/v1/apps/{app}/deploys', '/api/v1/apps/{app}/logs']));
  });
});

describe('destroying an app', () => {
  it('removes containers, image tags, routes and rows', async () => {
    const r = await server.cli(['destroy', 'node-hello', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(await containersNamed(`${TEST.prefix}-default-node-hello-`)).toEqual([]);
    expect(await imagesNamed(`${TEST.prefix}/default/node-hello`)).toEqual([]);
    expect((await get(`${PROXY}/`, { host: 'node-hello.localhost' })).status).toBe(404);
    expect((await get(`${PROXY}/default/node-hello/`)).status).toBe(404);
    expect((await server.cli(['status', 'node-hello'])).code).toBe(3);
    const left = JSON.parse((await server.cli(['apps', '--json'])).stdout) as { name: string }[];
    expect(left.map((a) => a.name)).not.toContain('node-hello');
  });

  it('refuses to destroy without confirmation when not on a terminal', async () => {
    const r = await server.cli(['destroy', 'python-hello']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
    expect((await get(`${PROXY}/`, { host: 'python-hello.localhost' })).status).toBe(200);
  });
});
