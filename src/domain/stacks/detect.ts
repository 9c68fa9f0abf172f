// Stack detection for sources without a Dockerfile, in this order: a Dockerfile is used as it
// is; else berth.yml `runtime:` decides; else a `.static` file (Dokku's marker) -> a static site;
// else package.json -> Node.js; requirements.txt, pyproject.toml or a Python Procfile -> Python;
// go.mod, or `package main` in .go files at the root -> Go; index.html -> a static site.
// The result is a Dockerfile rendered from the templates in templates/. Pure: it reads files
// through `SourceFiles` and never touches Docker.
import { Failed, Invalid } from '../../errors.js';
import { checkCommand } from '../apps/manifest.js';
import { parseProcfile } from '../apps/procfile.js';
import { startArgv } from '../apps/start-command.js';
import type { SourceFiles } from './source-files.js';
import { versionAsk, type VersionAsk } from './versions.js';

export type Runtime = 'node' | 'python' | 'go' | 'static';
export type Stack = 'dockerfile' | Runtime;

export type { SourceFiles } from './source-files.js';

export interface StackImages {
  base: string;
  node: string;
  python: string;
  go: string;
  static: string;
}

export interface DetectOptions {
  images: StackImages;
  /** berth.yml `runtime:` */
  runtime?: Runtime | undefined;
  /** berth.yml `start:`: the web command, over every other source. */
  start?: string | undefined;
  /** berth.yml `build:`: a build command, over package.json scripts.build. */
  build?: string | undefined;
  port: number;
}

export interface StackPlan {
  stack: Stack;
  /** e.g. "Node.js (npm)" */
  label: string;
  /** The Dockerfile to build with; absent for `dockerfile` (the source's own). */
  dockerfile?: string;
  /** Things the user should know (two lock files, a Go module made up for the build). */
  notes: string[];
  /** The runtime version the app asks for and the image it is built with, to compare (versions.ts). */
  version?: { ask: VersionAsk; image: string };
}

export const LOOKED_FOR = 'Dockerfile, berth.yml runtime:, .static, package.json, requirements.txt, pyproject.toml, a Procfile running python, go.mod, .go files of package main, index.html';

export type Templates = Record<'node' | 'python' | 'go' | 'static', string>;

/** A CMD in exec form that runs a shell command with exec, so the app gets signals. */
const shellCmd = (cmd: string) => JSON.stringify(startArgv(cmd));

/** Fills the {{PLACEHOLDERS}}; with dropEmpty, a line that is only a placeholder left empty goes. */
function render(template: string, values: Record<string, string>, dropEmpty = false): string {
  if (dropEmpty) template = template.replace(/^\{\{([A-Z_]+)\}\}\n/gm, (m, key: string) => (values[key] === '' ? '' : m));
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_m, key: string) => {
    if (!(key in values)) throw new Error(`template placeholder {{${key}}} has no value`);
    return values[key]!;
  });
}

const copyLine = (files: string[], chown: boolean) => (files.length === 0 ? '' : `COPY ${chown ? '--chown=app ' : ''}${files.join(' ')} ./`);

function procfileWeb(files: SourceFiles): string | undefined {
  const text = files.read('Procfile');
  return text === null ? undefined : parseProcfile(text).web;
}

/** Decides the stack and renders its Dockerfile; throws Failed listing what was looked for. */
export function detectStack(files: SourceFiles, templates: Templates, o: DetectOptions): StackPlan {
  if (files.has('Dockerfile')) return { stack: 'dockerfile', label: 'Dockerfile', notes: [] };
  // `.static` is Dokku's marker (its nginx buildpack): serve the files at the root, whatever else is there.
  const runtime = o.runtime ?? (files.has('.static') ? 'static' : guessRuntime(files));
  if (!runtime) {
    throw Failed(`cannot tell how to build this app: no Dockerfile, and no known stack (Berth looked for ${LOOKED_FOR})`, {
      hint: 'add a Dockerfile, or set runtime: node|python|go|static in berth.yml',
    });
  }
  switch (runtime) {
    case 'node':
      return node(files, templates.node, o);
    case 'python':
      return python(files, templates.python, o);
    case 'go':
      return go(files, templates.go, o);
    case 'static':
      return { stack: 'static', label: 'static site', notes: [], dockerfile: render(templates.static, { IMAGE: o.images.static, PORT: String(o.port) }) };
  }
}

