import { describe, expect, it } from 'vitest';
import { detectStack, type DetectOptions, type SourceFiles } from './detect.js';
import { loadTemplates } from './templates.js';

const templates = loadTemplates();
const images = { base: 'berth/base:bookworm', node: 'berth/node:bookworm', python: 'berth/python:bookworm', go: 'berth/go:bookworm', static: 'berth/static:bookworm' };
const opts: DetectOptions = { images, port: 8080 };
const files = (map: Record<string, string>): SourceFiles => ({ read: (p) => map[p] ?? null, has: (p) => p in map, list: () => Object.keys(map).filter((p) => !p.includes('/')) });
const detect = (map: Record<string, string>, o: Partial<DetectOptions> = {}) => detectStack(files(map), templates, { ...opts, ...o });

describe('detectStack: the order', () => {
  it('uses a Dockerfile when there is one, whatever else is there', () => {
    expect(detect({ Dockerfile: 'FROM x', 'package.json': '{}' })).toEqual({ stack: 'dockerfile', label: 'Dockerfile', notes: [] });
  });

  it.each([
    [{ 'package.json': '{"scripts":{"start":"node s.js"}}' }, 'node'],
    [{ 'requirements.txt': '', 'app.py': '' }, 'python'],
    [{ 'pyproject.toml': '[project]\nname="x"', 'main.py': '' }, 'python'],
    [{ Procfile: 'web: gunicorn app:app' }, 'python'],
    [{ 'go.mod': 'module x' }, 'go'],
    [{ 'index.html': '<h1>hi</h1>' }, 'static'],
    [{ 'package.json': '{"main":"a.js"}', 'index.html': '' }, 'node'],
  ])('detects %j as %s', (map, stack) => {
    expect(detect(map).stack).toBe(stack);
  });

  it('lets berth.yml force the runtime', () => {
    expect(detect({ 'index.html': '', 'app.py': '' }, { runtime: 'python' }).stack).toBe('python');
  });

  it('fails before any build, listing what it looked for', () => {
    expect(() => detect({ 'README.md': '# hi' })).toThrow(/no known stack \(Berth looked for Dockerfile, berth\.yml runtime:, \.static, package\.json, requirements\.txt, pyproject\.toml, a Procfile running python, go\.mod, \.go files of package main, index\.html\)/);
  });
});

