// Releases and config vars as a user meets them: a config change rolls out as a new release,
// values are masked in listings and sealed in the database file, rollbacks reuse kept images.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, PROXY, ROOT, shutdownServer, type TestServer } from '../helpers/berth.js';
import { get } from '../helpers/http.js';

let server: TestServer;
const body = async () => (await get(`${PROXY}/`, { host: 'greeter.localhost' })).body;

beforeAll(async () => {
  server = await bootServer();
  const r = await server.cli(['deploy', join(ROOT, 'examples', 'python-hello'), '--app', 'greeter']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(() => shutdownServer(server));

describe('config vars', () => {
  it('rolls a change out as a new release that the app sees', async () => {
    const r = await server.cli(['config', 'set', 'greeter', 'GREETING=Bonjour', 'DATABASE_URL=postgres://u:s3cret-pw@db/app']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('release v2 is live');
    expect(await body()).toBe('Bonjour!\n');
  });

  it('masks values unless asked to reveal them', async () => {
    expect((await server.cli(['config', 'greeter'])).stdout).toBe('DATABASE_URL=********\nGREETING=********\n');
    expect((await server.cli(['config', 'greeter', '--reveal'])).stdout).toContain('DATABASE_URL=postgres://u:s3cret-pw@db/app');
  });

  it('keeps values out of the database file, the logs and the release listing', async () => {
    const files = ['berth.db', 'berth.db-wal'].map((f) => join(server.dataDir, f));
    for (const f of files) {
      try {
        expect(readFileSync(f).includes('s3cret-pw')).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    for (const f of readdirSync(join(server.dataDir, 'logs'))) expect(readFileSync(join(server.dataDir, 'logs', f), 'utf8')).not.toContain('s3cret-pw');
    const releases = await server.cli(['releases', 'greeter', '--json']);
    expect(releases.stdout).not.toContain('s3cret-pw');
    expect(releases.stdout).toContain('DATABASE_URL');
  });

  it('refuses bad keys with a reason and makes no release', async () => {
    const r = await server.cli(['config', 'set', 'greeter', '1BAD=x', 'PORT=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"1BAD" is not a valid variable name.*PORT is set by Berth/);
    const list = JSON.parse((await server.cli(['releases', 'greeter', '--json'])).stdout) as unknown[];
    expect(list).toHaveLength(2);
  });
});

describe('releases and rollback', () => {
  it('lists releases with the current one marked', async () => {
    const r = await server.cli(['releases', 'greeter']);
    expect(r.stdout).toMatch(/v2 \*\s+.*config set GREETING, DATABASE_URL/);
    expect(r.stdout).toMatch(/v1\s+.*deploy of uploaded source/);
  });

  it('rolls back to the previous release: its image and its config, as a new release', async () => {
    const r = await server.cli(['rollback', 'greeter']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('release v3 is live');
    expect(r.stdout).not.toContain('-----> building');
    expect(await body()).toBe('Hello from python-hello!\n');
    expect((await server.cli(['config', 'greeter'])).stdout).toBe('greeter has no config vars\n');
  });

  it('rolls forward to a named release', async () => {
    const r = await server.cli(['rollback', 'greeter', 'v2']);
    expect(r.code, r.stderr).toBe(0);
    expect(await body()).toBe('Bonjour!\n');
    const list = JSON.parse((await server.cli(['releases', 'greeter', '--json'])).stdout) as { version: number; current: boolean; description: string }[];
    expect(list[0]).toMatchObject({ version: 4, current: true, description: 'rollback to v2' });
  });

  it('says so when there is no such release', async () => {
    const r = await server.cli(['rollback', 'greeter', 'v99']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('greeter has no release v99');
  });
});

describe('berth settings', () => {
  it('rolls a changed health check out as a new release, and shows it as set', async () => {
    const r = await server.cli(['settings', 'set', 'greeter', 'health.path=/', 'health.timeout=2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/released with the new settings in [\d.]+s: release v\d+ is live/);
    const shown = await server.cli(['settings', 'greeter']);
    expect(shown.stdout).toMatch(/^health\.path +\/ +set$/m);
    expect(shown.stdout).toMatch(/^health\.timeout +2s +set$/m);
    expect(shown.stdout).toMatch(/^health\.attempts +\d+ +default$/m);
    expect(await body()).toBe('Bonjour!\n');
  });

  it('refuses a bad value with a reason and makes no release', async () => {
    const before = (JSON.parse((await server.cli(['releases', 'greeter', '--json'])).stdout) as unknown[]).length;
    const r = await server.cli(['settings', 'set', 'greeter', 'port=70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('port must be a whole number from 1 to 65535');
    expect(JSON.parse((await server.cli(['releases', 'greeter', '--json'])).stdout)).toHaveLength(before);
  });
});
