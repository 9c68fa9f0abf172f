// A killed control plane loses nothing and leaves nothing behind: after SIGKILL in the middle
// of a deploy, a restart marks the deploy interrupted, removes its container and image, and
// the running release keeps serving.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appImages, bootServer, containersNamed, PROXY, shutdownServer, stopTestProxy, TEST, type TestServer } from '../helpers/berth.js';
import { eventually, get } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-crash-'));

beforeAll(async () => {
  server = await bootServer();
});

afterAll(() => shutdownServer(server, work));

async function app(version: string, opts: { buildSleep?: number; healthWait?: number } = {}): Promise<Buffer> {
  const dir = join(work, `${version}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'Dockerfile'),
    `ARG BERTH_IMAGE_PYTHON\nFROM \${BERTH_IMAGE_PYTHON}\n${opts.buildSleep ? `RUN sleep ${opts.buildSleep}\n` : ''}COPY app.py /app.py\nCMD ["python3", "/app.py"]\n`,
  );
  writeFileSync(
    join(dir, 'app.py'),
    // GET /forwarded shows what the proxy told the app about the client.
    `import http.server, os\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n        body = ("%s %s %s" % (self.headers.get("X-Forwarded-For"), self.headers.get("X-Forwarded-Proto"), self.headers.get("X-Berth-Client-Ip"))).encode() if self.path == "/forwarded" else b"${version}"\n        self.send_response(200); self.end_headers(); self.wfile.write(body)\nhttp.server.HTTPServer(("", int(os.environ["PORT"])), H).serve_forever()\n`,
  );
  writeFileSync(join(dir, 'berth.yml'), `healthcheck: {wait: ${opts.healthWait ?? 0}, interval: 0.3}\n`);
  const file = `${dir}.tar.gz`;
  await tar.c({ gzip: true, cwd: dir, file }, ['Dockerfile', 'app.py', 'berth.yml']);
  return readFileSync(file);
}

async function deploy(body: Buffer, wait: boolean): Promise<{ status: number; id: number }> {
  const r = await server.fetch(`/api/v1/apps/sturdy/deploys/upload?create=true&wait=${wait}`, { method: 'POST', headers: { 'Content-Type': 'application/gzip' }, body: new Uint8Array(body) });
  const json = (await r.json()) as { deployment: { id: number } };
  return { status: r.status, id: json.deployment?.id };
}

async function deployment(id: number): Promise<{ status: string; reason: string | null; containers: string[] }> {
  return (await (await server.fetch(`/api/v1/deployments/${id}`)).json()) as { status: string; reason: string | null; containers: string[] };
}

async function expectConsistent(interruptedId: number): Promise<void> {
  const d = await deployment(interruptedId);
  expect(d.status).toBe('failed');
  expect(d.reason).toMatch(/interrupted/);
  expect((await get(`${PROXY}/`, { host: 'sturdy.localhost' })).body).toBe('v1');
  const names = await containersNamed(`${TEST.prefix}-default-sturdy-`);
  expect(names).toHaveLength(1);
  expect(names[0]).not.toContain(`-d${interruptedId}-`);
  expect(await appImages('default', 'sturdy', interruptedId)).toEqual([]);
  expect(readdirSync(join(server.dataDir, 'work'))).toEqual([]);
  const status = (await (await server.fetch(`/api/v1/apps/sturdy`)).json()) as { status: string };
  expect(status.status).toBe('running');
}

describe('SIGKILL of the server during a deploy', () => {
  it('starts from a running first release', async () => {
    expect((await deploy(await app('v1'), true)).status).toBe(201);
    expect((await get(`${PROXY}/`, { host: 'sturdy.localhost' })).body).toBe('v1');
  });

  it('after a kill while the new container is starting, a restart leaves v1 serving and no orphan', async () => {
    const { id } = await deploy(await app('v2', { healthWait: 30 }), false);
    await eventually(() => deployment(id), (d) => d.status === 'starting' && d.containers.length === 1, 60_000);
    await server.stop('SIGKILL');
    // The proxy was started detached: apps keep being served while the control plane is down.
    expect((await get(`${PROXY}/`, { host: 'sturdy.localhost' })).body).toBe('v1');
    server = await server.restart();
    await expectConsistent(id);
  });

  it('after a kill during the build, a restart leaves v1 serving and no orphan', async () => {
    const { id } = await deploy(await app('v3', { buildSleep: 30 }), false);
    await eventually(() => server.fetch(`/api/v1/deployments/${id}/log`).then((r) => r.json() as Promise<{ lines: string[] }>), (l) => l.lines.some((x) => x.includes('RUN sleep')), 60_000);
    await server.stop('SIGKILL');
    server = await server.restart();
    await expectConsistent(id);
  });

  it('deploys normally after the restarts', async () => {
    expect((await deploy(await app('v4'), true)).status).toBe(201);
    expect((await get(`${PROXY}/`, { host: 'sturdy.localhost' })).body).toBe('v4');
    const names = await eventually(() => containersNamed(`${TEST.prefix}-default-sturdy-`), (n) => n.length === 1, 20_000);
    expect(names).toHaveLength(1);
  });
});

describe('the proxy', () => {
  it('tells the app the real client address and scheme, whatever the client claims', async () => {
    const r = await get(`${PROXY}/forwarded`, { host: 'sturdy.localhost', headers: { 'X-Forwarded-For': '203.0.113.9', 'X-Berth-Client-Ip': '203.0.113.9' } });
    expect(r.body).toBe('127.0.0.1 http None');
  });

  it('is started again, both Caddy processes, when Berth restarts and finds it gone', async () => {
    // Server first: while it runs, its proxy watch starts a stopped Caddy again at once.
    await server.stop();
    await stopTestProxy();
    await expect(get(`${PROXY}/`, { host: 'sturdy.localhost' })).rejects.toThrow(/ECONNREFUSED/);
    server = await server.restart();
    expect((await get(`${PROXY}/`, { host: 'sturdy.localhost' })).body).toBe('v4');
  });
});
