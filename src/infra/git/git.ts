// The only door to the git binary: execFile with an argument array, never a shell string, and
// only the http(s) and ssh transports (plus local files when the caller says so). Git runs as
// nobody in particular: an empty HOME of its own, no system or global config, no credential
// helpers, no SSH agent or keys, so root's settings never apply to a URL a tenant chose.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Failed, Invalid } from '../../errors.js';

/** `-c` options before every command: the allowed transports, and no credential helper at all. */
export function gitArgs(args: string[], opts: { allowFile?: boolean } = {}): string[] {
  const allow = (t: string, on: boolean) => ['-c', `protocol.${t}.allow=${on ? 'always' : 'never'}`];
  return [
    ...['-c', 'protocol.allow=never', ...allow('https', true), ...allow('http', true), ...allow('ssh', true), ...allow('file', opts.allowFile === true)],
    // An empty value resets the list of helpers: none of root's (or the repository's) run.
    ...['-c', 'credential.helper='],
    ...args,
  ];
}

const shellWord = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** Variables of git's own that a hook passes on (the push's quarantine); config and ssh ones never. */
const KEPT_FROM_HOOK = /^GIT_(?!CONFIG|SSH|ASKPASS|TERMINAL_PROMPT|PROXY_COMMAND|EXEC_PATH|TEMPLATE_DIR|ATTR_NOSYSTEM)[A-Z0-9_]+$/;

export interface GitEnvParams {
  /** An empty directory Berth owns: git and ssh find no config, keys or credentials there. */
  home: string;
  /** Where ssh remembers host keys (first use accepted, changes refused); without it, ssh connects nowhere. */
  knownHosts?: string | undefined;
  /** In a hook: the environment git gave it, whose GIT_* variables (the quarantine) are kept. */
  inherit?: NodeJS.ProcessEnv | undefined;
  path?: string | undefined;
}

/** The whole environment of a git process (pure): nothing of root's HOME, config, agent or keys. */
export function gitEnv(p: GitEnvParams): Record<string, string> {
  const kept = Object.entries(p.inherit ?? {}).filter((e): e is [string, string] => KEPT_FROM_HOOK.test(e[0]) && typeof e[1] === 'string');
  const ssh = [
    'ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityFile=none -o IdentityAgent=none',
    p.knownHosts ? `-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${shellWord(p.knownHosts)}` : '-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null',
  ].join(' ');
  return {
    ...Object.fromEntries(kept),
    PATH: p.path ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: p.home,
    XDG_CONFIG_HOME: join(p.home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_SYSTEM: '/dev/null',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    SSH_ASKPASS: 'true',
    GIT_SSH_COMMAND: ssh,
    GIT_SSH_VARIANT: 'ssh',
  };
}

/**
 * Runs `fn` with a fresh empty HOME (0700, removed after): nothing any git run leaves there
 * reaches the next one, and nothing needs to be kept empty by hand.
 */
export async function withGitHome<T>(fn: (home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), 'berth-git-home-'));
  try {
    return await fn(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** A git URL as it may be shown or stored: `https://***@host/...` instead of a user and password. */
export function redactUrl(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s'"]*@/gi, '$1***@');
}

/**
 * Redacts URLs in `text`, and the password of `url` (or its user, which may be a token) wherever
 * it appears, raw or percent-decoded: git's messages do not always quote the URL whole.
 */
export function redactSecrets(text: string, url: string): string {
  let out = redactUrl(text);
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/\s]*)@/i.exec(url)?.[1];
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    const secret = colon >= 0 ? userinfo.slice(colon + 1) : userinfo;
    for (const s of new Set([secret, safeDecode(secret)])) if (s.length >= 4) out = out.replaceAll(s, '***');
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

interface GitOpts {
  cwd?: string;
  timeoutMs: number;
  env: Record<string, string>;
  allowFile?: boolean;
}

function git(args: string[], opts: GitOpts): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', gitArgs(args, { allowFile: opts.allowFile === true }), { cwd: opts.cwd, timeout: opts.timeoutMs, maxBuffer: 16 * 1024 * 1024, env: opts.env }, (err, stdout, stderr) => {
      if (err) {
        const msg = (stderr || err.message).trim().split('\n').filter(Boolean).slice(-2).join(' ');
        reject(new Error(err.killed ? `git timed out after ${opts.timeoutMs / 1000}s` : msg));
      } else resolve(stdout.trim());
    });
  });
}

