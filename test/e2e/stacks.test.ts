// Builds without a Dockerfile: each example stack is detected, built from the generated
// Dockerfile and answers through the proxy; berth generate shows the same Dockerfile.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, bootServer, docker, PROXY, ROOT, run, shutdownServer, type TestServer } from '../helpers/berth.js';
import { get } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-stacks-'));

beforeAll(async () => {
  server = await bootServer();
});

afterAll(() => shutdownServer(server, work));

describe('deploying sources without a Dockerfile', () => {
  it.each([
    ['node-npm-dep', 'Node.js (npm)', 'node-npm-dep: is-number(42) is true\n'],
    ['node-build', 'Node.js (npm)', 'node-build: made by the build step\n'],
    ['python-stdlib', 'Python', 'python-stdlib: hello\n'],
    ['go-hello', 'Go', 'go-hello: hello from Go\n'],
    ['static-site', 'static site', '<h1>static-site: served by Berth</h1>'],
    // Issue 19: one main.go and no go.mod; Dokku's .static marker over the package.json beside it.
    ['go-nomod', 'Go', 'go-nomod: built without go.mod\n'],
    ['static-dotstatic', 'static site', '<h1>static-dotstatic: served because of .static</h1>'],
  ])('detects and deploys examples/%s', async (example, label, body) => {
    const dir = join(work, example);
    cpSync(join(ROOT, 'examples', example), dir, { recursive: true });
    const r = await server.cli(['deploy', dir]);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    expect(r.stdout).toContain(`detected ${label}: generated a Dockerfile`);
    expect((await get(`${PROXY}/`, { host: `${example}.localhost` })).body).toContain(body);
    // The user's directory is left as it was.
    expect(existsSync(join(dir, 'Dockerfile'))).toBe(false);
  });

  it('says in one build-log line that the base image has another Node.js than .nvmrc asks for, and builds with it', async () => {
    // The label `berth images bootstrap` records; base images made before it say "unknown".
    const label = (await docker('image', 'inspect', '--format', '{{index .Config.Labels "berth.runtime.version"}}', 'berth/node:bookworm')).stdout.trim();
    const major = Number(/^(\d+)\./.exec(label)?.[1] ?? 18);
    const asks = String(major === 20 ? 22 : 20);
    const dir = join(work, 'node-nvmrc');
    mkdirSync(dir);
    writeFileSync(join(dir, '.nvmrc'), `${asks}\n`);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'node-nvmrc', private: true, scripts: { start: 'node server.js' } }));
    writeFileSync(join(dir, 'server.js'), "require('node:http').createServer((q, s) => s.end(`node-nvmrc: ${process.version}\\n`)).listen(process.env.PORT);\n");
    const r = await server.cli(['deploy', dir]);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('node: app asks for'));
    const base = label ? `has ${label} — building with ${label}` : 'berth/node:bookworm does not record its version (berth images bootstrap records it) — building with it';
    expect(lines.map((l) => l.trim())).toEqual([`node: app asks for ${asks} (.nvmrc); this server's base image ${base}`]);
    expect((await get(`${PROXY}/`, { host: 'node-nvmrc.localhost' })).body).toContain(`node-nvmrc: v${label || ''}`);
  });

  it('runs the generated image as a non-root user', async () => {
    const r = await server.cli(['run', 'python-stdlib', '--', 'id', '-un']);
    expect(r.stdout.trim()).toBe('app');
  });
});

describe('berth generate', () => {
  it('prints the Dockerfile and docker-compose.yml, and writes them on request', async () => {
    const dir = join(work, 'gen');
    cpSync(join(ROOT, 'examples', 'node-npm-dep'), dir, { recursive: true });
    const printed = await run(process.execPath, [BIN, 'generate', dir, '--compose']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('# ---- Dockerfile');
    expect(printed.stdout).toContain('RUN npm ci --omit=dev');
    expect(printed.stdout).toContain('# ---- docker-compose.yml');
    const written = await run(process.execPath, [BIN, 'generate', dir, '--compose', '--write']);
    expect(written.stdout).toContain('wrote Dockerfile, .dockerignore, docker-compose.yml');
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toContain('USER app');
    expect(readFileSync(join(dir, 'docker-compose.yml'), 'utf8')).toContain('  gen:\n    build: .');
    const again = await run(process.execPath, [BIN, 'generate', dir, '--compose', '--write']);
    expect(again.code).toBe(2);
  });

  it('names what it looked for when it cannot tell the stack', async () => {
    const r = await run(process.execPath, [BIN, 'generate', join(ROOT, 'docs')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Berth looked for Dockerfile, berth.yml runtime:, .static, package.json');
  });
});
