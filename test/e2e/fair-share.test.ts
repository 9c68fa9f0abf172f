// One tenant cannot stall the host: while one owner's builds never end and another's app logs
// without pause, a third owner's deploy completes in normal time; builds that never end hold at
// most part of the job slots and are stopped at their time limit (leaving no containers or
// dangling images behind), and a build that prints without pause keeps a deploy log of bounded size that says what it cut.
import { cpSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, docker, PROXY, ROOT, shutdownServer, type Run, type TestServer } from '../helpers/berth.js';
import { get } from '../helpers/http.js';

const TIMEOUT_S = 40;
let server: TestServer;
const scratch = mkdtempSync(join(tmpdir(), 'berth-fair-'));
const nonce = `${process.pid}-${Date.now()}`;

interface Row {
  id: number;
  status: string;
  reason: string | null;
}

/** A source whose build never ends, after a step that leaves an intermediate image. */
function neverEnding(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'Dockerfile'), `FROM berth/base:bookworm\nRUN echo ${name}-${nonce} > /stamp\nRUN sleep infinity\n`);
  return dir;
}

const list = async <T>(path: string): Promise<T[]> => {
  const r = await server.fetch(path);
  return r.ok ? ((await r.json()) as T[]) : [];
};
const builds = (app: string) => list<Row>(`/api/v1/apps/ana%2F${app}/builds`);
const deployments = (app: string) => list<Row>(`/api/v1/apps/${app}/deployments`);
/** The number of the last line carl's app wrote, from its log as `berth logs` reads it (0: none yet). */
async function lastChattyLine(): Promise<number> {
  const r = await server.fetch('/api/v1/apps/carl%2Fchatty/logs?tail=20');
  if (!r.ok) return 0;
  const { lines } = (await r.json()) as { lines: string[] };
  return Math.max(0, ...lines.map((l) => Number(/chatty line (\d+)/.exec(l)?.[1] ?? 0)));
}
const dangling = async () => new Set((await docker('images', '-q', '--no-trunc', '-f', 'dangling=true')).stdout.split('\n').filter(Boolean));

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let danglingBefore: Set<string>;
let slow: Promise<Run>[] = [];

beforeAll(async () => {
  server = await bootServer({ env: { BERTH_BUILD_TIMEOUT_SECONDS: String(TIMEOUT_S), BERTH_DEPLOY_LOG_MAX_MB: '1' } });
  danglingBefore = await dangling();
});

afterAll(async () => {
  // Without a build time limit (older servers) the server waits for its builds: do not wait.
  const kill = setTimeout(() => server?.proc.kill('SIGKILL'), 20_000);
  await shutdownServer(server, scratch);
  clearTimeout(kill);
  // A build cut short by that kill leaves its step images: remove what this suite made.
  const made = [...(await dangling())].filter((id) => !danglingBefore?.has(id));
  if (made.length > 0) await docker('rmi', ...made);
}, 60_000);