describe('detectStack: Node.js', () => {
  it('installs dependencies from the manifests before copying the source, as a non-root user', () => {
    const d = detect({ 'package.json': '{"scripts":{"start":"node server.js"}}', 'package-lock.json': '{}' }).dockerfile!;
    expect(d).toMatch(/COPY --chown=app package\.json package-lock\.json \.\/\nRUN npm ci --omit=dev\nCOPY --chown=app \. \./);
    expect(d).toContain('USER app');
    expect(d).toContain('ENV HOME=/app PORT=8080');
    expect(d).toContain('CMD ["sh","-c","exec node server.js"]');
  });

  it('with both package-lock.json and yarn.lock, uses npm and says so', () => {
    const p = detect({ 'package.json': '{"scripts":{"start":"x"}}', 'package-lock.json': '{}', 'yarn.lock': '' });
    expect(p.label).toBe('Node.js (npm)');
    expect(p.notes[0]).toMatch(/both package-lock\.json and yarn\.lock/);
  });

  it('uses yarn or pnpm by their lock file', () => {
    expect(detect({ 'package.json': '{"main":"a.js"}', 'yarn.lock': '' }).dockerfile).toContain('yarn@1 install --frozen-lockfile --production');
    expect(detect({ 'package.json': '{"main":"a.js"}', 'pnpm-lock.yaml': '' }).dockerfile).toContain('pnpm@8 install --frozen-lockfile --prod');
  });

  it('runs scripts.build with devDependencies, then prunes them', () => {
    const d = detect({ 'package.json': '{"scripts":{"build":"tsc","start":"node dist/a.js"}}', 'package-lock.json': '{}' }).dockerfile!;
    expect(d).toContain('RUN npm ci\n');
    expect(d).toContain('RUN npm run build && npm prune --omit=dev');
  });

  it('starts from the Procfile web: line (comments and inline comments ignored) before scripts.start', () => {
    const d = detect({ 'package.json': '{"scripts":{"start":"node a.js"}}', Procfile: '# web server\nweb: node web.js  # the web process\n' }).dockerfile!;
    expect(d).toContain('CMD ["sh","-c","exec node web.js"]');
  });

  it('runs a start command that already execs as written, not as `exec exec` (which the shell cannot find)', () => {
    const d = detect({ 'package.json': '{"main":"a.js"}' }, { start: 'exec node server.js' }).dockerfile!;
    expect(d).toContain('CMD ["sh","-c","exec node server.js"]');
  });

  it('keeps env assignments of a start command in front of exec', () => {
    expect(detect({ 'package.json': '{"main":"a.js"}' }, { start: 'NODE_ENV=production node server.js' }).dockerfile).toContain('CMD ["sh","-c","NODE_ENV=production exec node server.js"]');
  });

  it('falls back to main', () => {
    expect(detect({ 'package.json': '{"main":"lib/index.js"}' }).dockerfile).toContain('exec node lib/index.js');
  });

  it('fails when there is no start command, saying where it looked', () => {
    expect(() => detect({ 'package.json': '{"name":"x"}' })).toThrow(/no start command for this Node\.js app: Berth looked for .*scripts\.start and main in package\.json/);
  });

  it('follows engines.node when the image name asks for it, and otherwise hands the ask on to compare with the image', () => {
    const pkg = '{"main":"a.js","engines":{"node":">=20"}}';
    const followed = detect({ 'package.json': pkg }, { images: { ...images, node: 'node:{node}-slim' } });
    expect(followed.dockerfile).toContain('ARG BERTH_IMAGE_NODE=node:20-slim');
    expect(followed.version).toBeUndefined();
    const plain = detect({ 'package.json': pkg });
    expect(plain.notes).toEqual([]);
    expect(plain.version).toMatchObject({ ask: { runtime: 'node', asks: '>=20', source: 'package.json engines.node' }, image: 'berth/node:bookworm' });
  });

  it('follows .nvmrc when the image name asks for it', () => {
    expect(detect({ 'package.json': '{"main":"a.js"}', '.nvmrc': 'v20.11.1\n' }, { images: { ...images, node: 'node:{node}-slim' } }).dockerfile).toContain('ARG BERTH_IMAGE_NODE=node:20-slim');
  });

  it('refuses a package.json that is not JSON', () => {
    expect(() => detect({ 'package.json': '{nope' })).toThrow(/package\.json cannot be parsed/);
  });
});

