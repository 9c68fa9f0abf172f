// The fault suite: the control plane SIGKILLed at every point of a deploy (upload, fetch,
// build, built, release phase, start, check, switch, commit, drain). Each time the app keeps
// serving (no request fails for more than a second), a restart leaves the state consistent
// (the deploy either live or failed "interrupted") and nothing is orphaned: no container,
// image, route, upload or work folder of a deploy that did not go live.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appImages, bootServer, containersNamed, docker, PROXY, ROOT, run, shutdownServer, startTestServer, TEST, type TestServer } from '../helpers/berth.js';
import { eventually, get } from '../helpers/http.js';
import { watchServing } from '../helpers/load.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-faults-'));
const HOST = 'steady.localhost';
/** Old releases drain for a second, not five: the drain point comes sooner. */
const ENV = { BERTH_DRAIN_SECONDS: '1' };

/** A Python app answering its version, with a release command, built from a Dockerfile. */
async function source(version: string): Promise<Buffer> {
  const dir = join(work, version);
  mkdirSync(dir);
  writeFileSync(join(dir, 'Dockerfile'), 'ARG BERTH_IMAGE_PYTHON\nFROM ${BERTH_IMAGE_PYTHON}\nCOPY app.py /app.py\nRUN sleep 1\nCMD ["python3", "/app.py"]\n');
  writeFileSync(
    join(dir, 'app.py'),
    `import http.server, os, signal, sys\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(200); self.end_headers(); self.wfile.write(b"${version}")\n    def log_message(self, *a): pass\nhttp.server.ThreadingHTTPServer(("", int(os.environ["PORT"])), H).serve_forever()\n`,
  );
  writeFileSync(join(dir, 'Procfile'), 'web: python3 /app.py\nrelease: python3 -c "print(\'release of ' + version + '\')"\n');
  writeFileSync(join(dir, 'berth.yml'), 'healthcheck: {interval: 0.2}\n');
  const file = `${dir}.tar.gz`;
  await tar.c({ gzip: true, cwd: dir, file }, ['Dockerfile', 'app.py', 'Procfile', 'berth.yml']);
  return readFileSync(file);
}

const upload = async (body: Buffer, wait: boolean) =>
  server.fetch(`/api/v1/apps/steady/deploys/upload?create=true&wait=${wait}`, { method: 'POST', headers: { 'Content-Type': 'application/gzip' }, body: new Uint8Array(body) });

/** Untagged images on the engine (the suites run one at a time: any new one is this suite's). */
const dangling = async () => new Set((await docker('images', '-q', '--no-trunc', '-f', 'dangling=true')).stdout.split('\n').filter(Boolean));

/** The server's own stderr says when a deploy reached the point it was told to pause at. */
const pausedAt = (s: TestServer, point: string) => eventually(async () => s.output(), (o) => o.includes(`paused at ${point}`), 90_000, 50);

async function expectNothingOrphaned(live: string, failedId: number | undefined): Promise<void> {
  // Only the live release's container is left (old releases and the interrupted one are gone).
  const names = await eventually(() => containersNamed(`${TEST.prefix}-default-steady-`), (n) => n.length === 1, 30_000);
  expect(names, 'containers').toHaveLength(1);
  const app = (await (await server.fetch('/api/v1/apps/steady')).json()) as { status: string; currentDeployment: { id: number; containers: string[] } };
  expect(app.status).toBe('running');
  expect((await get(`${PROXY}/`, { host: HOST })).body).toBe(live);
  if (failedId !== undefined && failedId !== app.currentDeployment.id) {
    const d = (await (await server.fetch(`/api/v1/deployments/${failedId}`)).json()) as { status: string; reason: string };
    expect(d.status).toBe('failed');
    expect(d.reason).toMatch(/interrupted/);
    expect(await appImages('default', 'steady', failedId)).toEqual([]);
  }
  expect(readdirSync(join(server.dataDir, 'work'))).toEqual([]);
  expect(readdirSync(join(server.dataDir, 'uploads'))).toEqual([]);
}

beforeAll(async () => {
  server = await bootServer({ env: ENV });
  expect((await upload(await source('v0'), true)).status).toBe(201);
});

afterAll(() => shutdownServer(server, work));

/** Points of a deploy, and whether a deploy killed there is live after the restart. */
const POINTS: [point: string, liveAfter: boolean][] = [
  ['upload', false],
  ['fetch', false],
  ['build', false],
  ['built', false],
  ['release', false],
  ['start', false],
  ['check', false],
  ['switch', false],
  ['commit', true],
  ['drain', true],
];

describe('SIGKILL of the server at every point of a deploy', () => {
  let live = 'v0';
  it.each(POINTS)('at %s: the app keeps serving, and a restart leaves it consistent with nothing orphaned', async (point, liveAfter) => {
    const version = `v-${point}`;
    const body = await source(version);
    const danglingBefore = await dangling();
    // The same server, told to stop for good at this point of a deploy.
    await server.stop();
    server = await startTestServer({ dataDir: server.dataDir, env: { ...ENV, BERTH_TEST_PAUSE_AT: point } });
    const watch = watchServing(`${PROXY}/`, HOST);
    const started = upload(body, false).then(async (r) => ((await r.json()) as { deployment?: { id: number } }).deployment?.id, () => undefined);
    await pausedAt(server, point);
    await server.stop('SIGKILL');
    const failedId = await started;
    server = await startTestServer({ dataDir: server.dataDir, env: ENV });
    if (liveAfter) live = version;
    await expectNothingOrphaned(live, failedId);
    // Not even the untagged step images of a build killed half-way.
    expect([...(await dangling())].filter((id) => !danglingBefore.has(id)), 'new untagged images').toEqual([]);
    const served = await watch.stop();
    expect(served.requests).toBeGreaterThan(20);
    expect(served.longestOutageMs, `longest outage at ${point}`).toBeLessThan(1000);
  });

  it('deploys normally afterwards', async () => {
    expect((await upload(await source('v-after'), true)).status).toBe(201);
    await expectNothingOrphaned('v-after', undefined);
  });
});

describe('a restart of dockerd with apps running', () => {
  it('brings the apps back, and Berth follows Docker again without a restart of its own', async () => {
    const before = (await get(`${PROXY}/`, { host: HOST })).body;
    // dockerd was started by scripts/setup-host (scripts/test runs it first): stop it by its pid, start it the same way.
    const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
    process.kill(pid, 'SIGTERM');
    const gone = () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    await eventually(async () => gone(), (g) => g, 60_000, 200);
    const up = await run(join(ROOT, 'scripts', 'setup-host'), []);
    expect(up.code, up.stderr).toBe(0);
    const back = await eventually(() => get(`${PROXY}/`, { host: HOST, timeoutMs: 2000 }), (r) => r.status === 200, 60_000, 100);
    expect(back.body).toBe(before);
    // Following events again: a container killed behind Berth's back is noticed and started again.
    const since = new Date().toISOString();
    const [name] = await containersNamed(`${TEST.prefix}-default-steady-`);
    expect((await docker('kill', name!)).code).toBe(0);
    const events = await eventually(
      async () => (await (await server.fetch('/api/v1/apps/steady/events')).json()) as { kind: string; createdAt: string }[],
      (e) => e.some((x) => x.kind === 'process.restarted' && x.createdAt > since),
      30_000,
      250,
    );
    expect(events.some((x) => x.kind === 'process.died' && x.createdAt > since)).toBe(true);
    expect((await eventually(() => get(`${PROXY}/`, { host: HOST, timeoutMs: 2000 }), (r) => r.status === 200, 20_000, 100)).body).toBe(before);
  });
});
