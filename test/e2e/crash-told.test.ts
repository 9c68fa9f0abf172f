// Crashes told as they are: a server killed between a deploy's proxy switch and its commit
// loses no request and the CLI says the outcome is unknown; crash loops are counted whoever
// restarts the container; an out-of-memory kill says so, with the limit; a restarted container
// gets traffic as soon as it answers; ids are never reused; `berth … | head` prints no stack trace.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, bootServer, containersNamed, docker, PROXY, run, shutdownServer, startTestServer, TEST, TEST_TOKEN, type Run, type TestServer } from '../helpers/berth.js';
import { eventually, get } from '../helpers/http.js';
import { startLoad } from '../helpers/load.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-told-'));
/** Every app here runs with this memory limit (BERTH_DEFAULT_MEMORY_MB), so one can outgrow it. */
const MEMORY_MB = 64;
const ENV = { BERTH_DEFAULT_MEMORY_MB: String(MEMORY_MB) };
const APPS = ['sturdy', 'flaky', 'hungry', 'sleepy'];

beforeAll(async () => {
  server = await bootServer({ env: ENV });
});

afterAll(async () => {
  for (const a of APPS) await server?.cli(['destroy', a, '--yes']);
  await shutdownServer(server, work);
});

/** A Python app answering `body` on every path; `extra` adds lines before it serves. */
function appDir(name: string, body: string, extra = '', handler = ''): string {
  const dir = join(work, `${name}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'Dockerfile'), 'ARG BERTH_IMAGE_PYTHON\nFROM ${BERTH_IMAGE_PYTHON}\nCOPY app.py /app.py\nCMD ["python3", "-u", "/app.py"]\n');
  writeFileSync(
    join(dir, 'app.py'),
    `import http.server, os, threading\n${extra}\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n${handler}        self.send_response(200); self.end_headers(); self.wfile.write(b"${body}")\n    def log_message(self, *a): pass\nhttp.server.ThreadingHTTPServer(("", int(os.environ["PORT"])), H).serve_forever()\n`,
  );
  writeFileSync(join(dir, 'berth.yml'), 'healthcheck: {interval: 0.3}\n');
  return dir;
}

interface Event {
  subject: string;
  kind: string;
  message: string;
}
const events = async (app: string) => (await (await server.fetch(`/api/v1/apps/${app}/events`)).json()) as Event[];
const portOf = (s: TestServer) => Number(new URL(s.url).port);

describe('a SIGKILL of the server between the proxy switch and the commit', () => {
  it('starts from a running first release', async () => {
    const r = await server.cli(['deploy', appDir('sturdy', 'v1'), '--app', 'sturdy']);
    expect(r.code, r.stderr).toBe(0);
    expect((await get(`${PROXY}/`, { host: 'sturdy.localhost' })).body).toBe('v1');
  });

  it('fails no request across the kill and the restart, and the CLI says the outcome is unknown', async () => {
    // The same data, with deploys held right after the switch (BERTH_TEST_PAUSE_AT).
    await server.stop();
    server = await startTestServer({ dataDir: server.dataDir, port: portOf(server), env: { ...ENV, BERTH_TEST_PAUSE_AT: 'switch' } });
    const load = startLoad(`${PROXY}/`, 'sturdy.localhost', { workers: 2, maxMs: 120_000 });
    let told: Run | undefined;
    try {
      const cli = server.cli(['deploy', appDir('sturdy', 'v2'), '--app', 'sturdy']);
      // Switched: the proxy routes v2 while the database still says v1.
      await eventually(() => get(`${PROXY}/`, { host: 'sturdy.localhost' }), (r) => r.body === 'v2', 120_000, 100);
      await new Promise((r) => setTimeout(r, 300));
      await server.stop('SIGKILL');
      told = await cli;
      server = await startTestServer({ dataDir: server.dataDir, port: portOf(server), env: ENV });
      // The interrupted deploy is undone: v1 serves again, and v2's container is gone.
      await eventually(() => get(`${PROXY}/`, { host: 'sturdy.localhost' }), (r) => r.body === 'v1', 30_000, 100);
      const names = await eventually(() => containersNamed(`${TEST.prefix}-default-sturdy-`), (n) => n.length === 1, 20_000);
      expect(names).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      const result = await load.stop();
      expect(result.errors).toEqual([]);
      expect(result.failed).toBe(0);
      expect(result.bodies.get('v2')).toBeGreaterThan(0);
    }
    expect(told?.stderr).toContain("error: the server went away; the deploy's outcome is unknown: see `berth deployments sturdy`");
    expect(told?.code).toBe(5);
  });
});

describe('crashes told as they are', () => {
  it('reports a crash loop when the app exits a few seconds after passing its check, though Docker restarts it', async () => {
    const dir = appDir('flaky', 'ok', 'threading.Timer(3, lambda: os._exit(1)).start()');
    const r = await server.cli(['deploy', dir, '--app', 'flaky']);
    expect(r.code, r.stderr).toBe(0);
    const evs = await eventually(() => events('flaky'), (e) => e.some((x) => x.kind === 'process.crash-loop'), 60_000, 500);
    expect(evs.find((x) => x.kind === 'process.crash-loop')?.message).toMatch(/^web\.1 is crash-looping: 3 restarts in 2 minutes$/);
    expect(evs.filter((x) => x.kind === 'process.died')[0]?.message).toBe('web.1 exited with code 1');
    await server.cli(['destroy', 'flaky', '--yes']);
  });

  it('tells an out-of-memory kill as such, with the limit, in the events and in berth ps', async () => {
    // GET /eat fills more memory than the container may have.
    const dir = appDir('hungry', 'ok', '', '        if self.path == "/eat": x = b"x" * (256 * 1024 * 1024)\n');
    const r = await server.cli(['deploy', dir, '--app', 'hungry']);
    expect(r.code, r.stderr).toBe(0);
    await get(`${PROXY}/eat`, { host: 'hungry.localhost', timeoutMs: 10_000 }).catch(() => undefined);
    const evs = await eventually(() => events('hungry'), (e) => e.some((x) => x.kind === 'process.oom-killed'), 20_000, 250);
    expect(evs.find((x) => x.kind === 'process.oom-killed')?.message).toBe(`web.1 was killed: out of memory (limit ${MEMORY_MB} MB)`);
    expect(evs.map((x) => x.message).join('\n')).not.toContain('exited with code 137');
    const ps = await server.cli(['ps', 'hungry']);
    expect(ps.stdout).toContain(`killed: out of memory, limit ${MEMORY_MB} MB`);
  });

  it("routes a container killed behind Berth's back again as soon as it answers, not seconds later", async () => {
    // An app that takes a second to listen, as most do: routed before it listens, the proxy
    // failed its first requests and kept it out of rotation for 5 s.
    const r = await server.cli(['deploy', appDir('sleepy', 'ok', 'import time; time.sleep(1)'), '--app', 'sleepy']);
    expect(r.code, r.stderr).toBe(0);
    const [name] = await containersNamed(`${TEST.prefix}-default-sleepy-`);
    const state = async () => (await docker('inspect', '-f', '{{.State.Running}} {{.State.StartedAt}}', name!)).stdout.trim();
    const before = await state();
    expect((await docker('kill', name!)).code).toBe(0);
    // When the container runs again (Berth or Docker started it), and when the proxy serves it.
    const runningAgain = eventually(state, (s) => s.startsWith('true') && s !== before, 20_000, 50).then(() => Date.now());
    const servedAgain = eventually(() => get(`${PROXY}/`, { host: 'sleepy.localhost', timeoutMs: 5000 }), (x) => x.status === 200, 20_000, 50).then((x) => (x.status === 200 ? Date.now() : Infinity));
    const [running, served] = await Promise.all([runningAgain, servedAgain]);
    // It listens a second after it runs; served well before the old 5 s window ended.
    expect(served - running).toBeLessThan(2500);
  });
});

describe('ids', () => {
  const appId = async (app: string) => Number(/^app:(\d+)$/.exec((await events(app)).find((e) => e.kind === 'app.created')!.subject ?? '')?.[1]);

  it("never hands a destroyed app's id to a new app", async () => {
    expect((await server.cli(['create', 'idone'])).code).toBe(0);
    const first = await appId('idone');
    expect((await server.cli(['destroy', 'idone', '--yes'])).code).toBe(0);
    expect((await server.cli(['create', 'idtwo'])).code).toBe(0);
    expect(await appId('idtwo')).toBeGreaterThan(first);
    await server.cli(['destroy', 'idtwo', '--yes']);
  });
});

describe('the CLI', () => {
  it('prints no stack trace when its output is piped into head, or into a reader that has left', async () => {
    const env = { ...process.env, BERTH_URL: server.url, BERTH_TOKEN: TEST_TOKEN };
    for (const reader of ['head -1', 'true']) {
      const r = await run('bash', ['-c', `"${process.execPath}" "${BIN}" apps | ${reader}; echo "exit \${PIPESTATUS[0]}" >&2`], { env });
      expect(r.stderr, reader).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(r.stderr, reader).toMatch(/exit 0/);
    }
  });
});