describe('job slots', () => {
  it("complete another owner's deploy in normal time while one owner's builds never end and a third owner's app logs without pause", async () => {
    // carl's app writes log lines without pause for the whole scenario.
    const source = join(scratch, 'carl-chatty');
    cpSync(join(ROOT, 'test', 'fixtures', 'chatty-app'), source, { recursive: true });
    const chatty = await server.cli(['deploy', source, '--app', 'chatty', '--owner', 'carl']);
    expect(chatty.code, chatty.stderr).toBe(0);
    await until("carl's app writes log lines", async () => (await lastChattyLine()) > 0, 30_000);
    const first = await lastChattyLine();

    slow = ['slow1', 'slow2'].map((app) => server.cli(['deploy', neverEnding(app), '--app', app, '--owner', 'ana']));
    // Either may reach the queue first: wait until one builds and the other is queued.
    const statuses = async () => Promise.all(['slow1', 'slow2'].map(async (app) => (await builds(app))[0]?.status));
    await until("one of ana's builds is building and the other queued", async () => {
      const [a, b] = await statuses();
      return a !== undefined && b !== undefined && (a === 'building' || b === 'building');
    }, 60_000);
    const started = Date.now();
    const dir = join(scratch, 'hello');
    cpSync(join(ROOT, 'examples', 'python-hello'), dir, { recursive: true });
    let done = false;
    const bob = server.cli(['deploy', dir, '--app', 'hello', '--owner', 'bob']).finally(() => (done = true));
    // While bob's deploy runs, carl's app keeps writing: the number of its last line, sampled.
    const during: number[] = [];
    const sampling = (async () => {
      while (!done) {
        during.push(await lastChattyLine().catch(() => 0));
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const outcome = await Promise.race([bob, new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), (TIMEOUT_S - 10) * 1000))]);
    done = true;
    await sampling;
    expect(outcome, "bob's deploy waited for ana's builds").not.toBe('stalled');
    expect((outcome as Run).code, (outcome as Run).stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan((TIMEOUT_S - 10) * 1000);
    console.log(`bob's deploy took ${((Date.now() - started) / 1000).toFixed(1)} s; carl's app wrote lines ${first}..${during.at(-1)} meanwhile (${during.length} samples)`);
    expect(during.length, "carl's log sampled during bob's deploy").toBeGreaterThanOrEqual(2);
    expect(during.at(-1)!, "carl's app wrote lines during bob's deploy").toBeGreaterThan(Math.max(first, during[0]!));
    expect((await deployments('bob%2Fhello'))[0]?.status).toBe('running');
    expect(await get(`${PROXY}/`, { host: 'hello--bob.localhost' })).toMatchObject({ status: 200, body: 'Hello from python-hello!\n' });

    // After: ana's builds are still going (one building, the other waiting for ana's slot), and
    // carl's app is still running, serving and writing.
    for (const status of await statuses()) expect(['pending', 'fetching', 'building']).toContain(status);
    expect((await deployments('carl%2Fchatty'))[0]?.status).toBe('running');
    expect(await get(`${PROXY}/`, { host: 'chatty--carl.localhost' })).toMatchObject({ status: 200, body: 'chatty\n' });
    const last = during.at(-1)!;
    await until("carl's app writes on", async () => (await lastChattyLine()) > last, 10_000);
    // Its output would only load the later tests: carl's app goes.
    const gone = await server.cli(['destroy', 'carl/chatty', '--yes']);
    expect(gone.code, gone.stderr).toBe(0);
  }, 150_000);
});

describe('build time limit', () => {
  it('stops a build that never ends, failing its deploy with the reason and leaving no containers or dangling images', async () => {
    expect(slow.length).toBe(2);
    const runs = await Promise.all(slow);
    for (const r of runs) {
      expect(r.code).not.toBe(0);
      expect(r.stderr + r.stdout).toContain(`build timed out after ${TIMEOUT_S} s`);
    }
    for (const app of ['slow1', 'slow2']) {
      const [d] = await deployments(`ana%2F${app}`);
      expect(d?.status).toBe('failed');
      expect(d?.reason).toContain(`build timed out after ${TIMEOUT_S} s`);
      // The step's container, named in the log, is gone.
      const log = (await (await server.fetch(`/api/v1/deployments/${d!.id}/log`)).json()) as { lines: string[] };
      const step = log.lines.map((l) => /Running in ([0-9a-f]{12})/.exec(l)?.[1]).filter(Boolean);
      expect(step.length).toBeGreaterThan(0);
      for (const id of step) expect((await docker('inspect', id!)).code, `container ${id} is still there`).not.toBe(0);
    }
    const sleeping = (await docker('ps', '-a', '--no-trunc', '--format', '{{.Command}}')).stdout.split('\n').filter((c) => c.includes('sleep infinity'));
    expect(sleeping).toEqual([]);
    const left = [...(await dangling())].filter((id) => !danglingBefore.has(id));
    expect(left).toEqual([]);
  }, 3 * TIMEOUT_S * 1000 + 60_000);
});

describe('deploy log', () => {
  it('keeps the log of a build printing without pause under its cap, with its head, its tail and the cut said', async () => {
    const dir = join(scratch, 'chatty');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Dockerfile'), `FROM berth/base:bookworm\nRUN echo ${nonce} && yes | head -c 50M\nRUN echo the last words && exit 3\n`);
    const r = await server.cli(['deploy', dir, '--app', 'chatty', '--owner', 'cleo']);
    expect(r.code).not.toBe(0);
    const [d] = await deployments('cleo%2Fchatty');
    expect(d?.status).toBe('failed');
    const size = statSync(join(server.dataDir, 'logs', `deployment-${d!.id}.log`)).size;
    expect(size).toBeLessThanOrEqual(1024 * 1024);
    const { lines } = (await (await server.fetch(`/api/v1/deployments/${d!.id}/log`)).json()) as { lines: string[] };
    expect(lines[0]).toContain(`deploy #${d!.id}`);
    expect(lines.some((l) => /^\.\.\. \d{6,} lines \(\d+ bytes\) cut \.\.\.$/.test(l))).toBe(true);
    expect(lines.slice(-20).join('\n')).toContain('the last words');
    // The CLI followed the same log: it printed the cut and the tail, not 50 MB.
    expect(r.stdout.length + r.stderr.length).toBeLessThan(2 * 1024 * 1024);
    expect(r.stdout + r.stderr).toMatch(/lines \(\d+ bytes\) cut/);
  }, 180_000);
});
