// A newcomer's first deploys (issue #16): an empty folder is refused plainly, an upload leaves
// node_modules out, the build log reads cleanly, one numbering (release vN) from deploy to
// status, config changes are not builds, a failed first deploy says what exists now, and a
// proxied response names its server once.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-first-hour-'));
const APP = 'fh-hello';

beforeAll(async () => {
  server = await bootServer();
});

afterAll(() => shutdownServer(server, work));

/** The Server header lines of a response through the edge, as sent (not merged). */
function serverHeaders(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: TEST.httpPort, path: '/', headers: { Host: host }, agent: false, timeout: 5000 }, (res) => {
      const raw = res.rawHeaders;
      const found: string[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'server') found.push(raw[i + 1]!);
      res.resume();
      res.on('end', () => resolve(found));
    });
    req.on('error', reject);
    req.end();
  });
}

const api = async <T>(path: string): Promise<T> => (await server.fetch(path)).json() as Promise<T>;

describe("a newcomer's first deploys", () => {
  it('refuses an empty folder with a plain reason and exit code 2, creating nothing', async () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    const r = await server.cli(['deploy', empty, '--app', 'fh-empty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: nothing to deploy: ${empty} is empty (or everything in it is ignored)`);
    expect((await server.fetch('/api/v1/apps/fh-empty')).status).toBe(404);
  });

  let deployOut = '';
  it('leaves node_modules out, prints sizes for people, shows a clean build log and the release it became', async () => {
    const dir = join(work, APP);
    cpSync(join(ROOT, 'examples', 'python-stdlib'), dir, { recursive: true });
    mkdirSync(join(dir, 'node_modules', 'big'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'big', 'blob.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    const r = await server.cli(['deploy', dir, '--app', APP]);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    deployOut = r.stdout;
    expect(r.stdout).toMatch(/-----> uploading \d+ files \(\d+(\.\d)? (B|KB)\) from /);
    expect(r.stdout).not.toContain('KiB');
    expect(r.stdout).toContain('left out: node_modules/');
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout).not.toContain('useradd warning');
    expect(r.stdout).toMatch(new RegExp(`=====> ${APP} deployed in [\\d.]+s: release v1 is live`));
    const status = await server.cli(['status', APP]);
    expect(status.stdout).toMatch(/release: +v1, /);
  });

  it('keeps blank lines and escape codes out of the stored build log', async () => {
    const [d] = await api<{ id: number; release: number | null }[]>(`/api/v1/apps/${APP}/deployments`);
    expect(d!.release).toBe(1);
    const { lines } = await api<{ lines: string[] }>(`/api/v1/deployments/${d!.id}/log`);
    expect(lines.filter((l) => l.trim() === '')).toEqual([]);
    expect(lines.join('\n')).not.toContain('\x1b');
  });

  it('prints a cached step of a rebuild as one line', async () => {
    const dir = join(work, APP);
    writeFileSync(join(dir, 'app.py'), readFileSync(join(dir, 'app.py'), 'utf8').replace('hello', 'hello again'));
    const r = await server.cli(['deploy', dir, '--app', APP]);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Step \d+\/\d+ : RUN useradd .* \(cached\)$/m);
    expect(r.stdout).not.toContain('Using cache');
    expect(r.stdout).toContain('release v2 is live');
  });

  it('counts a config change as a release, not a build', async () => {
    const r = await server.cli(['config', 'set', APP, 'GREETING=hi']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/release v3 is live/);
    const builds = await api<{ sourceKind: string; release: number | null }[]>(`/api/v1/apps/${APP}/builds`);
    expect(builds.map((b) => [b.sourceKind, b.release])).toEqual([
      ['upload', 2],
      ['upload', 1],
    ]);
  });

  it('names its server once in a proxied response', async () => {
    expect(deployOut).not.toBe('');
    expect(await serverHeaders(`${APP}.localhost`)).toEqual(['Caddy']);
  });

  it('tells what exists after a failed first deploy, and what to do', async () => {
    const dir = join(work, 'fh-broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Dockerfile'), 'ARG BERTH_IMAGE_BASE\nFROM ${BERTH_IMAGE_BASE}\nRUN exit 3\n');
    const r = await server.cli(['deploy', dir, '--app', 'fh-broken']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: deploy #\d+ of fh-broken failed: /m);
    expect(r.stderr).toContain('hint: fh-broken exists but runs nothing: it has no release yet.');
    expect(r.stderr).toContain('berth destroy fh-broken');
    const [d] = await api<{ status: string }[]>('/api/v1/apps/fh-broken/deployments');
    expect(d!.status).toBe('failed');
  });
});
