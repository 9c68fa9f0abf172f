// What a tenant can reach through a deploy's source: git runs with none of the server user's
// config or credentials; local git paths and other owners' images (by name, id or Dockerfile)
// are refused to members while admins keep them; a git URL's password is used for the clone
// and never stored or shown.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareRepoFrom, serveGit } from '../helpers/git-http.js';
import { bootServer, docker, PROXY, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';
import { get } from '../helpers/http.js';

const scratch = mkdtempSync(join(tmpdir(), 'berth-sources-'));
const home = join(scratch, 'home');
const repos = join(scratch, 'repos');
/** A repository only the server's user (root) may read: what no tenant should reach. */
const secretRepo = join(repos, 'secret.git');
const PASSWORD = 's3cret';

let server: TestServer;
let memberToken = '';
let alphaImage = '';
let git: { url: string; close(): Promise<void> };

function example(name: string, edit?: (dir: string) => void): string {
  const dir = join(scratch, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  cpSync(join(ROOT, 'examples', name), dir, { recursive: true });
  edit?.(dir);
  return dir;
}

const post = async (path: string, body: object, token?: string) => {
  const res = await server.fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), ...(token ? { token } : {}) });
  return { status: res.status, body: (await res.json()) as { error?: { message: string; hint?: string }; deployment?: { id: number; status: string; reason: string | null } } };
};
/** What an app answers at its first URL (the host form is the server's to choose). */
async function bodyOf(app: string, token?: string): Promise<{ status: number; body: string }> {
  const view = (await (await server.fetch(`/api/v1/apps/${encodeURIComponent(app)}`, token ? { token } : {})).json()) as { urls: string[] };
  return get(`${PROXY}/`, { host: new URL(view.urls[0]!).hostname });
}
const deployAs = (app: string, owner: string, source: object, token?: string) => post(`/api/v1/apps/${app}/deploys?create=true&owner=${owner}&wait=true`, source, token);

beforeAll(async () => {
  mkdirSync(home);
  mkdirSync(repos);
  await bareRepoFrom(
    example('python-hello', (d) => writeFileSync(join(d, 'app.py'), readFileSync(join(d, 'app.py'), 'utf8').replace('Hello from python-hello', "Hello from root's secret repo"))),
    'main',
    repos,
    'secret.git',
  );
  await bareRepoFrom(example('python-hello'), 'main', repos, 'private.git');
  // The server user's own git config: a URL rewrite to the secret repository, and a
  // credential helper that knows the private forge's password.
  writeFileSync(
    join(home, '.gitconfig'),
    `[url "file://${secretRepo}"]\n\tinsteadOf = https://127.0.0.1:9/x\n[credential]\n\thelper = "!f() { echo username=user; echo password=${PASSWORD}; }; f"\n`,
  );
  server = await bootServer({ env: { HOME: home } });
  git = await serveGit(repos, { password: PASSWORD });
  const created = await server.cli(['users', 'create', 'mo', '--role', 'member', '--owner', 'beta']);
  expect(created.code, created.stderr).toBe(0);
  memberToken = created.stdout.trim();
  // alpha's app, deployed by the admin: the image another tenant must not get at.
  const r = await server.cli(['deploy', example('python-hello'), '--app', 'aweb', '--owner', 'alpha']);
  expect(r.code, r.stderr).toBe(0);
  alphaImage = (await docker('images', '--format', '{{.Repository}}:{{.Tag}}', `${TEST.prefix}/alpha/aweb/*`)).stdout.trim().split('\n')[0]!;
  expect(alphaImage).toMatch(new RegExp(`^${TEST.prefix}/alpha/aweb/[0-9a-f]{12}:d\\d+$`));
}, 300_000);

afterAll(async () => {
  await git?.close();
  await shutdownServer(server, scratch);
});

describe("git runs with none of the server user's config", () => {
  it("does not follow a url.insteadOf from the server user's ~/.gitconfig to a local repository", async () => {
    const r = await deployAs('cfg', 'default', { git: { url: 'https://127.0.0.1:9/x', ref: 'main' } });
    expect(r.status).toBe(422);
    expect(r.body.error?.message).toMatch(/cannot fetch main from https:\/\/127\.0\.0\.1:9\/x/);
    expect((await get(`${PROXY}/`, { host: 'cfg.localhost' })).body).not.toContain('secret repo');
  });

  it("does not hand a member's git URL the server user's credential helper", async () => {
    const r = await deployAs('helped', 'beta', { git: { url: `${git.url}/private.git`, ref: 'main' } }, memberToken);
    expect(r.status).toBe(422);
    expect(r.body.error?.message).toMatch(/cannot fetch main from http:\/\/127\.0\.0\.1:\d+\/private\.git/);
  });
});