function guessRuntime(files: SourceFiles): Runtime | undefined {
  if (files.has('package.json')) return 'node';
  if (files.has('requirements.txt') || files.has('pyproject.toml')) return 'python';
  const web = files.has('Procfile') ? procfileWeb(files) : undefined;
  if (web && /(^|\s|\/)(python3?|gunicorn|uvicorn|flask|django-admin|hypercorn|waitress-serve)(\s|$)/.test(web)) return 'python';
  if (files.has('go.mod') || goMainFile(files)) return 'go';
  if (files.has('index.html')) return 'static';
  return undefined;
}

interface PackageJson {
  main?: string;
  scripts?: Record<string, string>;
  engines?: { node?: string };
}

function node(files: SourceFiles, template: string, o: DetectOptions): StackPlan {
  let pkg: PackageJson;
  try {
    pkg = (JSON.parse(files.read('package.json') ?? '{}') ?? {}) as PackageJson;
  } catch (e) {
    throw Invalid(`package.json cannot be parsed: ${(e as Error).message}`);
  }
  const notes: string[] = [];
  const hasNpmLock = files.has('package-lock.json') || files.has('npm-shrinkwrap.json');
  const hasYarnLock = files.has('yarn.lock');
  const hasPnpmLock = files.has('pnpm-lock.yaml');
  let pm: 'npm' | 'yarn' | 'pnpm' = 'npm';
  if (hasNpmLock) {
    pm = 'npm';
    if (hasYarnLock || hasPnpmLock) notes.push(`both package-lock.json and ${hasYarnLock ? 'yarn.lock' : 'pnpm-lock.yaml'} are present: using npm; delete the lock file you do not use`);
  } else if (hasYarnLock) pm = 'yarn';
  else if (hasPnpmLock) pm = 'pnpm';

  const build = o.build ?? (pkg.scripts?.build ? `${pm === 'npm' ? 'npm' : pm === 'yarn' ? 'npx --yes yarn@1' : 'npx --yes pnpm@8'} run build` : undefined);
  const lockfile = { npm: hasNpmLock ? (files.has('package-lock.json') ? 'package-lock.json' : 'npm-shrinkwrap.json') : '', yarn: 'yarn.lock', pnpm: 'pnpm-lock.yaml' }[pm];
  const prod = !build; // a build step needs devDependencies; they are pruned after it
  const install = {
    npm: hasNpmLock ? `npm ci${prod ? ' --omit=dev' : ''}` : `npm install${prod ? ' --omit=dev' : ''}`,
    yarn: `npx --yes yarn@1 install --frozen-lockfile${prod ? ' --production' : ''}`,
    pnpm: `npx --yes pnpm@8 install --frozen-lockfile${prod ? ' --prod' : ''}`,
  }[pm];
  const manifests = ['package.json', ...(lockfile ? [lockfile] : []), ...(files.has('.npmrc') ? ['.npmrc'] : [])];

  const start = o.start ?? procfileWeb(files) ?? packageStart(pkg) ?? (files.has('server.js') ? 'node server.js' : files.has('index.js') ? 'node index.js' : undefined);
  if (!start) {
    throw Failed('no start command for this Node.js app: Berth looked for start: in berth.yml, a Procfile web: line, scripts.start and main in package.json, server.js and index.js', {
      hint: 'add "start": "node server.js" to the scripts in package.json',
    });
  }

  let image = o.images.node;
  const ask = versionAsk(files, 'node', typeof pkg.engines?.node === 'string' ? pkg.engines.node : undefined);
  // An image name with {node} (BERTH_IMAGE_NODE=node:{node}-slim) follows the major the app asks for.
  const major = ask && /(\d+)/.exec(ask.range ?? ask.asks)?.[1];
  const followed = image.includes('{node}') && major;
  if (followed) image = image.replace('{node}', major);
  return {
    stack: 'node',
    label: `Node.js (${pm})`,
    notes,
    ...(ask && !followed ? { version: { ask, image } } : {}),
    dockerfile: render(template, {
      PM: pm,
      IMAGE: image,
      PORT: String(o.port),
      COPY_MANIFESTS: copyLine(manifests, true),
      INSTALL: install,
      BUILD: build ? `RUN ${build}${pm === 'npm' ? ' && npm prune --omit=dev' : ''}` : '',
      START: shellCmd(start),
    }),
  };
}

/** package.json's start command: scripts.start, else `node <main>`; refused when not one line. */
function packageStart(pkg: PackageJson): string | undefined {
  if (pkg.scripts?.start) return checkCommand(String(pkg.scripts.start), 'package.json: scripts.start');
  if (pkg.main) return `node ${checkCommand(String(pkg.main), 'package.json: main')}`;
  return undefined;
}

