// Add-ons as a user meets them: `berth addons create postgres --app` gives the app DATABASE_URL
// in a new release (the password sealed at rest, the add-on on the owner's network only); the
// app's own container speaks to it through that URL; data written with `berth addons psql`
// survives a restart of the add-on and a Berth restart that finds its container gone; another
// owner's container cannot connect; destroy refuses while attached and then removes it all.
// (python-hello has no PostgreSQL driver: the app's side sends PostgreSQL's SSLRequest through
// a plain socket and reads the server's one-byte answer, which only PostgreSQL gives.)
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, docker, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';

let server: TestServer;
const ADDON = 'todo-db';
const CONTAINER = `${TEST.prefix}-addon-${ADDON}`;
const VOLUME = `${CONTAINER}-data`;

/** A python3 one-liner for `berth run`: PostgreSQL's SSLRequest to host:port, printing the answer byte. */
const pgProbe = (hostExpr: string, portExpr: string) =>
  [
    'import os, socket, struct, sys, urllib.parse',
    'u = urllib.parse.urlparse(os.environ.get("DATABASE_URL", "postgres://x@none:1/x"))',
    'try:',
    `    s = socket.create_connection((${hostExpr}, ${portExpr}), 3)`,
    'except OSError as e:',
    '    print("cannot connect:", e); sys.exit(1)',
    's.sendall(struct.pack("!ii", 8, 80877103))',
    'print("answer:", s.recv(1).decode())',
  ].join('\n');

/** What `docker inspect` says of a container, as far as these tests read it. */
interface Inspected {
  Config: { User: string };
  HostConfig: { CapDrop: string[] | null; CapAdd: string[] | null; PortBindings: Record<string, unknown> | null };
  NetworkSettings: { Networks: Record<string, unknown> };
}
const inspectOf = async (name: string): Promise<Inspected> => (JSON.parse((await docker('inspect', name)).stdout) as Inspected[])[0]!;

const psql = (...args: string[]) => server.cli(['addons', 'psql', ADDON, '--', ...args]);

async function psqlUntilUp(sql: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 60; i++) {
    const r = await psql('-tAc', sql);
    if (r.code === 0) return r.stdout.trim();
    last = r.stdout + r.stderr;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`psql never succeeded: ${last}`);
}

