// Nothing in the API answers without a valid token or session (but health, the login and the
// API document); viewers only read; tokens are stored hashed, revoked at once, and failed
// logins limited; dashboard sessions live in HttpOnly cookies and need their CSRF token.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, bootServer, removeDir, run, shutdownServer, startTestServer, TEST_TOKEN, type TestServer } from '../helpers/berth.js';
import { rawRequest, readUntilClosed } from '../helpers/http.js';

let server: TestServer;
let viewerToken = '';
const routes: { method: string; path: string }[] = [];
const PUBLIC = ['GET /api/v1/health', 'POST /api/v1/session', 'GET /api/v1/tls/ca'];

/** Every operation of the generated API document, with path parameters filled in. */
async function allRoutes(): Promise<{ method: string; path: string }[]> {
  const doc = (await (await server.fetch('/openapi.json', { token: null })).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path: path.replace('{app}', 'some-app').replace('{id}', '1').replace('{owner}', 'some-owner').replace('{user}', 'someone').replace('{name}', 'someone').replace('{number}', '1') })),
  );
}

beforeAll(async () => {
  server = await bootServer({ images: false });
  routes.push(...(await allRoutes()).filter((r) => !PUBLIC.includes(`${r.method} ${r.path}`)));
  const v = await server.cli(['users', 'create', 'vera', '--role', 'viewer']);
  viewerToken = v.stdout.trim();
});

afterAll(() => shutdownServer(server));

const call = (r: { method: string; path: string }, token: string | null) =>
  server.fetch(r.path, { method: r.method, token, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { headers: { 'Content-Type': 'application/json' }, body: '{}' }) });

describe('authentication', () => {
  it('covers every API route', () => {
    expect(routes.length).toBeGreaterThan(20);
  });

  it('refuses anonymous callers on every route with a 401 and no data', async () => {
    for (const r of routes) {
      const res = await call(r, null);
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      expect(Object.keys((await res.json()) as object)).toEqual(['error']);
    }
  });

  it('refuses a wrong token the same way', async () => {
    const res = await call({ method: 'GET', path: '/api/v1/apps' }, 'berth_not-a-real-token-000000000000000000000');
    expect(res.status).toBe(401);
  });

  it('lets viewers read but refuses every change with a 403 and no data', async () => {
    for (const r of routes) {
      const res = await call(r, viewerToken);
      const own = r.path.startsWith('/api/v1/tokens') || r.path === '/api/v1/session';
      if (r.path === '/api/v1/users' || r.path === '/api/v1/audit') {
        expect(res.status, `${r.method} ${r.path}: admins only`).toBe(403);
      } else if (r.method === 'GET' || own) {
        expect([401, 403], `${r.method} ${r.path}`).not.toContain(res.status);
      } else {
        expect(res.status, `${r.method} ${r.path}`).toBe(403);
        expect(Object.keys((await res.json()) as object)).toEqual(['error']);
      }
    }
  });

  it("shows a viewer an app's config keys but not their values, nor the webhook secret", async () => {
    expect((await server.cli(['create', 'vault', '--owner', 'acme'])).code).toBe(0);
    expect((await server.cli(['config', 'set', 'acme/vault', 'API_KEY=s3cret-value'])).code).toBe(0);
    expect((await server.cli(['webhooks', 'acme/vault'])).code).toBe(0);
    const viewer = (await server.cli(['users', 'create', 'val', '--role', 'viewer', '--owner', 'acme'])).stdout.trim();
    const keys = await server.fetch('/api/v1/apps/acme%2Fvault/config', { token: viewer });
    expect(await keys.json()).toEqual({ config: { API_KEY: '********' } });
    for (const path of ['/api/v1/apps/acme%2Fvault/config?reveal=true', '/api/v1/apps/acme%2Fvault/webhook-secret']) {
      const res = await server.fetch(path, { token: viewer });
      expect(res.status, path).toBe(403);
      expect(await res.text()).toMatch(/val is a viewer: .* are for members and admins/);
    }
    expect(await (await server.fetch('/api/v1/apps/acme%2Fvault/config?reveal=true')).json()).toEqual({ config: { API_KEY: 's3cret-value' } });
  });

  it('lets the admin through', async () => {
    const res = await server.fetch('/api/v1/apps');
    expect(res.status).toBe(200);
    expect((await server.cli(['whoami'])).stdout).toBe('admin (admin)\n');
  });
});

