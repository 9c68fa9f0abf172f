// Bounded input and per-owner quotas: uploads, unpacked sources, process types, apps and
// one-off runs each stop at their limit with a 4xx and a one-line reason, and leave nothing behind.
import { randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, containersNamed, ROOT, run, shutdownServer, TEST, TEST_TOKEN, type TestServer } from '../helpers/berth.js';
import { eventually } from '../helpers/http.js';

const MB = 1024 * 1024;
let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-limits-'));

beforeAll(async () => {
  server = await bootServer({ env: { BERTH_MAX_UPLOAD_MB: '3', BERTH_MAX_SOURCE_MB: '8', BERTH_MAX_PUSH_MB: '1', BERTH_MAX_CONTAINERS_PER_APP: '3', BERTH_QUOTA_RUNS: '1', BERTH_BUILD_PROCESSES: '64' } });
});

afterAll(() => shutdownServer(server, work));

interface Answer {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

/**
 * POSTs a body to the upload route with node:http: `size` bytes in one Content-Length body, or
 * (chunked) 256 KB chunks until the server answers. Resolves with the answer, however early.
 */
function upload(app: string, body: { bytes: Buffer } | { chunkedUpTo: number }, query = 'create=true'): Promise<Answer> {
  const u = new URL(`${server.url}/api/v1/apps/${app}/deploys/upload?${query}`);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${TEST_TOKEN}`, 'Content-Type': 'application/gzip' };
    if ('bytes' in body) headers['Content-Length'] = body.bytes.length;
    let answered = false;
    const req = request({ host: u.hostname, port: u.port, method: 'POST', path: `${u.pathname}${u.search}`, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Answer['body'] }));
    });
    // The server may cut the connection once it has answered; the answer is what counts.
    req.on('error', (e) => (answered ? undefined : reject(e)));
    if ('bytes' in body) {
      req.end(body.bytes);
      return;
    }
    const chunk = Buffer.alloc(256 * 1024, 7);
    let sent = 0;
    const more = () => {
      while (!answered && !req.destroyed && sent < body.chunkedUpTo) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', more);
      }
      if (!answered && !req.destroyed) req.end();
    };
    more();
  });
}

const uploadsLeft = () => (existsSync(join(server.dataDir, 'uploads')) ? readdirSync(join(server.dataDir, 'uploads')) : []);
const workLeft = () => (existsSync(join(server.dataDir, 'work')) ? readdirSync(join(server.dataDir, 'work')) : []);

/** The server's resident memory in bytes, from /proc. */
function serverRss(): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** A .tar.gz of one file of `bytes` zeros: about 1 MB per GB once compressed. */
async function gzipBomb(file: string, bytes: number): Promise<void> {
  const header = new tar.Header({ path: 'zeros', mode: 0o644, size: bytes, type: 'File', mtime: new Date(0) });
  header.encode();
  async function* tarStream() {
    yield header.block!;
    const zeros = Buffer.alloc(MB);
    for (let left = bytes; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    yield Buffer.alloc(512 - (bytes % 512 || 512) + 1024);
  }
  await pipeline(Readable.from(tarStream()), createGzip({ level: 9 }), createWriteStream(file));
}

async function tarball(files: Record<string, string>): Promise<Buffer> {
  const dir = mkdtempSync(join(work, 'src-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  await tar.c({ gzip: true, cwd: dir, file: `${dir}.tar.gz`, portable: true }, Object.keys(files));
  return readFileSync(`${dir}.tar.gz`);
}

function expectReason(a: Answer, status: number, reason: string | RegExp): void {
  expect(a.body.error?.message).toMatch(reason);
  expect(a.body.error?.message).not.toContain('\n');
  expect(a.status).toBe(status);
}

describe('upload size', () => {
  it('refuses an upload whose Content-Length is over the limit with 413, and keeps no file of it', async () => {
    const a = await upload('lim-big', { bytes: Buffer.alloc(4 * MB, 1) });
    expectReason(a, 413, 'the upload is over 3 MB, the most this server takes');
    expect(uploadsLeft()).toEqual([]);
    expect((await server.fetch('/api/v1/apps/lim-big')).status).toBe(404);
  });

  it('tells `berth deploy` of a source over the limit why it was refused', async () => {
    const dir = mkdtempSync(join(work, 'big-'));
    writeFileSync(join(dir, 'blob.bin'), randomBytes(4 * MB));
    writeFileSync(join(dir, 'Dockerfile'), 'ARG BERTH_IMAGE_BASE\nFROM ${BERTH_IMAGE_BASE}\n');
    const r = await server.cli(['deploy', dir, '--app', 'lim-cli']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the upload is over 3 MB, the most this server takes');
    expect(uploadsLeft()).toEqual([]);
  });

  it('stops a chunked upload at the limit with 413 and removes the part written (chunked bodies were unlimited)', async () => {
    const a = await upload('lim-chunked', { chunkedUpTo: 64 * MB });
    expectReason(a, 413, 'the upload is over 3 MB, the most this server takes');
    await eventually(async () => uploadsLeft(), (l) => l.length === 0, 5000);
    expect(uploadsLeft()).toEqual([]);
  });
});

describe('unpacked size', () => {
  it('stops a gzip bomb at the limit at once, leaves nothing in the work folder, and memory where it was', async () => {
    const bomb = join(work, 'bomb.tar.gz');
    await gzipBomb(bomb, 1024 * MB);
    const bytes = readFileSync(bomb);
    expect(bytes.length).toBeLessThan(3 * MB);
    const before = serverRss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, serverRss())), 20);
    const started = Date.now();
    const a = await upload('lim-bomb', { bytes }, 'create=true&wait=true').finally(() => clearInterval(sampler));
    expectReason(a, 422, 'the uploaded source is over 8 MB unpacked, the most this server takes');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(workLeft()).toEqual([]);
    expect(uploadsLeft()).toEqual([]);
    expect(peak - before).toBeLessThan(150 * MB);
    expect(serverRss() - before).toBeLessThan(100 * MB);
  }, 120_000);
});

describe('process types', () => {
  it('refuses a Procfile with more process types than allowed with 422, naming the limit (they all used to start)', async () => {
    const procfile = Array.from({ length: 25 }, (_, i) => `p${i}: sleep 1000`).join('\n');
    const a = await upload('lim-types', { bytes: await tarball({ Procfile: procfile, Dockerfile: 'ARG BERTH_IMAGE_BASE\nFROM ${BERTH_IMAGE_BASE}\n' }) }, 'create=true&wait=true');
    expectReason(a, 422, 'Procfile line 21: more than 20 process types; an app may declare at most 20');
    expect(await containersNamed(`${TEST.prefix}-default-lim-types-`)).toEqual([]);
  });
});

describe('per-owner quotas', () => {
  it("refuses an owner's app over its quota with 409 saying how to raise it, and takes it once an admin has", async () => {
    expect((await server.cli(['owners', 'create', 'quota-co'])).code).toBe(0);
    const set = await server.cli(['owners', 'quota', 'quota-co', '--apps', '1']);
    expect(set.stdout).toContain('quotas: apps 1, previews 10 (default), runs 1 (default)');
    const create = (name: string) => server.fetch('/api/v1/apps', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, owner: 'quota-co' }) });
    expect((await create('first')).status).toBe(201);
    const refused = await create('second');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as Answer['body']).error?.message).toBe('owner quota-co has 1 app, its limit; an admin can raise it: berth owners quota quota-co --apps 2');
    const cli = await server.cli(['create', 'second', '--owner', 'quota-co']);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toContain('owner quota-co has 1 app, its limit');
    expect((await server.cli(['owners', 'quota', 'quota-co', '--apps', '2'])).code).toBe(0);
    expect((await create('second')).status).toBe(201);
  });

  it('refuses a one-off run over the owner’s quota with 409 while one is going, and runs it once that one is done', async () => {
    const app = join(work, 'runner');
    cpSync(join(ROOT, 'examples', 'python-stdlib'), app, { recursive: true });
    const deployed = await server.cli(['deploy', app]);
    expect(deployed.code, deployed.stderr).toBe(0);
    // One run that holds on until it is aborted.
    const holder = new AbortController();
    const first = server.fetch('/api/v1/apps/runner/runs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: ['python3', '-c', 'import time; time.sleep(60)'] }),
      signal: holder.signal,
    });
    expect((await first).status).toBe(200);
    await eventually(() => containersNamed(`${TEST.prefix}-default-runner-`), (names) => names.some((n) => n.includes('-run-')), 20_000);
    const refused = await server.cli(['run', 'runner', '--', 'true']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('owner default has 1 one-off run going, its limit; an admin can raise it: berth owners quota default --runs 2');
    holder.abort();
    await eventually(() => containersNamed(`${TEST.prefix}-default-runner-`), (names) => !names.some((n) => n.includes('-run-')), 20_000);
    const ran = await server.cli(['run', 'runner', '--', 'true']);
    expect(ran.code, ran.stderr).toBe(0);
  }, 180_000);

  it('refuses to scale an app past the containers one app may run, naming the limit', async () => {
    const r = await server.cli(['scale', 'runner', 'web=4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('web=4 is 4 containers; an app may run at most 3');
    expect((await containersNamed(`${TEST.prefix}-default-runner-`)).length).toBe(1);
  });
});

describe('git push size', () => {
  it('refuses a push over the limit with a clear message, and stores nothing of it', async () => {
    expect((await server.cli(['create', 'pusher'])).code).toBe(0);
    const repo = mkdtempSync(join(work, 'push-'));
    const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo });
    await git('init', '-q', '-b', 'main');
    // Random bytes do not compress: the pack is about as big as the file.
    writeFileSync(join(repo, 'blob.bin'), randomBytes(3 * MB));
    writeFileSync(join(repo, 'Dockerfile'), 'ARG BERTH_IMAGE_BASE\nFROM ${BERTH_IMAGE_BASE}\n');
    await git('add', '.');
    await git('commit', '-q', '-m', 'big');
    const remote = `${server.url.replace('http://', `http://berth:${TEST_TOKEN}@`)}/git/default/pusher.git`;
    const push = await git('push', remote, 'main');
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('push refused: it is over 1 MB, the most this server takes');
    const bare = join(server.dataDir, 'git', 'default', 'pusher.git');
    const objects = await run('git', ['count-objects', '-v'], { cwd: bare });
    expect(objects.stdout).toMatch(/^count: 0$/m);
    expect(objects.stdout).toMatch(/^size-pack: 0$/m);
    expect((await run('git', ['for-each-ref'], { cwd: bare })).stdout.trim()).toBe('');
    const app = (await (await server.fetch('/api/v1/apps/pusher')).json()) as { latestDeployment: unknown };
    expect(app.latestDeployment).toBeNull();
  }, 60_000);
});

describe('build processes', () => {
  const cgroupsOfBuilds = () => (existsSync('/sys/fs/cgroup/pids/berth-builds') ? readdirSync('/sys/fs/cgroup/pids/berth-builds').filter((n) => n.startsWith(`${TEST.prefix}-`)) : []);

  it('stops a build step that starts more processes than a build may run, even as root, and leaves no cgroup behind', async () => {
    const dir = mkdtempSync(join(work, 'forks-'));
    // 200 processes at once in one RUN, as root: the nproc ulimit alone does not bind root.
    writeFileSync(join(dir, 'Dockerfile'), 'FROM berth/base:bookworm\nRUN for i in $(seq 1 200); do sleep 20 & done; wait; echo all-started\n');
    const r = await server.cli(['deploy', dir, '--app', 'forks']);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/fork|Resource temporarily unavailable/i);
    expect(out).not.toMatch(/^\s*all-started\s*$/m);
    expect(cgroupsOfBuilds()).toEqual([]);
  }, 120_000);

  it('lets a build within the limit run as before', async () => {
    const dir = mkdtempSync(join(work, 'fewforks-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM berth/python:bookworm\nRUN for i in $(seq 1 20); do sleep 1 & done; wait; echo all-started\nCMD python3 -m http.server $PORT\n');
    const r = await server.cli(['deploy', dir, '--app', 'fewforks']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/^\s*all-started\s*$/m);
    expect(cgroupsOfBuilds()).toEqual([]);
  }, 120_000);
});
