// app.json health checks as Dokku reads them, on a real server: an app.json with comments whose
// startup check's `content` is missing from the body fails its deploy with a line naming it, and
// leaves nothing running; with the content there it deploys (Dokku's predeploy/postdeploy run);
// a process failing its liveness check is restarted and an event says why; a web container
// failing its readiness check leaves the proxy (503) and comes back when it passes.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, containersNamed, PROXY, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';
import { eventually, get } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-health-'));
const APP = 'healthy';
const HOST = `${APP}.localhost`;

beforeAll(async () => {
  server = await bootServer();
});

afterAll(async () => {
  await server?.cli(['destroy', APP, '--yes']);
  await shutdownServer(server, work);
});

/** The fixture app (test/fixtures/health) in a folder of its own, its startup check asking for `content`. */
function appDir(content: string): string {
  const dir = mkdtempSync(join(work, 'app-'));
  cpSync(join(ROOT, 'test', 'fixtures', 'health'), dir, { recursive: true });
  const appJson = join(dir, 'app.json');
  writeFileSync(appJson, readFileSync(appJson, 'utf8').replace('"content": "ready"', `"content": ${JSON.stringify(content)}`));
  return dir;
}

interface Event {
  subject: string;
  kind: string;
  message: string;
}
const events = async () => (await (await server.fetch(`/api/v1/apps/${APP}/events`)).json()) as Event[];
const home = () => get(`${PROXY}/`, { host: HOST, timeoutMs: 3000 });

describe('app.json health checks', () => {
  it('fails a deploy whose startup check does not find its content, with a line naming it, and leaves nothing running', async () => {
    const r = await server.cli(['deploy', appDir('all systems go'), '--app', APP]);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('dokku predeploy ran');
    expect(out).toContain('web.1: health check "root" GET / on port 5000: body does not contain "all systems go"');
    expect(await containersNamed(`${TEST.prefix}-default-${APP}-`)).toEqual([]);
  });

  it('deploys the same app when the body holds the content, running Dokku predeploy and postdeploy', async () => {
    const r = await server.cli(['deploy', appDir('ready'), '--app', APP]);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).toContain('dokku predeploy ran');
    expect(out).toContain('dokku postdeploy ran');
    expect((await home()).body).toMatch(/^ready boot=/);
  });

  it('restarts a process that starts failing its liveness check, and says why in an event', async () => {
    const before = (await home()).body;
    expect((await get(`${PROXY}/break`, { host: HOST })).status).toBe(200);
    // wait 1 s x attempts 2: restarted within a few seconds, with a new boot id.
    const after = await eventually(home, (g) => g.status === 200 && g.body.startsWith('ready boot=') && g.body !== before, 30_000, 250);
    expect(after.body).not.toBe(before);
    const told = (await events()).find((e) => e.kind === 'process.unhealthy');
    expect(told?.message).toMatch(/^web\.1 health check "alive" GET \/live on port 5000 failed 2 time\(s\) in a row \(liveness\): answered 500; restarting it$/);
  });

  it('takes a web container failing its readiness check out of the proxy until it passes again', async () => {
    await eventually(home, (g) => g.status === 200, 15_000, 200);
    expect((await get(`${PROXY}/unready?ms=5000`, { host: HOST })).status).toBe(200);
    // wait 0.5 s x attempts 2: out within a couple of seconds; its only container gone, the app answers 503.
    await eventually(home, (g) => g.status === 503, 15_000, 200);
    const back = await eventually(home, (g) => g.status === 200, 20_000, 200);
    expect(back.body).toMatch(/^ready boot=/);
    const kinds = (await events()).filter((e) => e.kind === 'process.unready' || e.kind === 'process.ready');
    expect(kinds.map((e) => e.kind).sort()).toEqual(['process.ready', 'process.unready']);
    expect(kinds.find((e) => e.kind === 'process.unready')?.message).toContain('web.1 health check "serving" GET /ready on port 5000 failed 2 time(s) in a row (readiness): answered 503');
  });
});