describe('owners', () => {
  let moToken = '';
  beforeAll(async () => {
    expect((await server.fetch('/api/v1/apps', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"secret-app"}' })).status).toBe(201);
    moToken = (await server.cli(['users', 'create', 'mo', '--role', 'member', '--owner', 'other'])).stdout.trim();
  });

  it("refuses a member of another owner on every route naming the app, with no data", async () => {
    const appRoutes = routes.filter((r) => r.path.includes('/apps/some-app'));
    expect(appRoutes.length).toBeGreaterThan(10);
    for (const r of appRoutes) {
      const res = await call({ method: r.method, path: r.path.replace('some-app', 'secret-app') }, moToken);
      expect([403, 404], `${r.method} ${r.path}`).toContain(res.status);
      expect(Object.keys((await res.json()) as object)).toEqual(['error']);
    }
    const list = (await (await server.fetch('/api/v1/apps', { token: moToken })).json()) as unknown[];
    expect(list).toEqual([]);
  });

  it("lets the member work on its own owner's apps, with names unique per owner", async () => {
    const created = await server.fetch('/api/v1/apps', { method: 'POST', token: moToken, headers: { 'Content-Type': 'application/json' }, body: '{"name":"secret-app","owner":"other"}' });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { urls: string[] }).urls[0]).toMatch(/^http:\/\/secret-app--other\.localhost/);
    expect((await server.fetch('/api/v1/apps/secret-app', { token: moToken })).status).toBe(200);
    const refused = await server.fetch('/api/v1/apps', { method: 'POST', token: moToken, headers: { 'Content-Type': 'application/json' }, body: '{"name":"mine","owner":"default"}' });
    expect(refused.status).toBe(403);
  });

  it('makes the admin say which owner when a name is ambiguous', async () => {
    const res = await server.fetch('/api/v1/apps/secret-app');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('default/secret-app, other/secret-app');
    expect((await server.fetch(`/api/v1/apps/${encodeURIComponent('other/secret-app')}`)).status).toBe(200);
  });
});

describe('the live event feed', () => {
  /** Reads an SSE stream as `token` while `act` runs, for a second more; returns what came. */
  async function feed(token: string, act: () => Promise<void>): Promise<string> {
    const ac = new AbortController();
    const res = await server.fetch('/api/v1/events/stream', { token, signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    const reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      } catch {
        // aborted
      }
    })();
    await act();
    await new Promise((r) => setTimeout(r, 1500));
    ac.abort();
    await reading;
    return text;
  }

  it("carries events of the caller's own owners' apps only", async () => {
    const moToken = (await server.cli(['users', 'create', 'mia', '--role', 'member', '--owner', 'other'])).stdout.trim();
    const text = await feed(moToken, async () => {
      await server.fetch('/api/v1/apps', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"feed-hidden"}' });
      await server.fetch('/api/v1/apps', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"feed-seen","owner":"other"}' });
    });
    expect(text).toContain('"app":"other/feed-seen"');
    expect(text).not.toContain('feed-hidden');
  });
});

