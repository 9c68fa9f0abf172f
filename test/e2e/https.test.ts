// HTTPS for real, offline (issue #18): Berth's edge gets every certificate from pebble, an ACME
// test CA, through real HTTP-01 / TLS-ALPN-01 validation against the edge's own ports, on demand
// and only for hosts the router says are routed. Plain http redirects; certificates survive a
// restart of Berth and of both proxy processes; a failing domain shows its ACME error and backs
// off. And Berth used from a laptop: the CLI, git and a webhook over https://<BERTH_API_HOST>.
import { createHmac, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, bootServer, containersNamed, docker, ROOT, run, shutdownServer, stopTestProxy, TEST, TEST_TOKEN, type TestServer } from '../helpers/berth.js';
import { serveGit } from '../helpers/git-http.js';
import { hostsFile, runWithHosts } from '../helpers/hosts.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';

const DOMAIN = 'berth.test';
let pebble: Pebble;
let server: TestServer;
let root = '';
const work = mkdtempSync(join(tmpdir(), 'berth-https-'));

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  issuer: string;
}

/** GET over https to the test edge, for `host` (SNI and Host), trusting pebble's root only. */
function httpsGet(host: string, path = '/', timeoutMs = 15_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: TEST.httpsPort, path, servername: host, headers: { Host: host }, ca: root, agent: false, timeout: timeoutMs }, (res) => {
      const issuer = String((res.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate().issuer.CN);
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, issuer }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** 'ok' when a TLS handshake for `host` gets a certificate at all (trusting anything: only the handshake counts), else why not. */
function handshake(host: string, timeoutMs = 8000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: TEST.httpsPort, servername: host, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      s.destroy();
      resolve('ok');
    });
    s.on('timeout', () => {
      s.destroy();
      resolve('timeout');
    });
    s.on('error', (e: Error) => resolve(e.message));
  });
}

