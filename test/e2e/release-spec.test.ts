// A release owns everything it runs with (issue #17): a deploy that changes port, env and
// domains and then fails its health check changes nothing a user can observe on the running
// app; a rollback brings back the whole spec of the release (its port, env and domains); the
// port, health check and limits can be changed by hand as a new release.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, docker, PROXY, ROOT, shutdownServer, type TestServer } from '../helpers/berth.js';
import { get } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-spec-'));
const dir = join(work, 'specapp');
const DOMAIN = 'shop.spec.test';

/** node-hello whose /health fails when FAIL_HEALTH is set, with this berth.yml. */
function source(yml: string): string {
  writeFileSync(join(dir, 'berth.yml'), `name: specapp\n${yml}`);
  return dir;
}

const viaHost = (host: string) => get(`${PROXY}/`, { host });
/** What a user sees of the app: its status, settings, config and routes. */
async function observed() {
  const status = JSON.parse((await server.cli(['status', 'specapp', '--json'])).stdout) as { status: string; port: number; domains: string[]; healthcheck: unknown; limits: unknown; currentDeployment: { id: number } };
  return {
    status: status.status,
    port: status.port,
    domains: status.domains,
    healthcheck: status.healthcheck,
    limits: status.limits,
    current: status.currentDeployment.id,
    config: (await server.cli(['config', 'specapp', '--reveal'])).stdout,
    app: (await viaHost('specapp.localhost')).body,
    domain: (await viaHost(DOMAIN)).status,
  };
}

beforeAll(async () => {
  server = await bootServer();
  cpSync(join(ROOT, 'examples', 'node-hello'), dir, { recursive: true });
  const js = readFileSync(join(dir, 'server.js'), 'utf8').replace("if (req.url === '/health') {", "if (req.url === '/health') {\n    if (process.env.FAIL_HEALTH) { res.writeHead(500); return res.end('sick\\n'); }");
  writeFileSync(join(dir, 'server.js'), js);
  expect((await server.cli(['owners', 'allow', 'default', '--domain', 'spec.test'])).code).toBe(0);
  const r = await server.cli(['deploy', source('port: 3000\nenv:\n  GREETING: one\nhealthcheck:\n  path: /health\n  interval: 0.2\n')]);
  if (r.code !== 0) throw new Error(r.stderr);
  expect((await server.cli(['config', 'set', 'specapp', 'SECRET=s'])).code).toBe(0);
});

afterAll(() => shutdownServer(server, work));

describe('a release owns what it runs with', () => {
  it('a deploy that changes port, env and domains and fails its health check leaves the app exactly as it was, and scaling after it runs the old spec', async () => {
    const before = await observed();
    expect(before).toMatchObject({ status: 'running', port: 3000, domains: [], app: 'one!\n', domain: 404 });
    const failed = await server.cli(['deploy', source(`port: 3001\nenv:\n  GREETING: two\n  FAIL_HEALTH: "1"\ndomains: [${DOMAIN}]\nhealthcheck:\n  path: /health\n  attempts: 3\n  interval: 0.2\n`)]);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toMatch(/health check/);
    expect(await observed()).toEqual(before);

    const scaled = await server.cli(['scale', 'specapp', 'web=2']);
    expect(scaled.code, scaled.stderr).toBe(0);
    // Both containers run the running release's env and port: every answer is v1's.
    const answers = await Promise.all(Array.from({ length: 8 }, () => viaHost('specapp.localhost')));
    expect(answers.map((a) => a.body)).toEqual(Array(8).fill('one!\n'));
    const ps = JSON.parse((await server.cli(['status', 'specapp', '--json'])).stdout) as { containers: { name: string; state: string }[]; port: number };
    expect(ps.containers.filter((c) => c.state === 'running' && /-web-\d+$/.test(c.name))).toHaveLength(2);
    expect(ps.port).toBe(3000);
    expect((await server.cli(['scale', 'specapp', 'web=1'])).code).toBe(0);
  });

  it('a deploy that changes the port lists what changed, and a rollback serves on the old port with the old env and domains', async () => {
    const v2 = await server.cli(['deploy', source(`port: 3001\nenv:\n  GREETING: two\ndomains: [${DOMAIN}]\nhealthcheck:\n  path: /health\n  interval: 0.2\n`)]);
    expect(v2.code, v2.stderr).toBe(0);
    expect(await observed()).toMatchObject({ port: 3001, domains: [DOMAIN], app: 'two!\n', domain: 200 });
    const releases = await server.cli(['releases', 'specapp']);
    expect(releases.stdout).toMatch(/v3 \*.*port 3000→3001, \+DOMAIN shop\.spec\.test, env ~GREETING/);

    const back = await server.cli(['rollback', 'specapp', '1']);
    expect(back.code, back.stderr).toBe(0);
    expect(await observed()).toMatchObject({ status: 'running', port: 3000, domains: [], app: 'one!\n', domain: 404 });
    expect((await server.cli(['releases', 'specapp'])).stdout).toMatch(/v4 \*.*rollback to v1.*port 3001→3000, -DOMAIN shop\.spec\.test/);
  });

  it('port, health check and limits changed by hand roll out as a release; values out of bounds are refused', async () => {
    const bad = await server.fetch('/api/v1/apps/specapp/settings', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limits: { memoryMb: 1_000_000 }, port: 0 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/port must be .*memory must be a whole number of MB from 16 to \d+/);

    const r = await server.fetch('/api/v1/apps/specapp/settings?wait=true', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limits: { memoryMb: 300 }, healthcheck: { path: '/' } }) });
    expect(r.status, await r.clone().text()).toBe(201);
    const s = JSON.parse((await server.cli(['status', 'specapp', '--json'])).stdout) as { limits: { memoryMb: number }; healthcheck: { path: string }; containers: { name: string }[] };
    expect(s.limits.memoryMb).toBe(300);
    expect(s.healthcheck.path).toBe('/');
    const web = s.containers.find((c) => /-web-1$/.test(c.name))!;
    expect((await docker('inspect', '--format', '{{.HostConfig.Memory}}', web.name)).stdout.trim()).toBe(String(300 * 1024 * 1024));
    expect((await server.cli(['releases', 'specapp'])).stdout).toMatch(/v5 \*.*settings: .*memory 300 MB.*memory default→300 MB/);
    expect((await viaHost('specapp.localhost')).body).toBe('one!\n');
  });
});
