// Tenant boundaries on the data path: no two tenants' apps share a host, an app never sees
// Berth's own session cookie, and every operation on an app keeps working when another owner
// creates an app of the same name.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, PROXY, ROOT, shutdownServer, type TestServer } from '../helpers/berth.js';
import { get, readUntilClosed } from '../helpers/http.js';

let server: TestServer;
const scratch = mkdtempSync(join(tmpdir(), 'berth-tenancy-'));
const dir = join(scratch, 'echo');

/** A stdlib Python app that says who it is ($GREETING) and echoes the Cookie header it got. */
const ECHO_APP = `import os, signal, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.headers.get("Cookie", "") if self.path.endswith("/cookie") else os.environ.get("GREETING", "?") + "!").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()
`;

const ok = async (args: string[]) => {
  const r = await server.cli(args);
  expect(r.code, `berth ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const body = async (host: string, path = '/') => (await get(`${PROXY}${path}`, { host })).body;

beforeAll(async () => {
  server = await bootServer();
  cpSync(join(ROOT, 'examples', 'python-hello'), dir, { recursive: true });
  writeFileSync(join(dir, 'app.py'), ECHO_APP);
  writeFileSync(join(dir, 'berth.yml'), 'port: 8000\nhealthcheck:\n  path: /\n');
  await ok(['create', 'foo', '--owner', 'bar']);
  await ok(['config', 'set', 'bar/foo', 'GREETING=tenant bar']);
  await ok(['deploy', dir, '--app', 'foo', '--owner', 'bar']);
  await ok(['create', 'foo-bar']);
  await ok(['config', 'set', 'default/foo-bar', 'GREETING=default']);
  await ok(['deploy', dir, '--app', 'foo-bar', '--owner', 'default']);
});

afterAll(() => shutdownServer(server, scratch));

describe('hosts', () => {
  it("gives owner bar's app foo and the default owner's app foo-bar different hosts, each serving its own app", async () => {
    const urls = JSON.parse((await ok(['apps', '--json'])).stdout) as { name: string; owner: string; urls: string[] }[];
    // Host URLs only: the path URLs share <domain> on purpose (see the cookie tests below).
    const hostsOf = (owner: string, name: string) => urls.find((a) => a.owner === owner && a.name === name)!.urls.filter((u) => new URL(u).pathname === '/').map((u) => new URL(u).hostname);
    expect(hostsOf('bar', 'foo').filter((h) => hostsOf('default', 'foo-bar').includes(h))).toEqual([]);
    expect(await body('foo--bar.localhost')).toBe('tenant bar!');
    expect(await body('foo-bar.localhost')).toBe('default!');
  });
});

describe("Berth's session cookie", () => {
  const cookie = 'theme=dark; berth_session=stolen-session-id; lang=en';

  it('never reaches an app addressed by host', async () => {
    expect((await get(`${PROXY}/cookie`, { host: 'foo-bar.localhost', headers: { Cookie: cookie } })).body).toBe('theme=dark; lang=en');
    expect((await get(`${PROXY}/cookie`, { host: 'foo--bar.localhost', headers: { Cookie: 'berth_session=x; a=1' } })).body).toBe('a=1');
  });

  it('never reaches an app addressed by path, on the origin all path-routed apps share', async () => {
    expect((await get(`${PROXY}/bar/foo/cookie`, { host: 'localhost', headers: { Cookie: cookie } })).body).toBe('theme=dark; lang=en');
    // That shared origin is never the dashboard's: the API does not answer through it.
    expect(new URL(server.url).origin).not.toBe(new URL(PROXY).origin);
    expect((await get(`${PROXY}/api/v1/health`, { host: 'localhost' })).status).toBe(404);
  });
});

describe('open streams', () => {
  it("end a member's stream of an app's output once the membership is removed", async () => {
    const ana = (await ok(['users', 'create', 'ana', '--role', 'member', '--owner', 'bar'])).stdout.trim();
    const ac = new AbortController();
    const res = await server.fetch('/api/v1/apps/bar%2Ffoo/logs?follow=true&tail=1', { token: ana, signal: ac.signal });
    expect(res.status).toBe(200);
    const { text, closedByServer } = await readUntilClosed(res, ac, async () => {
      await ok(['owners', 'remove-member', 'bar', 'ana']);
    });
    expect(closedByServer).toBe(true);
    expect(text).toContain('access ended');
  });
});

describe('the same app name under two owners', () => {
  it('keeps config changes, restarts and rollbacks of default/foo-bar working once owner zed has a foo-bar', async () => {
    await ok(['create', 'foo-bar', '--owner', 'zed']);
    await ok(['config', 'set', 'default/foo-bar', 'GREETING=changed']);
    expect(await body('foo-bar.localhost')).toBe('changed!');
    await ok(['restart', 'default/foo-bar']);
    expect(await body('foo-bar.localhost')).toBe('changed!');
    await ok(['rollback', 'default/foo-bar']);
    expect(await body('foo-bar.localhost')).toBe('default!');
  });
});
