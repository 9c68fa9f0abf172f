// berth.yml `volumes: {data: /data}` as a user meets it: what v1 wrote is there in v2, after a
// rollback and in `berth run`; `berth destroy` keeps the volume and says so, an app created
// again with the name finds the data, and `berth destroy --volumes` removes it.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, docker, PROXY, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';
import { get, rawRequest } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-volumes-'));
const v1 = join(work, 'v1');
const v2 = join(work, 'v2');
const HOST = 'vol-app.localhost';
const VOLUME = `${TEST.prefix}-default.vol-app.data`;

const read = async () => (await get(`${PROXY}/`, { host: HOST })).body;
const write = async (line: string) => rawRequest(PROXY, '/', { method: 'POST', headers: { Host: HOST, 'Content-Type': 'text/plain' }, body: line });
const volumes = async () => (await docker('volume', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter(Boolean);

async function deploy(dir: string): Promise<void> {
  const r = await server.cli(['deploy', dir, '--app', 'vol-app']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

beforeAll(async () => {
  server = await bootServer();
  cpSync(join(ROOT, 'test', 'fixtures', 'volume-app'), v1, { recursive: true });
  cpSync(v1, v2, { recursive: true });
  writeFileSync(join(v2, 'server.js'), readFileSync(join(v1, 'server.js'), 'utf8').replace("const VERSION = 'v1';", "const VERSION = 'v2';"));
});

afterAll(() => shutdownServer(server, work));

describe('named volumes', () => {
  it('keeps what v1 wrote through a deploy of new code and a rollback, and shows it to berth run', async () => {
    await deploy(v1);
    const first = await write('written by v1');
    expect(first.status, first.body).toBe(200);
    expect(await read()).toBe('v1\nwritten by v1\n');

    await deploy(v2);
    expect(await read()).toBe('v2\nwritten by v1\n');
    expect((await write('written by v2')).status).toBe(200);

    const back = await server.cli(['rollback', 'vol-app', 'v1']);
    expect(back.code, back.stderr).toBe(0);
    expect(await read()).toBe('v1\nwritten by v1\nwritten by v2\n');

    const run = await server.cli(['run', 'vol-app', '--', 'cat', '/data/log.txt']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('written by v1\nwritten by v2\n');
  });

  it('keeps the volume on destroy and says so; the app created again finds the data', async () => {
    const r = await server.cli(['destroy', 'vol-app', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('kept volume(s) data: their data stays; an app created again as vol-app mounts them again');
    expect(await volumes()).toContain(VOLUME);

    await deploy(v2);
    expect(await read()).toBe('v2\nwritten by v1\nwritten by v2\n');
  });

  it('removes the volume with destroy --volumes', async () => {
    const r = await server.cli(['destroy', 'vol-app', '--yes', '--volumes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('removed volume(s) data and their data');
    expect(await volumes()).not.toContain(VOLUME);
  });

  it('removes with destroy --volumes what an app destroyed before left, and says so when nothing is left', async () => {
    await deploy(v2);
    expect((await server.cli(['destroy', 'vol-app', '--yes'])).stdout).toContain('to remove them: berth destroy vol-app --volumes');
    expect(await volumes()).toContain(VOLUME);
    const r = await server.cli(['destroy', 'vol-app', '--yes', '--volumes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('removed volume(s) data and their data');
    expect(await volumes()).not.toContain(VOLUME);
    const again = await server.cli(['destroy', 'vol-app', '--yes', '--volumes']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('app default/vol-app does not exist, and left no volumes');
  });
});
