// Both of Berth's PostgreSQL clients against a real berth/postgres add-on container: Berth's own
// (src/infra/postgres/wire.ts: the snapshot it holds while pg_dump runs, the exact row counts of
// restore drills) and the example app's standard-library one (examples/node-postgres/pg.js),
// which the notes app uses through DATABASE_URL. Each logs in with SCRAM-SHA-256 over TCP, as
// the add-on only allows; a wrong password is refused with PostgreSQL's 28P01.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPg, sqlState, userTableCounts, type PgConnectOptions, type PgSession } from '../../src/infra/postgres/wire.js';
import { freePort, ROOT } from '../helpers/berth.js';

interface ExampleClient {
  connect(url: string, timeoutMs?: number): Promise<{
    query(sql: string, params?: unknown[]): Promise<{ command: string; fields: string[]; rows: Record<string, string | null>[] }>;
    end(): Promise<void>;
  }>;
}
const example = createRequire(import.meta.url)(join(ROOT, 'examples', 'node-postgres', 'pg.js')) as ExampleClient;

const docker = new Docker();
const IMAGE = 'berth/postgres:bookworm';
const LABEL = 'berth.test=pg-wire';
const USER = 'notes_db';
const PASSWORD = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
let db: PgConnectOptions;
const sessions: PgSession[] = [];
const children: ChildProcess[] = [];

async function removeOurs(): Promise<void> {
  const ours = await docker.listContainers({ all: true, filters: { label: [LABEL] } });
  await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

async function open(o: Partial<PgConnectOptions> = {}): Promise<PgSession> {
  const s = await connectPg({ ...db, ...o });
  sessions.push(s);
  return s;
}

async function startApp(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'examples', 'node-postgres', 'server.js')], { env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env }, stdio: 'ignore' });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return url;
    } catch {
      if (i > 100) throw new Error('the notes app did not come up');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  await removeOurs();
  const c = await docker.createContainer({
    Image: IMAGE,
    Env: [`POSTGRES_USER=${USER}`, `POSTGRES_DB=${USER}`, `POSTGRES_PASSWORD=${PASSWORD}`, 'PGDATA=/var/lib/postgresql/data/pg'],
    Labels: { 'berth.test': 'pg-wire' },
    HostConfig: { NetworkMode: 'bridge' },
  });
  await c.start();
  const ip = (await c.inspect()).NetworkSettings.Networks.bridge?.IPAddress ?? '';
  db = { host: ip, port: 5432, user: USER, password: PASSWORD, database: USER, timeoutMs: 3000 };
  // initdb, then the server: poll until it lets us in.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await (await connectPg(db)).close();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
});

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(sessions.map((s) => s.close()));
  await removeOurs();
});

describe("Berth's PostgreSQL client", () => {
  it('logs in with SCRAM-SHA-256 and runs statements, one result each', async () => {
    const s = await open();
    const results = await s.query("CREATE TABLE items (id serial primary key, name text); INSERT INTO items (name) VALUES ('a'), (NULL), ('ü'); SELECT id, name FROM items ORDER BY id");
    expect(results.map((r) => r.command)).toEqual(['CREATE TABLE', 'INSERT 0 3', 'SELECT 3']);
    expect(results[2]).toMatchObject({ fields: ['id', 'name'], rows: [['1', 'a'], ['2', null], ['3', 'ü']] });
    const [method] = await s.query(`SELECT left(rolpassword, 13) FROM pg_authid WHERE rolname = '${USER}'`);
    expect(method?.rows).toEqual([['SCRAM-SHA-256']]);
  });

  it('refuses a wrong password with SQLSTATE 28P01, and a server error carries its SQLSTATE', async () => {
    const e: unknown = await connectPg({ ...db, password: 'wrong' }).catch((x: unknown) => x);
    expect(sqlState(e)).toBe('28P01');
    expect(String(e)).toMatch(/password authentication failed/);
    const s = await open();
    const q: unknown = await s.query('SELECT * FROM no_such_table').catch((x: unknown) => x);
    expect(sqlState(q)).toBe('42P01');
    expect((await s.query('SELECT 1'))[0]?.rows).toEqual([['1']]);
  });

  it('counts the rows of every user table exactly, as of an exported snapshot', async () => {
    const s = await open();
    await s.query('CREATE SCHEMA "odd ""schema"""; CREATE TABLE "odd ""schema""".t (x int); INSERT INTO "odd ""schema""".t SELECT generate_series(1, 5)');
    expect(await userTableCounts(s)).toEqual({ 'public.items': 3, 'odd "schema".t': 5 });

    const holder = await open();
    const [, exported] = await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot()');
    const snapshot = exported?.rows[0]?.[0] ?? '';
    expect(snapshot).toMatch(/^[0-9A-F]+-[0-9A-F]+-[0-9]+$/);
    await s.query("INSERT INTO items (name) VALUES ('later')");
    // What pg_dump --snapshot does: another session adopts the snapshot and sees the data as of then.
    const reader = await open();
    await reader.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${snapshot}'`);
    expect(await userTableCounts(reader)).toEqual({ 'public.items': 3, 'odd "schema".t': 5 });
    expect(await userTableCounts(s)).toEqual({ 'public.items': 4, 'odd "schema".t': 5 });
    await holder.query('COMMIT');
  });
});

describe("the example app's standard-library client", () => {
  const url = () => `postgres://${USER}:${PASSWORD}@${db.host}:5432/${USER}`;

  it('logs in with SCRAM-SHA-256, binds parameters and refuses a wrong password with 28P01', async () => {
    const c = await example.connect(url());
    try {
      const r = await c.query('SELECT $1::text AS a, $2::text AS b, $3::int + 1 AS c', ["it's; DROP TABLE items --", null, 41]);
      expect(r.rows).toEqual([{ a: "it's; DROP TABLE items --", b: null, c: '42' }]);
      const err = (await c.query('SELEC 1').catch((x: unknown) => x)) as { code?: string };
      expect(err.code).toBe('42601');
    } finally {
      await c.end();
    }
    const bad = (await example.connect(`postgres://${USER}:wrong@${db.host}:5432/${USER}`).catch((x: unknown) => x)) as { code?: string };
    expect(bad.code).toBe('28P01');
  });

  it('the notes app stores notes through DATABASE_URL, and says 503 without one', async () => {
    const app = await startApp({ DATABASE_URL: url() });
    for (const body of ['first note', 'second, with ünïcode']) {
      expect((await fetch(`${app}/notes`, { method: 'POST', body })).status).toBe(201);
    }
    const got = await fetch(`${app}/notes`);
    expect(await got.json()).toEqual([
      { id: 1, body: 'first note' },
      { id: 2, body: 'second, with ünïcode' },
    ]);
    // A dropped table is an error, not an empty list (the backups e2e restores it).
    await (await open()).query('DROP TABLE notes');
    expect((await fetch(`${app}/notes`)).status).toBe(500);

    const bare = await startApp({});
    const r = await fetch(`${bare}/notes`);
    expect(r.status).toBe(503);
    expect(await r.text()).toMatch(/DATABASE_URL/);
  });
});