describe('detectStack: Python, Go, static', () => {
  it('installs requirements into a virtualenv only when there are any', () => {
    expect(detect({ 'requirements.txt': '# none\n', 'app.py': '' }).dockerfile).not.toContain('pip install');
    const d = detect({ 'requirements.txt': 'flask==3.0\n', 'app.py': '' }).dockerfile!;
    expect(d).toMatch(/COPY --chown=app requirements\.txt \.\/\nRUN python3 -m venv \/app\/\.venv && pip install --no-cache-dir -r requirements\.txt/);
  });

  it('builds Go in two stages and runs the binary from the base image', () => {
    const d = detect({ 'go.mod': 'module x', 'go.sum': '' }).dockerfile!;
    expect(d).toContain('FROM ${BERTH_IMAGE_GO} AS build');
    expect(d).toContain('COPY go.mod go.sum ./');
    expect(d).toContain('COPY --from=build /out/app /usr/local/bin/app');
    expect(d).toContain('ARG BERTH_IMAGE_BASE=berth/base:bookworm');
  });

  it('builds a Go app without go.mod: go mod init in the build, no download step', () => {
    const p = detect({ 'main.go': 'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n' });
    expect(p.stack).toBe('go');
    expect(p.dockerfile).toContain('WORKDIR /src\nCOPY . .\nRUN go mod init app\nRUN CGO_ENABLED=0 go build');
    expect(p.dockerfile).not.toContain('go mod download');
    expect(p.notes).toEqual(['no go.mod: building as module "app" (go mod init), standard library only']);
  });

  it('keeps a Go app with go.mod as it was: manifests copied and downloaded first, no go mod init', () => {
    const d = detect({ 'go.mod': 'module x\n\ngo 1.19\n', 'main.go': 'package main' }).dockerfile!;
    expect(d).toContain('WORKDIR /src\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0');
    expect(d).not.toContain('RUN go mod init');
  });

  it.each([
    [{ 'server.go': '// Package main serves.\npackage main\n', 'util.go': 'package main' }, 'go'],
    [{ 'main.go': '/* a tool */\npackage main\n', 'main_test.go': 'package main' }, 'go'],
    [{ 'lib.go': 'package lib\n', 'index.html': '' }, 'static'],
    [{ 'main_test.go': 'package main' }, undefined],
  ])('tells a Go app without go.mod by `package main` at the root: %j', (map, stack) => {
    if (stack) expect(detect(map).stack).toBe(stack);
    else expect(() => detect(map)).toThrow(/no known stack/);
  });

  it('refuses a Go app without go.mod that imports a module, saying what to commit', () => {
    const src = 'package main\n\nimport (\n\t"fmt"\n\t// "example.com/old"\n\tr "github.com/go-chi/chi/v5"\n)\n';
    expect(() => detect({ 'main.go': src })).toThrow(/main\.go imports github\.com\/go-chi\/chi\/v5, but the app has no go\.mod/);
    expect(() => detect({ 'main.go': 'package main\nimport "golang.org/x/net/html"\n' })).toThrow(/imports golang\.org\/x\/net\/html/);
  });

  it('serves a site marked by .static (Dokku) as static, whatever else is there', () => {
    const others: Record<string, string>[] = [{ 'package.json': '{"main":"a.js"}' }, { 'requirements.txt': '', 'app.py': '' }, { 'main.go': 'package main' }, {}];
    for (const other of others) {
      const p = detect({ '.static': '', ...other });
      expect(p.stack).toBe('static');
      expect(p.dockerfile).toContain('COPY --chown=app . /srv/www');
    }
  });

  it('lets a Dockerfile and berth.yml runtime: win over .static', () => {
    expect(detect({ '.static': '', Dockerfile: 'FROM x' }).stack).toBe('dockerfile');
    expect(detect({ '.static': '', 'app.py': '' }, { runtime: 'python' }).stack).toBe('python');
  });

  it('serves a static site from the static image', () => {
    expect(detect({ 'index.html': '' }).dockerfile).toContain('COPY --chown=app . /srv/www');
  });

  it('fails a Python app with nothing to start', () => {
    expect(() => detect({ 'requirements.txt': '' })).toThrow(/no start command for this Python app/);
  });
});

describe('detectStack: commands go into the Dockerfile only as one line', () => {
  // berth.yml start:/build: are refused by its parser (manifest.test.ts); these come from the source's files.
  it.each([
    ['a Procfile web: line', { Procfile: 'web: node server.js\rRUN touch /x' }, /Procfile line 1: web must be one line without control characters/],
    ['package.json scripts.start', { 'package.json': JSON.stringify({ scripts: { start: 'node s.js\nUSER root' } }) }, /package\.json: scripts\.start must be one line without control characters/],
    ['package.json main', { 'package.json': JSON.stringify({ main: 's.js\x1b[2J' }) }, /package\.json: main must be one line without control characters/],
  ])('refuses a control character in %s', (_what, map, reason) => {
    expect(() => detect({ 'package.json': '{}', ...map })).toThrow(reason);
  });

  it('keeps ordinary one-line commands, quoted into CMD', () => {
    const d = detect({ 'package.json': JSON.stringify({ scripts: { start: 'node server.js --name "café"' } }) }).dockerfile!;
    expect(d).toContain('CMD ["sh","-c","exec node server.js --name \\"café\\""]');
  });
});