describe('tokens', () => {
  it('creates a token shown once, lists it without its secret, and revokes it at once', async () => {
    const created = await server.cli(['tokens', 'create', 'ci']);
    const token = created.stdout.trim();
    expect(token).toMatch(/^berth_[A-Za-z0-9_-]{43}$/);
    expect((await server.cli(['whoami'], { token })).code).toBe(0);
    const list = JSON.parse((await server.cli(['tokens', 'list', '--json'])).stdout) as { id: number; name: string }[];
    expect(JSON.stringify(list)).not.toContain(token);
    const id = list.find((t) => t.name === 'ci')!.id;
    expect((await server.cli(['tokens', 'revoke', String(id)])).code).toBe(0);
    const after = await server.cli(['whoami'], { token });
    expect(after.code).toBe(6);
    expect(after.stderr).toContain('invalid, expired or revoked token');
  });

  it('never stores a token in clear in the database', () => {
    for (const f of ['berth.db', 'berth.db-wal']) {
      try {
        expect(readFileSync(join(server.dataDir, f)).includes(TEST_TOKEN)).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  });

  it('berth login stores the URL and token with 0600 mode', async () => {
    const home = mkdtempSync(join(tmpdir(), 'berth-login-'));
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: home };
    delete env.BERTH_URL;
    delete env.BERTH_TOKEN;
    const login = await run(process.execPath, [BIN, 'login', server.url, '--token', TEST_TOKEN], { env });
    expect(login.code, login.stderr).toBe(0);
    const file = join(home, 'berth', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await run(process.execPath, [BIN, 'whoami'], { env })).stdout).toBe('admin (admin)\n');
    removeDir(home);
  });
});

describe('the audit log', () => {
  it('records who changed what, including refused attempts, but never bodies', async () => {
    const rows = JSON.parse((await server.cli(['audit', '--json'])).stdout) as { user: string; action: string; status: number }[];
    expect(rows).toEqual(expect.arrayContaining([expect.objectContaining({ user: 'admin', action: 'POST /api/v1/users', status: 201 })]));
    expect(rows).toEqual(expect.arrayContaining([expect.objectContaining({ user: 'vera', status: 403 })]));
    expect(JSON.stringify(rows)).not.toContain('berth_');
  });

  it('is for admins, or for one app the caller may see', async () => {
    expect((await server.cli(['audit'], { token: viewerToken })).code).toBe(6);
    // The viewer belongs to no owner: the app is not there for it.
    expect((await server.cli(['audit', '--app', 'secret-app'], { token: viewerToken })).code).toBe(3);
    expect((await server.cli(['audit', '--app', 'default/secret-app'])).code).toBe(0);
  });
});

