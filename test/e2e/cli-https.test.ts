// The CLI used from another machine over https: `berth login https://… --ca-file`, commands
// through that login, the clear refusal of a certificate it cannot verify, the internal CA's
// root, and git remotes and webhook URLs at the public https address. The https server in front
// of the API is this test's own (a node https proxy with an openssl-made CA), not Berth's edge.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, bootServer, run, shutdownServer, TEST, TEST_TOKEN, type TestServer } from '../helpers/berth.js';
import { makeTestCa, type TestCa } from '../../src/domain/testing/test-ca.js';

let server: TestServer;
let proxy: Server;
let httpsUrl: string;
let ca: TestCa;
const scratch = mkdtempSync(join(tmpdir(), 'berth-cli-https-'));

/** A laptop user: no BERTH_URL/BERTH_TOKEN, HOME and config in their own folder. */
const laptop = (name: string): NodeJS.ProcessEnv => {
  const home = join(scratch, name);
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
  delete env.BERTH_URL;
  delete env.BERTH_TOKEN;
  delete env.BERTH_CA_FILE;
  return env;
};
const berth = (env: NodeJS.ProcessEnv, args: string[]) => run(process.execPath, [BIN, ...args], { cwd: env.HOME!, env, timeoutMs: 30_000 });

beforeAll(async () => {
  // https is the way in (as with acme): git remotes and webhook URLs name the edge's https host.
  server = await bootServer({ images: false, env: { BERTH_HTTPS_REDIRECT: 'true' } });
  ca = await makeTestCa(scratch);
  // Forwards every request and response (streams included) to the API on loopback.
  proxy = createServer({ cert: readFileSync(ca.certFile), key: readFileSync(ca.keyFile) }, (req, res) => {
    const up = httpRequest(`${server.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  httpsUrl = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  expect((await server.cli(['create', 'shop'])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await shutdownServer(server, scratch);
}, 120_000);

describe('berth over https', () => {
  const user = () => laptop('trusting');

  it('logs in with --ca-file (a relative path, stored absolute) and runs commands through that login', async () => {
    const env = user();
    mkdirSync(join(env.HOME!, 'certs'));
    const login = await run(process.execPath, [BIN, 'login', httpsUrl, '--token', TEST_TOKEN, '--ca-file', '../../ca.pem'], { cwd: join(env.HOME!, 'certs'), env });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`logged in to ${httpsUrl} as admin (admin), trusting ${ca.caFile}`);
    expect(JSON.parse(readFileSync(join(env.HOME!, '.config', 'berth', 'config.json'), 'utf8'))).toEqual({ url: httpsUrl, token: TEST_TOKEN, caFile: ca.caFile });
    const apps = await berth(env, ['apps']);
    expect(apps.code, apps.stderr).toBe(0);
    expect(apps.stdout).toMatch(/^shop\s+default\s/m);
  });

  it('prints the git remote at the public https address, and how to make git trust the CA', async () => {
    const r = await berth(user(), ['git-remote', 'shop']);
    expect(r.code, r.stderr).toBe(0);
    const origin = `https://berth.localhost:${TEST.httpsPort}`;
    expect(r.stdout.trim()).toBe(`${origin}/git/default/shop.git`);
    expect(r.stderr).toContain(`git config http.${origin}/.sslCAInfo ${ca.caFile}`);
    const hooks = await berth(user(), ['webhooks', 'shop']);
    expect(hooks.stdout).toContain(`github:  ${origin}/hooks/github/default/shop`);
  });

  it("prints the internal CA's root once the edge has made it, else says it has none yet", async () => {
    const r = await berth(user(), ['tls', 'ca']);
    const root = join(server.dataDir, 'caddy', 'pki', 'authorities', 'local', 'root.crt');
    if (r.code === 0) {
      expect(`${r.stdout.trim()}\n`).toBe(readFileSync(root, 'utf8').replace(/\n*$/, '\n'));
    } else {
      expect(existsSync(root)).toBe(false);
      expect(r.stderr).toContain('error: the internal CA has no root certificate yet');
    }
  });

  it('refuses a server certificate it cannot verify with the fix in words, not a stack trace', async () => {
    const env = laptop('untrusting');
    const login = await berth(env, ['login', httpsUrl, '--token', TEST_TOKEN]);
    expect(login.code).toBe(5);
    expect(login.stderr).toContain(`error: the Berth server at ${httpsUrl} presented a certificate this computer does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`);
    expect(login.stderr).toContain(`hint: if it uses Berth's internal CA, print its root on the server with \`berth tls ca > berth-ca.pem\`, copy that file here, then: berth login ${httpsUrl} --ca-file berth-ca.pem`);
    expect(login.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(env.HOME!, '.config', 'berth', 'config.json'))).toBe(false);
    const apps = await berth({ ...env, BERTH_URL: httpsUrl, BERTH_TOKEN: TEST_TOKEN }, ['apps']);
    expect(apps.code).toBe(5);
    expect(apps.stderr).toContain('--ca-file');
  });
});