function httpGet(host: string, path: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: TEST.httpPort, path, headers: { Host: host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

function copyExample(name: string, as: string, extra: Record<string, string> = {}): string {
  const dir = join(work, as);
  cpSync(join(ROOT, 'examples', name), dir, { recursive: true });
  for (const [f, text] of Object.entries(extra)) writeFileSync(join(dir, f), text);
  return dir;
}

const env = () => ({
  BERTH_DOMAIN: DOMAIN,
  BERTH_TLS: 'acme',
  BERTH_ACME_CA: pebble.directoryUrl,
  BERTH_ACME_CA_ROOT: pebble.apiCaFile,
  BERTH_ACME_EMAIL: 'ops@berth.test',
});

beforeAll(async () => {
  await stopTestProxy();
  pebble = await startPebble({ httpPort: TEST.httpPort, tlsPort: TEST.httpsPort });
  root = await pebble.issuedRootPem();
  server = await bootServer({ env: env() });
  const r = await server.cli(['deploy', copyExample('node-hello', 'hello'), '--app', 'hello']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`https://hello.${DOMAIN}:${TEST.httpsPort}`);
}, 180_000);

afterAll(async () => {
  await shutdownServer(server, work);
  await pebble?.stop();
});

describe('automatic https with an ACME CA', () => {
  it('serves an app at https://<app>.<domain> with a certificate pebble issued after validating the edge', async () => {
    const r = await httpsGet(`hello.${DOMAIN}`);
    expect([r.status, r.body]).toEqual([200, 'Hello from node-hello!\n']);
    expect(r.issuer).toMatch(/^Pebble Intermediate CA/);
    expect(pebble.ordersFor(`hello.${DOMAIN}`)).toBeGreaterThanOrEqual(1);
  });

  it('redirects plain http to https (308), keeping the path and query', async () => {
    expect(await httpGet(`hello.${DOMAIN}`, '/a/b?c=1')).toEqual({ status: 308, location: `https://hello.${DOMAIN}:${TEST.httpsPort}/a/b?c=1` });
    // A host nobody routes has no certificate to offer: 404, not a redirect into a failing handshake.
    expect((await httpGet(`nobody.${DOMAIN}`, '/')).status).toBe(404);
  });

  it('gets a custom domain its certificate on the first request', async () => {
    expect((await server.cli(['owners', 'allow', 'default', '--domain', 'example.org'])).code).toBe(0);
    const add = await server.cli(['domains', 'add', 'hello', 'shop.example.org']);
    expect(add.code, add.stderr).toBe(0);
    expect(pebble.ordersFor('shop.example.org')).toBe(0);
    const r = await httpsGet('shop.example.org');
    expect([r.status, r.body, r.issuer.startsWith('Pebble')]).toEqual([200, 'Hello from node-hello!\n', true]);
    expect(pebble.ordersFor('shop.example.org')).toBeGreaterThanOrEqual(1);
  });

  it('gives a host that is not routed no certificate, and asks pebble for none', async () => {
    expect(await handshake(`evil.${DOMAIN}`)).not.toBe('ok');
    expect(await handshake('evil.example.org')).not.toBe('ok');
    expect(pebble.ordersFor(`evil.${DOMAIN}`) + pebble.ordersFor('evil.example.org')).toBe(0);
  });

  it('tells the app it was reached over https, and adds HSTS only for an app that asks', async () => {
    const echo = `require('node:http').createServer((q, s) => s.end(q.url === '/forwarded' ? q.headers['x-forwarded-for'] + ' ' + q.headers['x-forwarded-proto'] : 'Hello from node-hello!\\n')).listen(process.env.PORT);\n`;
    const strict = copyExample('node-hello', 'strict', { 'berth.yml': 'hsts: true\nhealthcheck: {path: /}\n', 'server.js': echo });
    const r = await server.cli(['deploy', strict, '--app', 'strict']);
    expect(r.code, r.stderr).toBe(0);
    const withHsts = await httpsGet(`strict.${DOMAIN}`);
    expect(withHsts.headers['strict-transport-security']).toBe('max-age=31536000');
    // What the client claims is overwritten: the app sees the edge's peer and the scheme it used.
    const fwd = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: TEST.httpsPort, path: '/forwarded', servername: `strict.${DOMAIN}`, ca: root, agent: false, headers: { Host: `strict.${DOMAIN}`, 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'http' } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(fwd).toBe('127.0.0.1 https');
    expect((await httpsGet(`hello.${DOMAIN}`)).headers['strict-transport-security']).toBeUndefined();
  });

  it('serves an app with tls: false on plain http, with no certificate asked for it', async () => {
    const plain = copyExample('node-hello', 'plain', { 'berth.yml': 'tls: false\n' });
    const r = await server.cli(['deploy', plain, '--app', 'plain']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`http://plain.${DOMAIN}:${TEST.httpPort}`);
    expect(await httpGet(`plain.${DOMAIN}`, '/')).toEqual({ status: 200, location: undefined });
    expect(await handshake(`plain.${DOMAIN}`)).not.toBe('ok');
    expect(pebble.ordersFor(`plain.${DOMAIN}`)).toBe(0);
    expect((await server.cli(['tls', 'status'])).stdout).toMatch(new RegExp(`plain\\.${DOMAIN.replace('.', '\\.')} +default/plain +http only`));
  });

  it('reuses every certificate after Berth, the edge and the router restart: no new order', async () => {
    const before = pebble.orders();
    await server.stop();
    await stopTestProxy();
    server = await server.restart();
    const r = await httpsGet(`hello.${DOMAIN}`);
    expect([r.status, r.issuer.startsWith('Pebble')]).toEqual([200, true]);
    expect((await httpsGet('shop.example.org')).status).toBe(200);
    expect(pebble.orders()).toBe(before);
  });

  it('shows a failing domain its ACME error, as an event too, and backs off instead of asking the CA again', async () => {
    // pebble's DNS sends the CA to an app container's address (a Docker bridge), where nothing
    // answers on the edge's ports: every challenge fails, as for a domain whose DNS points elsewhere.
    const [container = ''] = (await containersNamed(`${TEST.prefix}-`)).filter((n) => n.includes('hello'));
    const elsewhere = (await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container)).stdout.trim();
    expect(elsewhere).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await pebble.setAddress('bad.example.org', elsewhere);
    expect((await server.cli(['domains', 'add', 'hello', 'bad.example.org'])).code).toBe(0);
    expect(await handshake('bad.example.org', 10_000)).not.toBe('ok');
    await expect
      .poll(async () => (await server.cli(['tls', 'status'])).stdout, { timeout: 30_000, interval: 1000 })
      .toMatch(/bad\.example\.org .*(connect|unauthorized)/i);
    const events = (await (await server.fetch('/api/v1/apps/hello/events')).json()) as { kind: string; message: string }[];
    expect(events.some((e) => e.kind === 'tls.failed' && e.message.includes('no certificate for bad.example.org'))).toBe(true);
    const orders = pebble.ordersFor('bad.example.org');
    expect(orders).toBeGreaterThanOrEqual(1);
    // Kill both proxy processes: Caddy's own attempt in progress ends with them. Berth starts them
    // again, the router with its table, which keeps the backoff: the next handshake is refused at
    // once by the ask, and pebble sees no new order.
    await stopTestProxy();
    await expect.poll(() => handshake(`hello.${DOMAIN}`, 3000), { timeout: 20_000, interval: 500 }).toBe('ok');
    expect(await handshake('bad.example.org', 5000)).not.toBe('ok');
    expect(pebble.ordersFor('bad.example.org')).toBe(orders);
  });
});

describe('Berth used from a laptop, over https', () => {
  const API = `https://berth.${DOMAIN}:${TEST.httpsPort}`;
  const laptop = join(work, 'laptop');
  let hosts = '';
  let env: NodeJS.ProcessEnv = {};
  const rootFile = join(work, 'pebble-root.pem');
  const berth = (args: string[], cwd = laptop) => runWithHosts(hosts, process.execPath, [BIN, ...args], { cwd, env, timeoutMs: 180_000 });
  const git = (args: string[], cwd: string) => runWithHosts(hosts, 'git', ['-c', `http.sslCAInfo=${rootFile}`, ...args], { cwd, env: { ...env, GIT_TERMINAL_PROMPT: '0' } });

  beforeAll(() => {
    mkdirSync(laptop, { recursive: true });
    writeFileSync(rootFile, root);
    hosts = hostsFile(join(work, 'hosts'), [`berth.${DOMAIN}`]);
    // A user of their own: no BERTH_URL or token in the environment, config in their HOME.
    env = { ...process.env, HOME: laptop, XDG_CONFIG_HOME: join(laptop, '.config') };
    delete env.BERTH_URL;
    delete env.BERTH_TOKEN;
    delete env.BERTH_CA_FILE;
    // This machine's environment names the system bundle for git, which would override http.sslCAInfo.
    delete env.GIT_SSL_CAINFO;
  });

  it('logs in at https://<BERTH_API_HOST> with the CA file, and deploys an example through the edge', async () => {
    const login = await berth(['login', API, '--token', TEST_TOKEN, '--ca-file', rootFile]);
    expect(login.code, login.stderr).toBe(0);
    const r = await berth(['deploy', copyExample('node-hello', 'from-laptop'), '--app', 'from-laptop']);
    expect(r.code, r.stderr).toBe(0);
    expect((await httpsGet(`from-laptop.${DOMAIN}`)).body).toBe('Hello from node-hello!\n');
  });

  it('deploys a git push over https to the remote berth git-remote prints', async () => {
    expect((await berth(['create', 'pushed'])).code).toBe(0);
    const remote = (await berth(['git-remote', 'pushed'])).stdout.split('\n')[0]!.trim();
    expect(remote).toBe(`${API}/git/default/pushed.git`);
    const repo = copyExample('python-hello', 'pushed-repo');
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'first']]) {
      expect((await run('git', args, { cwd: repo })).code).toBe(0);
    }
    const push = await git(['push', remote.replace('https://', `https://berth:${TEST_TOKEN}@`), 'main'], repo);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/remote: =====> pushed deployed/);
    expect((await httpsGet(`pushed.${DOMAIN}`)).body).toBe('Hello from python-hello!\n');
  });

  it('deploys on a GitHub-style signed webhook sent over https', async () => {
    const repos = join(work, 'repos');
    mkdirSync(repos, { recursive: true });
    const src = copyExample('python-hello', 'hooked-src');
    writeFileSync(join(src, 'app.py'), readFileSync(join(src, 'app.py'), 'utf8').replace('Hello from python-hello', 'Hello from a webhook'));
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'hook']]) {
      expect((await run('git', args, { cwd: src })).code).toBe(0);
    }
    const sha = (await run('git', ['rev-parse', 'HEAD'], { cwd: src })).stdout.trim();
    expect((await run('git', ['clone', '-q', '--bare', src, join(repos, 'hooked.git')])).code).toBe(0);
    const gitServer = await serveGit(repos);
    try {
      expect((await berth(['create', 'hooked'])).code).toBe(0);
      const hooks = (await berth(['webhooks', 'hooked'])).stdout;
      const url = /(https:\/\/\S+\/hooks\/github\/\S+)/.exec(hooks)?.[1];
      expect(url, hooks).toBe(`${API}/hooks/github/default/hooked`);
      const secret = /secret:\s+(\S+)/.exec(hooks)![1]!;
      const payload = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'github', 'push.json'), 'utf8')) as { after: string; repository: { clone_url: string } };
      payload.after = sha;
      payload.repository.clone_url = `${gitServer.url}/hooked.git`;
      const body = JSON.stringify(payload);
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      // Through the edge, as GitHub would send it: TLS for the API host, verified against pebble's root.
      const sent = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: TEST.httpsPort,
            method: 'POST',
            path: '/hooks/github/default/hooked',
            servername: `berth.${DOMAIN}`,
            ca: root,
            headers: { Host: `berth.${DOMAIN}`, 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': randomUUID(), 'X-Hub-Signature-256': signature },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(sent.status, sent.text).toBe(200);
      await expect.poll(async () => (await httpsGet(`hooked.${DOMAIN}`).catch(() => ({ body: '' }))).body, { timeout: 90_000, interval: 1000 }).toBe('Hello from a webhook!\n');
    } finally {
      await gitServer.close();
    }
  });
});