describe('dashboard sessions', () => {
  const json = { 'Content-Type': 'application/json' };
  const login = (body: object) => server.fetch('/api/v1/session', { method: 'POST', token: null, headers: json, body: JSON.stringify(body) });
  const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;

  beforeAll(async () => {
    const set = await server.fetch('/api/v1/users/vera/password', { method: 'PUT', headers: json, body: JSON.stringify({ password: 'correct horse battery' }) });
    expect(set.status).toBe(200);
  });

  it('logs in with a password into an HttpOnly, SameSite cookie that reads the API', async () => {
    expect((await login({ user: 'vera', password: 'wrong password!' })).status).toBe(401);
    const res = await login({ user: 'vera', password: 'correct horse battery' });
    expect(res.status).toBe(200);
    const header = res.headers.get('set-cookie')!;
    expect(header).toMatch(/^berth_session=[A-Za-z0-9_-]{43};/);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
    const body = (await res.json()) as { user: string; csrf: string };
    expect(body.user).toBe('vera');
    const me = await server.fetch('/api/v1/session', { token: null, headers: { Cookie: cookieOf(res) } });
    expect(((await me.json()) as { csrf: string }).csrf).toBe(body.csrf);
    expect((await server.fetch('/api/v1/apps', { token: null, headers: { Cookie: cookieOf(res) } })).status).toBe(200);
  });

  it('refuses a change made with the cookie alone (CSRF), and accepts it with the token', async () => {
    const res = await login({ token: TEST_TOKEN });
    const { csrf } = (await res.json()) as { csrf: string };
    const create = (headers: Record<string, string>) => server.fetch('/api/v1/tokens', { method: 'POST', token: null, headers: { ...json, Cookie: cookieOf(res), ...headers }, body: '{"name":"from-dashboard"}' });
    const forged = await create({});
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { message: string } }).error.message).toContain('CSRF');
    expect((await create({ 'X-CSRF-Token': 'x'.repeat(csrf.length) })).status).toBe(403);
    expect((await create({ 'X-CSRF-Token': csrf })).status).toBe(201);
  });

  it('ends the session at logout and when the password changes', async () => {
    const a = cookieOf(await login({ user: 'vera', password: 'correct horse battery' }));
    const b = await login({ user: 'vera', password: 'correct horse battery' });
    const { csrf } = (await b.json()) as { csrf: string };
    const out = await server.fetch('/api/v1/session', { method: 'DELETE', token: null, headers: { Cookie: cookieOf(b), 'X-CSRF-Token': csrf } });
    expect(out.status).toBe(200);
    expect((await server.fetch('/api/v1/apps', { token: null, headers: { Cookie: cookieOf(b) } })).status).toBe(401);
    expect((await server.fetch('/api/v1/apps', { token: null, headers: { Cookie: a } })).status).toBe(200);
    await server.fetch('/api/v1/users/vera/password', { method: 'PUT', headers: json, body: JSON.stringify({ password: 'another good one' }) });
    expect((await server.fetch('/api/v1/apps', { token: null, headers: { Cookie: a } })).status).toBe(401);
  });

  it('removes a password with null, after which only tokens log in', async () => {
    const res = await server.fetch('/api/v1/users/vera/password', { method: 'PUT', headers: json, body: JSON.stringify({ password: null }) });
    expect(await res.json()).toEqual({ user: 'vera', password: false });
    expect((await login({ user: 'vera', password: 'another good one' })).status).toBe(401);
    await server.fetch('/api/v1/users/vera/password', { method: 'PUT', headers: json, body: JSON.stringify({ password: 'another good one' }) });
  });

  it('keeps neither passwords nor session ids in clear in the database', async () => {
    const res = await login({ user: 'vera', password: 'another good one' });
    const id = cookieOf(res).split('=')[1]!;
    for (const f of ['berth.db', 'berth.db-wal']) {
      try {
        const bytes = readFileSync(join(server.dataDir, f));
        expect(bytes.includes(id)).toBe(false);
        expect(bytes.includes('another good one')).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  });
});

/**
 * Spellings of one request target that a router, a proxy or a browser may take for the same
 * path: percent-encoded letters and slashes, doubled slashes, dot segments, a trailing slash,
 * other letter case, and the absolute form (`GET http://host/path`).
 */
function spellings(path: string, base: string): string[] {
  const encodeAt = (p: string, i: number) => `${p.slice(0, i)}%${p.charCodeAt(i).toString(16)}${p.slice(i + 1)}`;
  const first = path.search(/[a-z]/);
  const last = path.length - 1 - [...path].reverse().join('').search(/[a-z]/);
  const forms = [
    path,
    encodeAt(path, first),
    `${path.slice(0, first)}%${path.charCodeAt(first).toString(16).toUpperCase()}${path.slice(first + 1)}`,
    encodeAt(path, last),
    path.replace('/api/v1/', '/api%2Fv1/'),
    path.replace('/api/v1/', '/api%2fv1%2f'),
    path.replace('/api/', '/api//'),
    `/${path}`,
    path.replace('/api/', '/api/./'),
    path.replace('/v1/', '/v1/x/../'),
    `${path}/`,
    path.replace('/api/', '/API/'),
    path.replace('/v1/', '/V1/'),
    `${base}${path}`,
    `${base}${encodeAt(path, first)}`,
  ];
  return [...new Set(forms)];
}

