// Keeping apps running: a container killed behind Berth's back is started again and routed
// within seconds, and ps shows the restart; `berth restart` swaps containers with zero downtime.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, containersNamed, docker, PROXY, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';
import { eventually, get } from '../helpers/http.js';
import { startLoad } from '../helpers/load.js';

let server: TestServer;

interface Ps {
  name: string;
  state: string;
  restarts: number;
}
const ps = async () => JSON.parse((await server.cli(['ps', 'sturdy-web', '--json'])).stdout) as Ps[];

beforeAll(async () => {
  server = await bootServer();
  const r = await server.cli(['deploy', join(ROOT, 'examples', 'node-hello'), '--app', 'sturdy-web']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(() => shutdownServer(server));

describe('crash recovery', () => {
  it('starts a killed web container again and serves within seconds; ps shows the restart', async () => {
    const [name] = await containersNamed(`${TEST.prefix}-default-sturdy-web-`);
    const killedAt = Date.now();
    expect((await docker('kill', name!)).code).toBe(0);
    const r = await eventually(() => get(`${PROXY}/`, { host: 'sturdy-web.localhost', timeoutMs: 3000 }), (x) => x.status === 200, 15_000, 100);
    expect(r.body).toBe('Hello from node-hello!\n');
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const rows = await eventually(ps, (x) => x[0]?.restarts === 1, 5000);
    expect(rows[0]).toMatchObject({ name, state: 'running', restarts: 1 });
    const events = JSON.parse((await (await server.fetch(`/api/v1/apps/sturdy-web/events`)).text())) as { kind: string }[];
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['process.died', 'process.restarted']));
  });
});

describe('berth restart', () => {
  it('replaces the containers with zero failed requests and no new release', async () => {
    const before = await containersNamed(`${TEST.prefix}-default-sturdy-web-`);
    const load = startLoad(`${PROXY}/`, 'sturdy-web.localhost', { workers: 2 });
    const r = await server.cli(['restart', 'sturdy-web']);
    const result = await load.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('release v1 is live');
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    const after = await eventually(() => containersNamed(`${TEST.prefix}-default-sturdy-web-`), (n) => n.length === 1 && n[0] !== before[0], 20_000);
    expect(after[0]).not.toBe(before[0]);
    const releases = JSON.parse((await server.cli(['releases', 'sturdy-web', '--json'])).stdout) as { version: number; current: boolean }[];
    expect(releases).toEqual([expect.objectContaining({ version: 1, current: true })]);
  });
});

describe('berth run', () => {
  it("runs a one-off command in the current release with its config, streaming output and its exit code", async () => {
    expect((await server.cli(['config', 'set', 'sturdy-web', 'ONE_OFF=yes'])).code).toBe(0);
    const r = await server.cli(['run', 'sturdy-web', '--', 'node', '-e', 'console.log("port", process.env.PORT, "one-off", process.env.ONE_OFF); process.exit(7)']);
    expect(r.stdout).toContain('port 3000 one-off yes');
    expect(r.code).toBe(7);
    // The one-off container is gone.
    expect((await containersNamed(`${TEST.prefix}-default-sturdy-web-`)).filter((n) => n.includes('-run-'))).toEqual([]);
  });

  it('refuses an app without a running release', async () => {
    const r = await server.cli(['run', 'nothing-here', '--', 'true']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('app nothing-here does not exist');
  });
});