beforeAll(async () => {
  server = await bootServer();
  for (const [app, owner] of [
    ['pg-app', 'alpha'],
    ['other-app', 'beta'],
  ]) {
    const r = await server.cli(['deploy', join(ROOT, 'examples', 'python-hello'), '--app', app!, '--owner', owner!]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
}, 300_000);

afterAll(() => shutdownServer(server));

describe('PostgreSQL add-ons', () => {
  it('creates the add-on and gives the app DATABASE_URL as a new release, the password sealed at rest', async () => {
    const r = await server.cli(['addons', 'create', 'postgres', '--app', 'pg-app', '--name', ADDON]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`created postgres 15 add-on ${ADDON} (postgres://todo_db:********@${CONTAINER}:5432/todo_db)`);
    expect(r.stdout).toMatch(/DATABASE_URL set on pg-app: released/);

    const releases = await server.cli(['releases', 'pg-app']);
    expect(releases.stdout).toContain('config set DATABASE_URL');
    const cfg = await server.cli(['config', 'pg-app', '--reveal', '--json']);
    const url = (JSON.parse(cfg.stdout) as Record<string, string>).DATABASE_URL!;
    expect(url).toMatch(new RegExp(`^postgres://todo_db:[0-9a-f]{48}@${CONTAINER}:5432/todo_db$`));
    const password = /:([0-9a-f]{48})@/.exec(url)![1]!;
    for (const f of ['berth.db', 'berth.db-wal'].map((n) => join(server.dataDir, n)).filter((f) => existsSync(f))) {
      expect(readFileSync(f).includes(password), `${f} holds the password in clear`).toBe(false);
    }

    // Unprivileged and unpublished: the postgres user, no capability, no port on the host, only the owner's network.
    const inspect = await inspectOf(CONTAINER);
    expect(inspect.Config.User).toBe('postgres');
    expect(inspect.HostConfig.CapDrop).toEqual(['ALL']);
    expect(inspect.HostConfig.CapAdd ?? []).toEqual([]);
    expect(inspect.HostConfig.PortBindings ?? {}).toEqual({});
    expect(Object.keys(inspect.NetworkSettings.Networks)).toEqual([`${TEST.network}-alpha`]);
  }, 400_000);

  it("is reached from the app's container through DATABASE_URL", async () => {
    const r = await server.cli(['run', 'pg-app', '--', 'python3', '-c', pgProbe('u.hostname', 'u.port')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // 'N': PostgreSQL's answer to an SSLRequest when it does not do TLS.
    expect(r.stdout).toContain('answer: N');
  });

  it('keeps data written through psql across a restart of the add-on and a Berth restart that finds it gone', async () => {
    const w = await psql('-c', "create table todos (title text); insert into todos values ('buy milk')");
    expect(w.code, w.stdout + w.stderr).toBe(0);

    expect((await docker('restart', CONTAINER)).code).toBe(0);
    expect(await psqlUntilUp('select title from todos')).toBe('buy milk');

    await server.stop();
    expect((await docker('rm', '-f', CONTAINER)).code).toBe(0);
    server = await server.restart();
    // Reconcile made the container again, on the same volume.
    expect(await psqlUntilUp('select title from todos')).toBe('buy milk');
  });

  it("cannot be reached from another owner's container, by name or by address, nor attached to its apps", async () => {
    const ip = (await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', CONTAINER)).stdout.trim();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // The same probe reaches it from its own owner's app (so a failure below is the isolation).
    const own = await server.cli(['run', 'pg-app', '--', 'python3', '-c', pgProbe(`"${ip}"`, '5432')]);
    expect(own.stdout).toContain('answer: N');

    const byAddress = await server.cli(['run', 'other-app', '--', 'python3', '-c', pgProbe(`"${ip}"`, '5432')]);
    expect(byAddress.code).not.toBe(0);
    expect(byAddress.stdout).toContain('cannot connect');
    const byName = await server.cli(['run', 'other-app', '--', 'python3', '-c', pgProbe(`"${CONTAINER}"`, '5432')]);
    expect(byName.code).not.toBe(0);
    expect(byName.stdout).toContain('cannot connect');

    const attach = await server.cli(['addons', 'attach', ADDON, '--app', 'beta/other-app']);
    expect(attach.code).not.toBe(0);
    expect(attach.stderr).toContain('belongs to owner alpha');
  });

  it('shows the add-on with its password masked, refuses to destroy it while attached, then removes it with its data', async () => {
    const info = await server.cli(['addons', 'info', ADDON]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain(`${ADDON}: postgres 15, running`);
    expect(info.stdout).toContain(`postgres://todo_db:********@${CONTAINER}:5432/todo_db`);
    expect(info.stdout).toContain('attached  alpha/pg-app');
    const list = await server.cli(['addons', 'list', '--app', 'pg-app']);
    expect(list.stdout).toContain(ADDON);

    const refused = await server.cli(['addons', 'destroy', ADDON, '--yes']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('is attached to alpha/pg-app');

    const r = await server.cli(['addons', 'destroy', ADDON, '--yes', '--force']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`detached ${ADDON} from alpha/pg-app`);
    const cfg = await server.cli(['config', 'pg-app', '--json']);
    expect(Object.keys(JSON.parse(cfg.stdout) as object)).not.toContain('DATABASE_URL');
    expect((await docker('ps', '-a', '--format', '{{.Names}}')).stdout.split('\n')).not.toContain(CONTAINER);
    expect((await docker('volume', 'ls', '--format', '{{.Name}}')).stdout.split('\n')).not.toContain(VOLUME);
    expect((await server.cli(['addons', 'list'])).stdout).toContain('no add-ons');
  });
});

describe('Redis add-ons', () => {
  it('gives the app REDIS_URL and answers redis-cli with the generated password; detach and destroy remove them', async () => {
    const r = await server.cli(['addons', 'create', 'redis', '--app', 'pg-app', '--name', 'cache']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`created redis 7 add-on cache (redis://:********@${TEST.prefix}-addon-cache:6379)`);
    const cfg = await server.cli(['config', 'pg-app', '--reveal', '--json']);
    expect((JSON.parse(cfg.stdout) as Record<string, string>).REDIS_URL).toMatch(new RegExp(`^redis://:[0-9a-f]{48}@${TEST.prefix}-addon-cache:6379$`));
    expect((await inspectOf(`${TEST.prefix}-addon-cache`)).Config.User).toBe('redis');

    const set = await server.cli(['addons', 'redis-cli', 'cache', '--', 'set', 'greeting', 'hello']);
    expect(set.code, set.stdout + set.stderr).toBe(0);
    const got = await server.cli(['addons', 'redis-cli', 'cache', '--', 'get', 'greeting']);
    expect(got.stdout.trim()).toBe('hello');

    const d = await server.cli(['addons', 'detach', 'cache', '--app', 'pg-app']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain('REDIS_URL unset on pg-app: released');
    const gone = await server.cli(['addons', 'destroy', 'cache', '--yes']);
    expect(gone.code, gone.stderr).toBe(0);
    expect((await docker('ps', '-a', '--format', '{{.Names}}')).stdout.split('\n')).not.toContain(`${TEST.prefix}-addon-cache`);
  }, 400_000);
});