describe('request targets in every spelling', () => {
  const bodyIsOnlyAnError = (body: string) => {
    try {
      return JSON.stringify(Object.keys(JSON.parse(body) as object)) === '["error"]';
    } catch {
      return false;
    }
  };
  const send = (target: string, method: string, token: string | null) =>
    rawRequest(server.url, target, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(method === 'GET' || method === 'DELETE' ? {} : { 'Content-Type': 'application/json' }) },
      ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
    });

  it('refuses anonymous callers on every route in every spelling, with no data', async () => {
    const seen: string[] = [];
    for (const r of routes) {
      for (const target of spellings(r.path, server.url)) {
        const res = await send(target, r.method, null);
        seen.push(`${res.status} ${r.method} ${target}`);
        expect([401, 404], `${r.method} ${target}`).toContain(res.status);
        expect(bodyIsOnlyAnError(res.body), `${r.method} ${target}: ${res.body.slice(0, 200)}`).toBe(true);
      }
    }
    // The percent-encoded spelling of a real route reaches that route, and is refused there.
    expect(seen).toContain('401 GET /api/v1/app%73');
    expect(seen).toContain('401 GET /%61pi/v1/apps');
  });

  it("refuses a viewer's changes on every route in every spelling", async () => {
    for (const r of routes.filter((x) => x.method !== 'GET' && !x.path.startsWith('/api/v1/tokens') && x.path !== '/api/v1/session' && !x.path.endsWith('/password'))) {
      for (const target of spellings(r.path, server.url)) {
        const res = await send(target, r.method, viewerToken);
        expect([403, 404], `${r.method} ${target}`).toContain(res.status);
        expect(bodyIsOnlyAnError(res.body)).toBe(true);
      }
    }
  });

  it("refuses a member of another owner on every route naming the app, in every spelling", async () => {
    const mallory = (await server.cli(['users', 'create', 'mallory', '--role', 'member', '--owner', 'elsewhere'])).stdout.trim();
    for (const r of routes.filter((x) => x.path.includes('/apps/some-app'))) {
      for (const name of ['secret-app', 'default/secret-app', 'default%2Fsecret-app', 'default%2fsecret-app', 'Secret-App']) {
        for (const target of spellings(r.path.replace('some-app', name), server.url)) {
          const res = await send(target, r.method, mallory);
          expect([403, 404], `${r.method} ${target}`).toContain(res.status);
          expect(bodyIsOnlyAnError(res.body)).toBe(true);
        }
      }
    }
  });

  it('maps every spelling of a deployment or build id to the same check', async () => {
    // A deploy whose image is missing still makes a deployment and a build (it fails later).
    const started = await server.fetch('/api/v1/apps/default%2Fsecret-app/deploys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"image":"berthtest/nothing-here:1"}' });
    expect(started.status).toBe(202);
    const { deployment, build } = (await started.json()) as { deployment: { id: number }; build: { id: number } };
    const mallory = (await server.cli(['users', 'create', 'mallory2', '--role', 'member', '--owner', 'elsewhere'])).stdout.trim();
    const forms = (id: number) => [`${id}`, `${id}.0`, `0x${id.toString(16)}`, `${id}e0`, `+${id}`, `0${id}`, `%20${id}`, `${id}%20`, `${id}.`, `0b${id.toString(2)}`];
    for (const [kind, id] of [['deployments', deployment.id], ['builds', build.id]] as const) {
      const paths = kind === 'deployments' ? (x: string) => [`/api/v1/deployments/${x}`, `/api/v1/deployments/${x}/log`] : (x: string) => [`/api/v1/builds/${x}/log`];
      for (const form of forms(id)) {
        for (const target of paths(form)) {
          const foreign = await send(target, 'GET', mallory);
          expect(foreign.status, `${target} as another owner's member`).toBe(404);
          expect(bodyIsOnlyAnError(foreign.body)).toBe(true);
          // The admin reaches it by its one spelling only; any other is "not found" too.
          expect((await send(target, 'GET', TEST_TOKEN)).status, `${target} as admin`).toBe(form === `${id}` ? 200 : 404);
        }
      }
    }
  });
});

