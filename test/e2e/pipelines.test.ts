// Deploys the way teams work: git push to the app's remote on Berth (log streamed back, a
// failed deploy rejects the push), signed GitHub webhooks (push, pull_request previews),
// previews that expire, promotion of the exact image, and the CI action's script.
import { createHmac, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, containersNamed, docker, PROXY, ROOT, run, shutdownServer, TEST, TEST_TOKEN, type TestServer } from '../helpers/berth.js';
import { serveGit } from '../helpers/git-http.js';
import { get } from '../helpers/http.js';

let server: TestServer;
let git: { url: string; close(): Promise<void> };
const scratch = mkdtempSync(join(tmpdir(), 'berth-pipe-'));
const work = join(scratch, 'work');
const repos = join(scratch, 'repos');
const bodyOf = async (host: string) => (await get(`${PROXY}/`, { host: `${host}.localhost` })).body;
const sh = (cmd: string, args: string[], cwd = work) => run(cmd, args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
const commit = async (msg: string) => {
  await sh('git', ['add', '-A']);
  await sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', msg]);
  return (await sh('git', ['rev-parse', 'HEAD'])).stdout.trim();
};
const setGreeting = (text: string) => writeFileSync(join(work, 'app.py'), readFileSync(join(ROOT, 'examples', 'python-hello', 'app.py'), 'utf8').replace('Hello from python-hello', text));

beforeAll(async () => {
  server = await bootServer({ env: { BERTH_PREVIEW_TTL_HOURS: '0.005' } });
  cpSync(join(ROOT, 'examples', 'python-hello'), work, { recursive: true });
  mkdirSync(repos);
  await sh('git', ['init', '-q', '-b', 'main']);
  await commit('first');
  expect((await server.cli(['create', 'shop'])).code).toBe(0);
});

afterAll(async () => {
  await git?.close();
  await shutdownServer(server, scratch);
});

describe('git push', () => {
  it('deploys a push to the deploy branch and streams the build log to the pusher', async () => {
    const remote = (await server.cli(['git-remote', 'shop'])).stdout.trim();
    // Local default (the internal CA, no redirect): the remote is the address the CLI used.
    expect(remote).toBe(`${server.url}/git/default/shop.git`);
    await sh('git', ['remote', 'add', 'berth', `${server.url.replace('http://', `http://berth:${TEST_TOKEN}@`)}/git/default/shop.git`]);
    const push = await sh('git', ['push', 'berth', 'main']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/remote: -----> deploying default\/shop from main at [0-9a-f]{12}/);
    expect(push.stderr).toMatch(/remote: =====> shop deployed in [\d.]+s/);
    expect(await bodyOf('shop')).toBe('Hello from python-hello!\n');
  });

  it('rejects a push whose build fails, keeps the old release serving and the branch where it was', async () => {
    const before = (await sh('git', ['ls-remote', 'berth', 'refs/heads/main'])).stdout.split('\t')[0];
    writeFileSync(join(work, 'Dockerfile'), `${readFileSync(join(work, 'Dockerfile'), 'utf8')}\nRUN echo broken build && exit 3\n`);
    await commit('broken');
    const push = await sh('git', ['push', 'berth', 'main']);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('broken build');
    expect(push.stderr).toMatch(/pre-receive hook declined/);
    expect((await sh('git', ['ls-remote', 'berth', 'refs/heads/main'])).stdout.split('\t')[0]).toBe(before);
    expect(await bodyOf('shop')).toBe('Hello from python-hello!\n');
    await sh('git', ['reset', '-q', '--hard', 'HEAD~1']);
  });

  it('refuses a push without a valid token', async () => {
    const push = await sh('git', ['push', `${server.url.replace('http://', 'http://berth:berth_wrong-token-000000000000000000000000@')}/git/default/shop.git`, 'main']);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/Authentication failed|401/);
  });
});

describe('GitHub webhooks', () => {
  let secret = '';
  let sha = '';
  const deliver = (event: string, payload: object, o: { delivery?: string; key?: string; app?: string } = {}) => {
    const body = JSON.stringify(payload);
    const signature = `sha256=${createHmac('sha256', o.key ?? secret).update(body).digest('hex')}`;
    return fetch(`${server.url}/hooks/github/default/${o.app ?? 'shop'}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': event, 'X-GitHub-Delivery': o.delivery ?? randomUUID(), 'X-Hub-Signature-256': signature },
      body,
    });
  };
  const pushPayload = () => {
    const p = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'github', 'push.json'), 'utf8')) as { after: string; ref: string; repository: { clone_url: string } };
    p.after = sha;
    p.repository.clone_url = `${git.url}/shop.git`;
    return p;
  };
  const deployments = async () => ((await (await server.fetch('/api/v1/apps/shop/deployments')).json()) as unknown[]).length;

  beforeAll(async () => {
    secret = /secret:\s+(\S+)/.exec((await server.cli(['webhooks', 'shop'])).stdout)![1]!;
    setGreeting('Hello from a webhook');
    sha = await commit('webhook');
    await run('git', ['clone', '-q', '--bare', work, join(repos, 'shop.git')]);
    git = await serveGit(repos);
  });

  it('deploys the pushed commit of a signed push event', async () => {
    const res = await deliver('push', pushPayload());
    expect(res.status).toBe(200);
    const out = (await res.json()) as { deployed: boolean; deploymentId: number };
    expect(out.deployed).toBe(true);
    const d = await (async () => {
      for (;;) {
        const r = (await (await server.fetch(`/api/v1/deployments/${out.deploymentId}`)).json()) as { status: string; reason: string | null };
        if (!['pending', 'starting'].includes(r.status)) return r;
        await new Promise((x) => setTimeout(x, 300));
      }
    })();
    expect(d.status, d.reason ?? '').toBe('running');
    expect(await bodyOf('shop')).toBe('Hello from a webhook!\n');
  });

  it('refuses a bad signature, a replayed delivery and an untracked branch without deploying', async () => {
    const count = await deployments();
    expect((await deliver('push', pushPayload(), { key: 'not-the-secret' })).status).toBe(401);
    const id = randomUUID();
    expect((await deliver('ping', { zen: 'Keep it logically awesome.' }, { delivery: id })).status).toBe(200);
    const replay = await deliver('push', pushPayload(), { delivery: id });
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toContain('replays are refused');
    const other = { ...pushPayload(), ref: 'refs/heads/feature' };
    const ignored = await deliver('push', other);
    expect(ignored.status).toBe(200);
    const answer = (await ignored.json()) as { deployed: boolean; message: string };
    expect(answer.deployed).toBe(false);
    expect(answer.message).toContain('not tracked');
    expect(await deployments()).toBe(count);
  });

  it('refuses a captured signed body replayed under a new delivery id', async () => {
    const count = await deployments();
    // The very body the first test delivered (and deployed), with a fresh X-GitHub-Delivery.
    const replay = await deliver('push', pushPayload(), { delivery: randomUUID() });
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toContain('replays are refused');
    expect(await deployments()).toBe(count);
  });

  it("limits bad signatures per app: they never hold up another app's deliveries, nor a valid one", async () => {
    expect((await server.cli(['create', 'noisy'])).code).toBe(0);
    const noisySecret = /secret:\s+(\S+)/.exec((await server.cli(['webhooks', 'noisy'])).stdout)![1]!;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await deliver('ping', { zen: `bad ${i}` }, { app: 'noisy', key: 'wrong' })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    // A correctly signed delivery to the same app from the same address still goes through.
    expect((await deliver('ping', { zen: 'good' }, { app: 'noisy', key: noisySecret })).status).toBe(200);
    // And the other app's hook never noticed.
    expect((await deliver('ping', { zen: 'unaffected' })).status).toBe(200);
  });

  it("deploys a fork's pull request as a preview without the app's config vars", async () => {
    expect((await server.cli(['config', 'set', 'shop', 'GREETING=Secret greeting'])).code).toBe(0);
    const p = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'github', 'pull_request.json'), 'utf8')) as {
      action: string;
      number: number;
      pull_request: { number: number; head: { sha: string; repo: { clone_url: string; full_name: string; fork?: boolean } } };
    };
    p.number = 7;
    p.pull_request.number = 7;
    p.pull_request.head.sha = sha;
    p.pull_request.head.repo = { ...p.pull_request.head.repo, clone_url: `${git.url}/shop.git`, full_name: 'stranger/Hello-World', fork: true };
    const opened = (await (await deliver('pull_request', p)).json()) as { deployed: boolean; app: string; message: string };
    expect(opened).toMatchObject({ deployed: true, app: 'default/shop-pr-7' });
    expect(opened.message).toContain('from a fork');
    await expect.poll(() => bodyOf('shop-pr-7'), { timeout: 60_000, interval: 500 }).toBe('Hello from a webhook!\n');
    const config = (await (await server.fetch('/api/v1/apps/default%2Fshop-pr-7/config')).json()) as { config: Record<string, string> };
    expect(config.config).toEqual({});
    await deliver('pull_request', { ...p, action: 'closed' });
    await expect.poll(() => containersNamed(`${TEST.prefix}-default-shop-pr-7-`), { timeout: 20_000, interval: 500 }).toEqual([]);
  });

  it('opens a preview with the parent config for a pull request, and removes it when closed', async () => {
    expect((await server.cli(['config', 'set', 'shop', 'GREETING=Preview greeting'])).code).toBe(0);
    const p = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'github', 'pull_request.json'), 'utf8')) as {
      action: string;
      number: number;
      pull_request: { number: number; head: { sha: string; repo: { clone_url: string } } };
    };
    p.pull_request.head.sha = sha;
    p.pull_request.head.repo.clone_url = `${git.url}/shop.git`;
    const opened = (await (await deliver('pull_request', p)).json()) as { deployed: boolean; app: string; deploymentId: number };
    expect(opened).toMatchObject({ deployed: true, app: 'default/shop-pr-2' });
    const wait = await server.cli(['status', 'shop-pr-2', '--json']);
    expect(wait.code).toBe(0);
    await expect.poll(() => bodyOf('shop-pr-2'), { timeout: 60_000, interval: 500 }).toBe('Preview greeting!\n');
    const closed = await deliver('pull_request', { ...p, action: 'closed' });
    expect(((await closed.json()) as { message: string }).message).toContain('destroyed');
    expect((await get(`${PROXY}/`, { host: 'shop-pr-2.localhost' })).status).toBe(404);
    expect(await containersNamed(`${TEST.prefix}-default-shop-pr-2-`)).toEqual([]);
  });
});

describe('previews from the command line', () => {
  it('deploys a branch pushed to the app remote as a preview, which expires by itself', async () => {
    await sh('git', ['checkout', '-q', '-b', 'feature']);
    setGreeting('Hello from a feature');
    await commit('feature');
    const push = await sh('git', ['push', 'berth', 'feature']);
    expect(push.stderr).toContain('not deployed (default/shop deploys pushes to main)');
    const created = await server.cli(['preview', 'create', 'shop', '--ref', 'feature']);
    expect(created.code, created.stderr).toBe(0);
    expect(await bodyOf('shop-pr-1')).toBe('Preview greeting!\n');
    expect(JSON.parse((await server.cli(['preview', 'list', 'shop', '--json'])).stdout)).toHaveLength(1);
    // BERTH_PREVIEW_TTL_HOURS is 18 seconds here.
    await expect.poll(async () => (await get(`${PROXY}/`, { host: 'shop-pr-1.localhost' })).status, { timeout: 60_000, interval: 1000 }).toBe(404);
    // The sweeper unroutes first, then stops the containers (SIGTERM, up to 10 s): wait for that stop.
    await expect.poll(() => containersNamed(`${TEST.prefix}-default-shop-pr-1-`), { timeout: 20_000, interval: 500 }).toEqual([]);
    await sh('git', ['checkout', '-q', 'main']);
  });
});

describe('promotion', () => {
  it("deploys staging's exact image to production, with production's config", async () => {
    expect((await server.cli(['create', 'shop-prod'])).code).toBe(0);
    expect((await server.cli(['config', 'set', 'shop-prod', 'GREETING=Production'])).code).toBe(0);
    expect((await server.cli(['pipeline', 'shop', 'shop-prod'])).stdout).toContain('shop -> default/shop-prod');
    const r = await server.cli(['promote', 'shop']);
    expect(r.code, r.stderr).toBe(0);
    expect(await bodyOf('shop-prod')).toBe('Production!\n');
    const imageOf = async (app: string) => {
      const [c] = await containersNamed(`${TEST.prefix}-default-${app}-`);
      return (await docker('inspect', '-f', '{{.Image}}', c!)).stdout.trim();
    };
    expect(await imageOf('shop-prod')).toBe(await imageOf('shop'));
    expect((await server.cli(['releases', 'shop-prod'])).stdout).toMatch(/promoted from shop v\d+/);
    expect((await server.cli(['pipeline', 'shop', '--clear'])).stdout).toContain('shop has no next stage');
  });

  it('refuses a promotion into a stage of an owner the caller may not deploy to', async () => {
    const mo = (await server.cli(['users', 'create', 'mo', '--role', 'member', '--owner', 'beta'])).stdout.trim();
    expect((await server.cli(['create', 'stage', '--owner', 'beta'])).code).toBe(0);
    // Linked earlier by an admin; mo is a member of beta only.
    expect((await server.cli(['pipeline', 'beta/stage', 'default/shop-prod'])).code).toBe(0);
    const before = (await server.cli(['releases', 'shop-prod', '--json'])).stdout;
    const r = await server.fetch('/api/v1/apps/beta%2Fstage/promote', { method: 'POST', token: mo });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain('may not deploy');
    expect((await server.cli(['releases', 'shop-prod', '--json'])).stdout).toBe(before);
  });
});

describe('the CI action', () => {
  it("deploys an image built in CI through Berth's API and reports the URL", async () => {
    const [c] = await containersNamed(`${TEST.prefix}-default-shop-prod-`);
    const image = (await docker('inspect', '-f', '{{.Config.Image}}', c!)).stdout.trim();
    // As a workflow would after `docker build` and `docker push`: an image tag the host has.
    expect((await docker('tag', image, `${TEST.prefix}/ci/shop:build-1`)).code).toBe(0);
    const outFile = join(scratch, 'github-output');
    writeFileSync(outFile, '');
    const env = { ...process.env, INPUT_BERTH_URL: server.url, INPUT_TOKEN: TEST_TOKEN, INPUT_APP: 'ci-shop', INPUT_IMAGE: `${TEST.prefix}/ci/shop:build-1`, INPUT_CREATE: 'true', GITHUB_OUTPUT: outFile };
    const r = await run(process.execPath, [join(ROOT, 'action', 'deploy.mjs')], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('deployed: http://ci-shop.localhost');
    expect(readFileSync(outFile, 'utf8')).toMatch(/^deployment=\d+\nurl=http:\/\/ci-shop\.localhost/);
    expect(await bodyOf('ci-shop')).toBe('Hello from a webhook!\n');
    const bad = await run(process.execPath, [join(ROOT, 'action', 'deploy.mjs')], { env: { ...env, INPUT_IMAGE: `${TEST.prefix}/ci/shop:missing` } });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('::error::');
    await docker('rmi', `${TEST.prefix}/ci/shop:build-1`);
  });
});