function python(files: SourceFiles, template: string, o: DetectOptions): StackPlan {
  const requirements = (files.read('requirements.txt') ?? '')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  const hasPyproject = files.has('pyproject.toml');
  const install = ['python3 -m venv /app/.venv'];
  if (requirements.length > 0) install.push('pip install --no-cache-dir -r requirements.txt');
  const start =
    o.start ?? procfileWeb(files) ?? ['app.py', 'main.py', 'server.py', 'wsgi.py'].map((f) => (files.has(f) ? `python3 ${f}` : undefined)).find(Boolean);
  if (!start) {
    throw Failed('no start command for this Python app: Berth looked for start: in berth.yml, a Procfile web: line, app.py, main.py, server.py and wsgi.py', {
      hint: 'add a Procfile with a line such as "web: python3 app.py"',
    });
  }
  const notes = hasPyproject && requirements.length === 0 ? ['pyproject.toml found: its dependencies are installed with the source (pip install .) after the copy'] : [];
  let dockerfile = render(template, {
    IMAGE: o.images.python,
    PORT: String(o.port),
    COPY_MANIFESTS: copyLine(requirements.length > 0 ? ['requirements.txt'] : [], true),
    INSTALL: install.join(' && '),
    START: shellCmd(start),
  });
  if (hasPyproject && requirements.length === 0) dockerfile = dockerfile.replace('COPY --chown=app . .\n', 'COPY --chown=app . .\nRUN pip install --no-cache-dir --no-build-isolation .\n');
  const ask = versionAsk(files, 'python');
  return { stack: 'python', label: 'Python', notes, dockerfile, ...(ask ? { version: { ask, image: o.images.python } } : {}) };
}

function go(files: SourceFiles, template: string, o: DetectOptions): StackPlan {
  const hasMod = files.has('go.mod');
  const notes: string[] = [];
  if (!hasMod) {
    // Without go.mod the build makes one up (`go mod init`), which is enough for the standard
    // library; a third-party import would need a download the build cannot do: say so now.
    const main = goMainFile(files);
    const foreign = main ? goImports(files.read(main) ?? '').find((i) => i.split('/')[0]!.includes('.')) : undefined;
    if (foreign) {
      throw Failed(`${main} imports ${foreign}, but the app has no go.mod: without one Berth builds Go apps that use the standard library only`, {
        hint: 'run `go mod init <name> && go mod tidy` and commit go.mod and go.sum',
      });
    }
    notes.push('no go.mod: building as module "app" (go mod init), standard library only');
  }
  const manifests = hasMod ? ['go.mod', ...(files.has('go.sum') ? ['go.sum'] : [])] : [];
  const ask = hasMod ? versionAsk(files, 'go') : undefined;
  return {
    stack: 'go',
    label: 'Go',
    notes,
    ...(ask ? { version: { ask, image: o.images.go } } : {}),
    dockerfile: render(template, {
      IMAGE: o.images.go,
      RUNTIME_IMAGE: o.images.base,
      PORT: String(o.port),
      COPY_MANIFESTS: copyLine(manifests, false),
      DOWNLOAD: hasMod ? 'RUN go mod download' : '',
      MOD_INIT: hasMod ? '' : 'RUN go mod init app',
      START: o.start ? shellCmd(o.start) : JSON.stringify(['app']),
    }, true),
  };
}

/**
 * The .go file at the root that says `package main` (main.go first), when there is no go.mod.
 * Go keeps one package per folder, so one file tells for all of them.
 */
function goMainFile(files: SourceFiles): string | undefined {
  const sources = files
    .list()
    .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))
    .sort((a, b) => (a === 'main.go' ? -1 : b === 'main.go' ? 1 : a.localeCompare(b)));
  const first = sources[0];
  return first && /^package\s+main\b/m.test(stripGoComments(files.read(first) ?? '')) ? first : undefined;
}

const stripGoComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

/** The import paths of a Go file (single and grouped imports). */
function goImports(src: string): string[] {
  const code = stripGoComments(src);
  const paths: string[] = [];
  for (const m of code.matchAll(/^import\s*(?:\(([^)]*)\)|([^\n]*))/gm)) {
    for (const q of (m[1] ?? m[2] ?? '').matchAll(/"([^"]+)"|`([^`]+)`/g)) paths.push(q[1] ?? q[2]!);
  }
  return paths;
}