describe('sessions and streams end with the access they came from', () => {
  const json = { 'Content-Type': 'application/json' };
  const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;

  /** Opens an SSE stream and resolves with what it carried once the server ends it (or after `maxMs`). */
  async function streamUntilClosed(path: string, headers: Record<string, string>, act: () => Promise<void>): Promise<{ text: string; closedByServer: boolean }> {
    const ac = new AbortController();
    const res = await server.fetch(path, { token: null, headers, signal: ac.signal });
    expect(res.status).toBe(200);
    return readUntilClosed(res, ac, act);
  }

  it("ends a dashboard session when the token it was opened with is revoked", async () => {
    const t = (await server.cli(['tokens', 'create', 'for-the-dashboard'])).stdout.trim();
    const res = await server.fetch('/api/v1/session', { method: 'POST', token: null, headers: json, body: JSON.stringify({ token: t }) });
    const cookie = cookieOf(res);
    expect((await server.fetch('/api/v1/apps', { token: null, headers: { Cookie: cookie } })).status).toBe(200);
    const list = JSON.parse((await server.cli(['tokens', 'list', '--json'])).stdout) as { id: number; name: string }[];
    await server.cli(['tokens', 'revoke', String(list.find((x) => x.name === 'for-the-dashboard')!.id)]);
    expect((await server.fetch('/api/v1/apps', { token: null, headers: { Cookie: cookie } })).status).toBe(401);
  });

  it('closes an open event stream once its token is revoked', async () => {
    const t = (await server.cli(['tokens', 'create', 'streamer'])).stdout.trim();
    const started = Date.now();
    const r = await streamUntilClosed('/api/v1/events/stream', { Authorization: `Bearer ${t}` }, async () => {
      const list = JSON.parse((await server.cli(['tokens', 'list', '--json'])).stdout) as { id: number; name: string }[];
      await server.cli(['tokens', 'revoke', String(list.find((x) => x.name === 'streamer')!.id)]);
    });
    expect(r.closedByServer).toBe(true);
    expect(r.text).toContain('access ended');
    expect(Date.now() - started).toBeLessThan(9_000);
  });
});

describe('behind a trusted proxy', () => {
  it('believes X-Forwarded-For and -Proto only from the proxies the operator names', async () => {
    const login = (s: TestServer, headers: Record<string, string>) =>
      s.fetch('/api/v1/session', { method: 'POST', token: null, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ token: TEST_TOKEN }) });
    // Not trusted (the default): the forwarded scheme is ignored, the cookie is not Secure.
    expect((await login(server, { 'X-Forwarded-Proto': 'https' })).headers.get('set-cookie')).not.toContain('Secure');
    await server.stop();
    const dataDir = server.dataDir;
    server = await startTestServer({ dataDir, env: { BERTH_TRUSTED_PROXIES: '127.0.0.1' } });
    const res = await login(server, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' });
    expect(res.headers.get('set-cookie')).toContain('Secure');
    // Failures are counted against the client the proxy names, not against the proxy.
    for (let i = 0; i < 11; i++) await server.fetch('/api/v1/apps', { token: `berth_wrong-${i}-000000000000000000000000000000000`, headers: { 'X-Forwarded-For': '203.0.113.66' } });
    expect((await server.fetch('/api/v1/apps', { token: 'berth_wrong-x-000000000000000000000000000000000', headers: { 'X-Forwarded-For': '203.0.113.66' } })).status).toBe(429);
    expect((await server.fetch('/api/v1/apps', { token: 'berth_wrong-y-000000000000000000000000000000000', headers: { 'X-Forwarded-For': '203.0.113.67' } })).status).toBe(401);
  });
});

// Last: it leaves this address with ten failures, which must not colour the tests above.
describe('failed logins', () => {
  it('are rate-limited per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call({ method: 'GET', path: '/api/v1/apps' }, `berth_wrong-${i}-0000000000000000000000000000000000`)).status);
    // At most 10 failures a minute (earlier tests spent a few): then 429, and it stays so.
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThan(0);
    expect(first429).toBeLessThanOrEqual(10);
    expect(statuses.slice(0, first429).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
    // A valid token from that same address (say, everyone behind one proxy) still gets in.
    expect((await server.fetch('/api/v1/apps')).status).toBe(200);
    expect((await call({ method: 'GET', path: '/api/v1/apps' }, 'berth_wrong-again-0000000000000000000000000000000')).status).toBe(429);
  });
});
