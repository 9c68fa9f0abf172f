// What a tenant's text and files can do to the host and to an admin's terminal: nothing. App and
// build output reaches the admin without escape sequences; links in a source are never followed
// (not to write a generated Dockerfile, not to read a Procfile, app.json or root: folder); and
// a command with a newline never reaches a generated Dockerfile. Uploads and git sources differ:
// an upload's absolute links are refused as it is unpacked; a git checkout keeps them as they are.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, containersNamed, shutdownServer, TEST, type Run, type TestServer } from '../helpers/berth.js';
import { bareRepoFrom, serveGit } from '../helpers/git-http.js';

let server: TestServer;
let git: { url: string; close(): Promise<void> };
const work = mkdtempSync(join(tmpdir(), 'berth-host-safety-'));
/** A folder on the host outside every source: what a tenant's links point at. */
const outside = mkdtempSync(join(tmpdir(), 'berth-outside-'));
const repos = join(work, 'repos');

beforeAll(async () => {
  mkdirSync(repos);
  server = await bootServer();
  git = await serveGit(repos);
});

afterAll(async () => {
  await git?.close();
  // Also removes what deployed (hs-term; others too, should a refusal regress).
  await shutdownServer(server, work, outside);
});

/** A scratch source folder with these files; a value of { link } makes a symbolic link. */
function source(name: string, files: Record<string, string | { link: string }>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, v] of Object.entries(files)) {
    if (typeof v === 'string') writeFileSync(join(dir, f), v);
    else symlinkSync(v.link, join(dir, f));
  }
  return dir;
}

/** Deploys `files` as an upload (`berth deploy <dir>`) or from a git repository over http. */
async function deploy(how: 'upload' | 'git', app: string, files: Record<string, string | { link: string }>): Promise<Run> {
  const dir = source(`${app}-${how}`, files);
  if (how === 'upload') return server.cli(['deploy', dir, '--app', app]);
  await bareRepoFrom(dir, 'main', repos, `${app}.git`);
  return server.cli(['deploy', '--git', `${git.url}/${app}.git`, '--ref', 'main', '--app', app]);
}

const ESC = '\x1b';
const BEL = '\x07';
/** OSC 52 (write "evil" to the clipboard), clear the screen, cursor home: then a fake line. */
const ATTACK = '\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x1b[1;1H';

