// Bad input gets a 4xx with a one-line reason, and leaves nothing behind: no container, no
// image tag, no route, no half rows; and a failed deploy never disturbs the running release.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appImages, bootServer, containersNamed, PROXY, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';
import { get } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-bad-'));

beforeAll(async () => {
  server = await bootServer();
});

afterAll(() => shutdownServer(server, work));

interface ApiAnswer {
  status: number;
  body: { error?: { code: string; message: string; hint?: string } } & Record<string, unknown>;
}

async function api(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const r = await server.fetch(`${path}`, {
    method,
    headers: body instanceof Buffer ? { 'Content-Type': 'application/gzip' } : body ? { 'Content-Type': 'application/json' } : {},
    body: body instanceof Buffer ? body : body ? JSON.stringify(body) : null,
  });
  return { status: r.status, body: (await r.json()) as ApiAnswer['body'] };
}

/** A source tree packed as the CLI would upload it. */
async function tarball(files: Record<string, string>): Promise<Buffer> {
  const dir = join(work, Math.random().toString(36).slice(2));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const file = `${dir}.tar.gz`;
  await tar.c({ gzip: true, cwd: dir, file }, Object.keys(files));
  return readFileSync(file);
}

const FROM_BASE = 'ARG BERTH_IMAGE_BASE\nFROM ${BERTH_IMAGE_BASE}\n';
const QUICK_HEALTH = 'healthcheck: {attempts: 3, interval: 0.3, timeout: 1}\n';

async function expectNothingLeftOf(app: string): Promise<void> {
  expect(await containersNamed(`${TEST.prefix}-default-${app}-`)).toEqual([]);
  expect(await appImages('default', app)).toEqual([]);
  expect((await get(`${PROXY}/`, { host: `${app}.localhost` })).status).toBe(404);
  expect((await get(`${PROXY}/default/${app}/`)).status).toBe(404);
}

function expectOneLineReason(a: ApiAnswer, status: number, reason: RegExp): void {
  expect(a.status).toBe(status);
  expect(a.body.error?.message).toMatch(reason);
  expect(a.body.error?.message).not.toContain('\n');
}

describe('bad names', () => {
  it.each([
    ['../x', /app name "\.\.\/x" is not allowed/],
    ['A B', /app name "A B" is not allowed/],
    ['a'.repeat(64), /64 characters long; the limit is 30/],
  ])('refuses %j with a 400 and creates nothing', async (name, reason) => {
    const a = await api('POST', `/api/v1/apps/${encodeURIComponent(name)}/deploys?create=true&wait=true`, { git: { url: 'https://127.0.0.1:9/x.git', ref: 'main' } });
    expectOneLineReason(a, 400, reason);
    const apps = (await api('GET', '/api/v1/apps')).body as unknown as unknown[];
    expect(apps).toEqual([]);
  });

  it('the CLI says why and exits 2', async () => {
    const r = await server.cli(['deploy', '--app', '../x', '--git', 'https://127.0.0.1:9/x.git']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: app name "\.\.\/x" is not allowed/);
  });
});

describe('bad sources', () => {
  it('refuses an ext:: git URL before running git', async () => {
    const a = await api('POST', '/api/v1/apps/sneaky/deploys?create=true&wait=true', { git: { url: 'ext::sh -c id', ref: 'main' } });
    expectOneLineReason(a, 400, /git URL "ext::sh -c id" is not allowed/);
    expect((await api('GET', '/api/v1/apps/sneaky')).status).toBe(404);
  });

  it('fails a source with no Dockerfile and no known stack, saying what it looked for', async () => {
    const a = await api('POST', '/api/v1/apps/no-docker/deploys/upload?create=true&wait=true', await tarball({ 'index.js': 'console.log(1)\n' }));
    expectOneLineReason(a, 422, /cannot tell how to build this app: no Dockerfile, and no known stack \(Berth looked for Dockerfile, .*\.static, .*go\.mod, \.go files of package main, index\.html\)/);
    await expectNothingLeftOf('no-docker');
  });

  it('fails a Dockerfile whose build fails, with the builder error', async () => {
    const a = await api('POST', '/api/v1/apps/bad-build/deploys/upload?create=true&wait=true', await tarball({ Dockerfile: `${FROM_BASE}RUN echo about to fail && false\n` }));
    expectOneLineReason(a, 422, /build failed: .*returned a non-zero code: 1/);
    await expectNothingLeftOf('bad-build');
    const status = await server.cli(['status', 'bad-build']);
    expect(status.stdout).toMatch(/status:\s+failed/);
  });
});

describe('bad apps', () => {
  it('fails an app that exits at once, and stops it', async () => {
    const a = await api(
      'POST',
      '/api/v1/apps/quitter/deploys/upload?create=true&wait=true',
      await tarball({ Dockerfile: `${FROM_BASE}CMD ["sh", "-c", "echo giving up; exit 3"]\n`, 'berth.yml': QUICK_HEALTH }),
    );
    expectOneLineReason(a, 422, /health check failed: the app exited with code 3/);
    await expectNothingLeftOf('quitter');
  });

  it('fails an app that never answers on its port, naming the probe error', async () => {
    const a = await api(
      'POST',
      '/api/v1/apps/silent/deploys/upload?create=true&wait=true',
      await tarball({ Dockerfile: `${FROM_BASE}CMD ["sleep", "600"]\n`, 'berth.yml': QUICK_HEALTH }),
    );
    expectOneLineReason(a, 422, /health check failed: the app never became healthy after 3 attempts; last error: .*connection refused/);
    await expectNothingLeftOf('silent');
    const app = (await api('GET', '/api/v1/apps/silent')).body as unknown as { latestDeployment: { id: number } };
    const log = (await api('GET', `/api/v1/deployments/${app.latestDeployment.id}/log`)).body as unknown as { lines: string[] };
    expect(log.lines.join('\n')).toContain('health check 1/3');
  });

  it('keeps serving the running release when a new deploy fails', async () => {
    const good = await api(
      'POST',
      '/api/v1/apps/keeper/deploys/upload?create=true&wait=true',
      await tarball({
        Dockerfile: `ARG BERTH_IMAGE_PYTHON\nFROM \${BERTH_IMAGE_PYTHON}\nCOPY app.py /app.py\nCMD ["python3", "/app.py"]\n`,
        'app.py': 'import http.server, os\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(200); self.end_headers(); self.wfile.write(b"v1")\nhttp.server.HTTPServer(("", int(os.environ["PORT"])), H).serve_forever()\n',
      }),
    );
    expect(good.status).toBe(201);
    expect((await get(`${PROXY}/`, { host: 'keeper.localhost' })).body).toBe('v1');
    const bad = await api('POST', '/api/v1/apps/keeper/deploys/upload?wait=true', await tarball({ Dockerfile: `${FROM_BASE}RUN false\n` }));
    expect(bad.status).toBe(422);
    expect((await get(`${PROXY}/`, { host: 'keeper.localhost' })).body).toBe('v1');
    const crash = await api('POST', '/api/v1/apps/keeper/deploys/upload?wait=true', await tarball({ Dockerfile: `${FROM_BASE}CMD ["false"]\n`, 'berth.yml': QUICK_HEALTH }));
    expect(crash.status).toBe(422);
    expect((await get(`${PROXY}/`, { host: 'keeper.localhost' })).body).toBe('v1');
    expect(await containersNamed(`${TEST.prefix}-default-keeper-`)).toHaveLength(1);
  });
});