describe('local git paths', () => {
  it.each([() => secretRepo, () => `file://${secretRepo}`, () => join(server.dataDir, 'git', 'alpha', 'aweb.git')])('are refused to a member (%#)', async (url) => {
    const r = await deployAs('local', 'beta', { git: { url: url(), ref: 'main' } }, memberToken);
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toBe('local git paths are for admins');
    expect((await server.fetch('/api/v1/apps/beta%2Flocal', { token: memberToken })).status).toBe(404);
  });

  it('stay open to the admin', async () => {
    const r = await deployAs('adminlocal', 'default', { git: { url: secretRepo, ref: 'main' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await get(`${PROXY}/`, { host: 'adminlocal.localhost' })).body).toBe("Hello from root's secret repo!\n");
  });
});

describe("another owner's images", () => {
  it("refuses a member's deploy of another owner's image, by name, by id, by id prefix or through docker.io", async () => {
    const id = (await docker('image', 'inspect', '-f', '{{.Id}}', alphaImage)).stdout.trim();
    const hex = id.replace(/^sha256:/, '');
    for (const image of [alphaImage, `docker.io/${alphaImage}`, id, `sha256:${hex.slice(0, 12)}`, hex.slice(0, 12)]) {
      const r = await deployAs('stolen', 'beta', { image }, memberToken);
      expect(r.status, image).toBe(400);
      expect(r.body.error?.message, image).toMatch(/is not one of beta's images|through docker\.io|is an image id|not a valid image reference/);
      expect(r.body.error?.hint, image).toContain(`${TEST.prefix}/beta/<app>:<tag>`);
    }
  });

  it("lets a member deploy its own apps' images and its Dockerfiles built on Berth's base images", async () => {
    const built = await server.cli(['deploy', example('python-hello'), '--app', 'bweb', '--owner', 'beta'], { token: memberToken });
    expect(built.code, built.stderr + built.stdout).toBe(0);
    const own = (await docker('images', '--format', '{{.Repository}}:{{.Tag}}', `${TEST.prefix}/beta/bweb/*`)).stdout.trim().split('\n')[0]!;
    const r = await deployAs('bcopy', 'beta', { image: own }, memberToken);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await bodyOf('beta/bcopy', memberToken)).body).toBe('Hello from python-hello!\n');
  });

  it.each<[string, (img: string, id: string) => string]>([
    ['FROM it', (img) => `FROM ${img}\n`],
    ['FROM it through an ARG', (img) => `ARG BASE=${img}\nFROM \${BASE}\n`],
    ['FROM its id prefix', (_img, id) => `FROM ${id.replace(/^sha256:/, '').slice(0, 12)}\n`],
    ['COPY --from it', (img) => `ARG BERTH_IMAGE_PYTHON\nFROM \${BERTH_IMAGE_PYTHON}\nCOPY --from=${img} /app /stolen\n`],
    ['FROM it after a continued line', (img) => `ARG BERTH_IMAGE_PYTHON\nFROM \${BERTH_IMAGE_PYTHON} AS one\nRUN echo \\\n  hi\nFROM ${img}\n`],
  ])("refuses a member's Dockerfile that reads another owner's image: %s", async (_name, dockerfile) => {
    const id = (await docker('image', 'inspect', '-f', '{{.Id}}', alphaImage)).stdout.trim();
    const dir = example('python-hello', (d) => writeFileSync(join(d, 'Dockerfile'), dockerfile(alphaImage, id)));
    const r = await server.cli(['deploy', dir, '--app', 'bsteal', '--owner', 'beta'], { token: memberToken });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Dockerfile line \d+: (FROM|COPY --from) \S+: image \S+ (is not one of beta's images|is an image id)/);
    expect((await bodyOf('beta/bsteal', memberToken)).status).toBe(404);
  });
});

describe("a git URL's password", () => {
  it('is used for the clone and never stored or shown', async () => {
    const url = `http://user:${PASSWORD}@${git.url.replace('http://', '')}/private.git`;
    const ok = await deployAs('creds', 'beta', { git: { url, ref: 'main' } }, memberToken);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(JSON.stringify(ok.body)).not.toContain(PASSWORD);
    expect(JSON.stringify(ok.body)).toContain(`http://***@${git.url.replace('http://', '')}/private.git#main`);
    // A failing fetch: git's error travels into the deployment's reason and the log.
    const bad = await deployAs('creds', 'beta', { git: { url: url.replace('private.git', 'missing.git'), ref: 'main' } }, memberToken);
    expect(bad.status).toBe(422);
    expect(bad.body.error?.message).toContain('http://***@');

    const shown: string[] = [JSON.stringify(bad.body)];
    for (const args of [['deployments', 'beta/creds'], ['releases', 'beta/creds'], ['status', 'beta/creds']]) {
      const r = await server.cli(args, { token: memberToken });
      expect(r.code, r.stderr).toBe(0);
      shown.push(r.stdout, r.stderr);
    }
    for (const path of ['/api/v1/apps/beta%2Fcreds/builds', '/api/v1/apps/beta%2Fcreds/events', '/api/v1/apps/beta%2Fcreds/deployments', '/api/v1/apps/beta%2Fcreds/releases']) {
      const res = await server.fetch(path, { token: memberToken });
      expect(res.status, path).toBe(200);
      shown.push(await res.text());
    }
    const deployments = (await (await server.fetch('/api/v1/apps/beta%2Fcreds/deployments', { token: memberToken })).json()) as { id: number }[];
    expect(deployments).toHaveLength(2);
    for (const { id } of deployments) {
      const res = await server.fetch(`/api/v1/deployments/${id}/log`, { token: memberToken });
      expect(res.status).toBe(200);
      shown.push(await res.text());
    }
    const all = shown.join('\n');
    expect(all).toContain('http://***@');
    expect(all).not.toContain(PASSWORD);

    // Nothing Berth keeps (the database and its WAL, deploy logs) holds it either.
    const files = walk(server.dataDir);
    expect(files.some((f) => f.endsWith('berth.db'))).toBe(true);
    for (const f of files) expect(readFileSync(f).includes(PASSWORD), f).toBe(false);
    expect(server.output()).not.toContain(PASSWORD);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return [];
    return st.isDirectory() ? walk(p) : st.isFile() ? [p] : [];
  });
}