describe("a tenant's output cannot drive the admin's terminal", () => {
  const token = randomBytes(4).toString('hex');
  const app = 'hs-term';
  let deployOutput = '';

  beforeAll(async () => {
    const r = await server.cli([
      'deploy',
      source(app, {
        // The RUN line is new on every run, so the builder runs it (and prints) instead of using its cache.
        Dockerfile: `ARG BERTH_IMAGE_PYTHON\nFROM \${BERTH_IMAGE_PYTHON}\nRUN printf '\\033]52;c;ZXZpbA==\\007\\033[2Jbuild says hello ${token}\\n'\nCOPY app.py /srv/app.py\nCMD ["python3", "-u", "/srv/app.py"]\n`,
        'app.py': [
          'import os, sys',
          'from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer',
          `sys.stdout.write("${ATTACK}app says all is well\\n")`,
          'class H(BaseHTTPRequestHandler):',
          '    def do_GET(self):',
          '        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")',
          '    def log_message(self, *a): pass',
          'ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), H).serve_forever()',
          '',
        ].join('\n'),
      }),
    ]);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    deployOutput = r.stdout + r.stderr;
  });

  it('shows the build output of `berth deploy` without escape sequences', () => {
    expect(deployOutput).toContain(`build says hello ${token}`);
    expect(deployOutput).not.toContain(ESC);
    expect(deployOutput).not.toContain(BEL);
  });

  it('shows `berth logs` without escape sequences, keeping the text', async () => {
    let r: Run = { code: 1, stdout: '', stderr: '' };
    for (let i = 0; i < 50 && !r.stdout.includes('app says all is well'); i++) {
      r = await server.cli(['logs', app]);
      if (!r.stdout.includes('app says all is well')) await new Promise((res) => setTimeout(res, 200));
    }
    expect(r.stdout).toContain('app says all is well');
    expect(r.stdout + r.stderr).not.toContain(ESC);
    expect(r.stdout + r.stderr).not.toContain(BEL);
  });

  it("passes `berth run` output through without escape sequences", async () => {
    const r = await server.cli(['run', app, '--', 'python3', '-c', `import sys; sys.stdout.write("${ATTACK}run says hi\\n"); sys.stderr.write("${ATTACK}run warns\\n")`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('run says hi');
    expect(r.stdout + r.stderr).not.toContain(ESC);
    expect(r.stdout + r.stderr).not.toContain(BEL);
  });
});

describe("Berth does not follow links in a tenant's source", () => {
  it.each(['upload', 'git'] as const)('refuses a dangling Dockerfile link (%s) and writes nothing through it', async (how) => {
    const target = join(outside, `pwned-${how}`);
    const app = `hs-dockerfile-${how}`;
    const r = await deploy(how, app, { Dockerfile: { link: target }, 'package.json': '{"scripts":{"start":"node server.js"}}', 'server.js': '', 'index.html': '<h1>hi</h1>' });
    // Nothing written through the link (Berth runs as root), then a clear reason.
    expect(existsSync(target)).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Dockerfile is a symbolic link( out of the source)?; Berth does not follow links in sources/);
    expect(await containersNamed(`${TEST.prefix}-default-${app}-`)).toEqual([]);
  });

  it.each([
    ['upload', 'Procfile'],
    ['git', 'Procfile'],
    ['upload', 'app.json'],
    ['git', 'app.json'],
    ['git', 'berth.yml'],
  ] as const)('refuses (%s) a %s linked to /etc/passwd without showing the host file', async (how, file) => {
    const app = `hs-${file.replace('.', '')}-${how}`.toLowerCase();
    const r = await deploy(how, app, { [file]: { link: '/etc/passwd' }, 'index.html': '<h1>hi</h1>' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${file.replace('.', '\\.')} is a symbolic link( out of the source)?; Berth does not follow links in sources`));
    expect(r.stdout + r.stderr).not.toContain('root:x:0:0');
    const list = await server.cli(['deployments', app]);
    expect(list.stdout).toContain(`${file} is a symbolic link`);
    expect(list.stdout).not.toContain('root:x:0:0');
  });

  it('refuses a berth.yml root: that is a link to a folder on the host', async () => {
    mkdirSync(join(outside, 'site'));
    writeFileSync(join(outside, 'site', 'index.html'), '<h1>a host folder</h1>');
    const app = 'hs-root-link';
    const r = await deploy('git', app, { 'berth.yml': 'root: web\n', web: { link: join(outside, 'site') } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('berth.yml names root web, but web is a symbolic link; Berth does not follow links in sources');
    expect(await containersNamed(`${TEST.prefix}-default-${app}-`)).toEqual([]);
  });
});

describe('commands with control characters', () => {
  it('refuses a berth.yml start: with a newline before building, with a one-line reason', async () => {
    const app = 'hs-newline';
    const r = await deploy('upload', app, {
      'berth.yml': 'start: "node server.js\\nRUN touch /x"\n',
      'package.json': '{}',
      'server.js': 'require("http").createServer((q, s) => s.end("ok")).listen(process.env.PORT)\n',
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error: deploy #\d+ of hs-newline failed: berth\.yml: start must be one line without control characters$/m);
    expect(r.stdout).not.toContain('-----> building');
    const list = await server.cli(['deployments', app, '--json']);
    const [last] = JSON.parse(list.stdout) as { status: string; reason: string }[];
    expect(last).toMatchObject({ status: 'failed', reason: 'berth.yml: start must be one line without control characters' });
  });
});