export interface CloneParams {
  /** Checked by the caller (src/domain/deploys/source-policy.ts); may carry a user and password. */
  url: string;
  ref: string;
  dir: string;
  /** Local paths and file:// URLs: only for sources an admin gave. */
  allowFile: boolean;
  /** Berth's file of ssh host keys (see GitEnvParams.knownHosts). */
  knownHosts: string;
  timeoutMs?: number;
}

/**
 * Fetches `ref` of `url` into `dir` (created) and checks it out; returns the commit id. Errors
 * never carry the URL's user or password.
 */
export async function cloneRepo(p: CloneParams): Promise<string> {
  // The last guard before argv: nothing git could read as an option or a transport helper.
  if (p.url.startsWith('-') || p.url.includes('::') || p.ref.startsWith('-')) throw Invalid('git URL and ref must not start with - or name a transport helper');
  const timeoutMs = p.timeoutMs ?? 300_000;
  await mkdir(p.dir, { recursive: true });
  await mkdir(dirname(p.knownHosts), { recursive: true, mode: 0o700 });
  return withGitHome(async (home) => {
    const o: GitOpts = { cwd: p.dir, timeoutMs, env: gitEnv({ home, knownHosts: p.knownHosts, path: process.env.PATH }), allowFile: p.allowFile };
    try {
      await git(['init', '--quiet'], o);
      // `--` ends options: neither url nor ref can be read as a flag.
      await git(['fetch', '--quiet', '--depth', '1', '--', p.url, p.ref], o).catch(async () => {
        // Dumb-HTTP servers cannot serve shallow fetches; fetch everything instead.
        await git(['fetch', '--quiet', '--', p.url, p.ref], o);
      });
      await git(['checkout', '--quiet', '--detach', 'FETCH_HEAD'], o);
      return await git(['rev-parse', 'HEAD'], o);
    } catch (e) {
      throw Failed(`cannot fetch ${p.ref} from ${redactUrl(p.url)}: ${redactSecrets((e as Error).message, p.url)}`);
    }
  });
}

/**
 * Creates (or keeps) a bare repository at `dir` whose pre-receive hook is `hook` (a script's
 * text), so every push runs it before any ref moves.
 */
export async function ensureBareRepo(dir: string, hook: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await withGitHome(async (home) => {
    const o: GitOpts = { cwd: dir, timeoutMs: 30_000, env: gitEnv({ home, path: process.env.PATH }) };
    await git(['init', '--quiet', '--bare', '--initial-branch=main'], o);
    // Pushes that rewrite history are the user's call; deleting refs through Berth is not.
    await git(['config', 'receive.denyDeletes', 'true'], o);
  });
  await writeFile(join(dir, 'hooks', 'pre-receive'), hook, { mode: 0o755 });
}

/** Writes the tree of `commit` in the repository at `repoDir` as a .tar.gz to `file`. */
export async function archiveCommit(repoDir: string, commit: string, file: string): Promise<void> {
  if (!/^[0-9a-f]{40}$/.test(commit)) throw Invalid(`${JSON.stringify(commit.slice(0, 50))} is not a commit id`);
  // In a hook, git's own variables (the push's quarantined objects) must pass through.
  await withGitHome((home) => git(['archive', '--format=tar.gz', '-o', file, commit], { cwd: repoDir, timeoutMs: 300_000, env: gitEnv({ home, inherit: process.env, path: process.env.PATH }) }));
}
