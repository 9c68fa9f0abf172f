// The CLI as a newcomer meets it: logging in and setting a password at a real terminal, plain
// `berth`, commands run inside an app's folder, --json errors, and an audit log in words.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, bootServer, run, shutdownServer, TEST_TOKEN, type TestServer } from '../helpers/berth.js';
import { onTerminal } from '../helpers/pty.js';

let server: TestServer;
let home: string;
let folder: string;

/** The environment of a user with no BERTH_URL/BERTH_TOKEN, whose config lives in `home`. */
const userEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: home, TERM: 'xterm' };
  delete env.BERTH_URL;
  delete env.BERTH_TOKEN;
  return env;
};
const configPath = () => join(home, 'berth', 'config.json');

beforeAll(async () => {
  server = await bootServer({ images: false });
  home = mkdtempSync(join(tmpdir(), 'berth-cli-home-'));
  folder = mkdtempSync(join(tmpdir(), 'berth-cli-app-'));
}, 120_000);

afterAll(async () => {
  await shutdownServer(server, home, folder);
}, 120_000);

describe('berth login at a terminal', () => {
  it('cancels on Ctrl-C and on Ctrl-D with a message and a non-zero exit, saving nothing', async () => {
    const c = await onTerminal(process.execPath, [BIN, 'login', server.url], [['API token: ', 'abc\x03']], userEnv());
    expect(c.code).toBe(130);
    expect(c.screen).toContain('cancelled');
    expect(c.screen).not.toContain('abc');
    const d = await onTerminal(process.execPath, [BIN, 'login', server.url], [['API token: ', '\x04']], userEnv());
    expect(d.code).toBe(2);
    expect(d.screen).toContain('input ended');
    expect(existsSync(configPath())).toBe(false);
  });

  it('asks for the token without showing it, saves the login, and whoami uses it', async () => {
    const r = await onTerminal(process.execPath, [BIN, 'login', server.url], [['API token: ', `${TEST_TOKEN}\r`]], userEnv());
    expect(r.screen).not.toContain('bind');
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain('logged in to');
    // The token never reaches the screen, not even a piece of it.
    expect(r.screen).not.toContain(TEST_TOKEN.slice(0, 12));
    expect(JSON.parse(readFileSync(configPath(), 'utf8'))).toMatchObject({ url: server.url, token: TEST_TOKEN });
    const who = await run(process.execPath, [BIN, 'whoami', '--json'], { env: userEnv() });
    expect(JSON.parse(who.stdout)).toMatchObject({ user: 'admin', role: 'admin' });
  });

  it('without a terminal and without --token, says how to give one instead of waiting', async () => {
    const r = await run(process.execPath, [BIN, 'login', server.url], { env: userEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--token-stdin');
  });
});

describe('berth users passwd at a terminal', () => {
  it('sets the password, typed twice and never shown, so the user can log in with it', async () => {
    expect((await server.cli(['users', 'create', 'berthtest-ana', '--role', 'member'])).code).toBe(0);
    const pw = 'correct horse battery';
    const env = { ...process.env, BERTH_URL: server.url, BERTH_TOKEN: TEST_TOKEN, TERM: 'xterm' };
    const differ = await onTerminal(process.execPath, [BIN, 'users', 'passwd', 'berthtest-ana'], [['New password: ', `${pw}\r`], ['Once more: ', 'typo\r']], env);
    expect(differ.code).toBe(2);
    expect(differ.screen).toContain('differ');
    const r = await onTerminal(process.execPath, [BIN, 'users', 'passwd', 'berthtest-ana'], [['New password: ', `${pw}\r`], ['Once more: ', `${pw}\r`]], env);
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).not.toContain(pw);
    const login = await server.fetch('/api/v1/session', { token: null, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'berthtest-ana', password: pw }) });
    expect(login.status).toBe(200);
  });
});

describe('the CLI a newcomer meets', () => {
  it('shows its help and exits 0 when run with no command', async () => {
    const r = await run(process.execPath, [BIN], { env: userEnv() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: berth');
  });

  it("uses the app of the folder's berth.yml when a command leaves it out", async () => {
    expect((await server.cli(['create', 'berthtest-cli-shop'])).code).toBe(0);
    writeFileSync(join(folder, 'berth.yml'), 'name: berthtest-cli-shop\nowner: default\n');
    const status = await server.cli(['status', '--json'], { cwd: folder });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: 'berthtest-cli-shop', owner: 'default' });
    expect((await server.cli(['config', 'set', 'GREETING=hi'], { cwd: folder })).code).toBe(0);
    expect((await server.cli(['config'], { cwd: folder })).stdout).toContain('GREETING=');
    // Destroying always needs the name typed.
    expect((await server.cli(['destroy', '--yes'], { cwd: folder })).code).toBe(2);
  });

  it('reports errors as JSON under --json', async () => {
    const r = await server.cli(['status', 'berthtest-nope', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('shows the audit log in words: what was done to which app, reads not taken for changes', async () => {
    // The first makes the secret (a change); the second only reads it (not in the audit log).
    expect((await server.cli(['webhooks', 'berthtest-cli-shop'])).code).toBe(0);
    expect((await server.cli(['webhooks', 'berthtest-cli-shop'])).code).toBe(0);
    const text = (await server.cli(['audit', '-n', '10'])).stdout;
    expect(text.match(/make webhook secret/g)).toHaveLength(1);
    expect(text).toContain('change config');
    expect(text).not.toContain(':app');
    const rows = JSON.parse((await server.cli(['audit', '--json', '-n', '10'])).stdout) as { action: string }[];
    expect(rows.map((r) => r.action)).toContain('POST /api/v1/apps/berthtest-cli-shop/webhook-secret');
  });
});
