// The only door to the git binary: execFile with an argument array, never a shell string, and
// only the http(s), ssh and local-file transports allowed (`ext::` and the rest are refused).
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Failed, Invalid } from '../../errors.js';

const TRANSPORTS = ['-c', 'protocol.allow=never', '-c', 'protocol.https.allow=always', '-c', 'protocol.http.allow=always', '-c', 'protocol.ssh.allow=always', '-c', 'protocol.file.allow=always'];

/** Accepts https://, http://, ssh://, user@host:path and absolute local paths; throws Invalid otherwise. */
export function validateGitUrl(url: unknown): string {
  if (typeof url !== 'string' || url.trim() === '') throw Invalid('git URL is required');
  const u = url.trim();
  const reason = `git URL ${JSON.stringify(u.slice(0, 80))} is not allowed: use https://, http://, ssh://, user@host:path or an absolute local path`;
  if (u.length > 2048 || /[\s\0]/.test(u) || u.startsWith('-')) throw Invalid(reason);
  if (u.includes('::')) throw Invalid(reason); // transport::address (ext::, fd::) helpers
  if (/^(https?|ssh):\/\/[^/]/.test(u)) return u;
  if (/^file:\/\/\//.test(u)) return u;
  if (u.startsWith('/') && !u.includes('\\')) return u;
  if (/^[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:[^/]/.test(u) || /^[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:\//.test(u)) return u;
  throw Invalid(reason);
}

/** A branch, tag or commit: git's ref-name rules, and never something that reads as an option. */
export function validateGitRef(ref: unknown): string {
  if (typeof ref !== 'string' || ref === '') throw Invalid('git ref is required');
  if (ref.length > 255 || ref.startsWith('-') || ref.includes('..') || ref.endsWith('.lock') || ref.endsWith('/') || ref.endsWith('.') || !/^[A-Za-z0-9._/+-]+$/.test(ref)) {
    throw Invalid(`git ref ${JSON.stringify(ref.slice(0, 80))} is not a valid branch, tag or commit name`);
  }
  return ref;
}

function git(args: string[], opts: { cwd?: string; timeoutMs: number; keepEnv?: boolean }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...TRANSPORTS, ...args],
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        // In a hook, git's own environment (the push's quarantined objects) must pass through.
        env: { ...(opts.keepEnv ? process.env : {}), PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new' },
      },
      (err, stdout, stderr) => {
        if (err) {
          const msg = (stderr || err.message).trim().split('\n').filter(Boolean).slice(-2).join(' ');
          reject(new Error(err.killed ? `git timed out after ${opts.timeoutMs / 1000}s` : msg));
        } else resolve(stdout.trim());
      },
    );
  });
}

export interface CloneParams {
  url: string;
  ref: string;
  dir: string;
  timeoutMs?: number;
}

/** Fetches `ref` of `url` into `dir` (created) and checks it out; returns the commit id. */
export async function cloneRepo(p: CloneParams): Promise<string> {
  const url = validateGitUrl(p.url);
  const ref = validateGitRef(p.ref);
  const timeoutMs = p.timeoutMs ?? 300_000;
  await mkdir(p.dir, { recursive: true });
  try {
    await git(['init', '--quiet'], { cwd: p.dir, timeoutMs });
    // `--` ends options: neither url nor ref can be read as a flag.
    await git(['fetch', '--quiet', '--depth', '1', '--', url, ref], { cwd: p.dir, timeoutMs }).catch(async () => {
      // Dumb-HTTP servers cannot serve shallow fetches; fetch everything instead.
      await git(['fetch', '--quiet', '--', url, ref], { cwd: p.dir, timeoutMs });
    });
    await git(['checkout', '--quiet', '--detach', 'FETCH_HEAD'], { cwd: p.dir, timeoutMs });
    return await git(['rev-parse', 'HEAD'], { cwd: p.dir, timeoutMs });
  } catch (e) {
    throw Failed(`cannot fetch ${ref} from ${url}: ${(e as Error).message}`);
  }
}

/**
 * Creates (or keeps) a bare repository at `dir` whose pre-receive hook is `hook` (a script's
 * text), so every push runs it before any ref moves.
 */
export async function ensureBareRepo(dir: string, hook: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(['init', '--quiet', '--bare', '--initial-branch=main'], { cwd: dir, timeoutMs: 30_000 });
  // Pushes that rewrite history are the user's call; deleting refs through Berth is not.
  await git(['config', 'receive.denyDeletes', 'true'], { cwd: dir, timeoutMs: 30_000 });
  await writeFile(join(dir, 'hooks', 'pre-receive'), hook, { mode: 0o755 });
}

/** Writes the tree of `commit` in the repository at `repoDir` as a .tar.gz to `file`. */
export async function archiveCommit(repoDir: string, commit: string, file: string): Promise<void> {
  if (!/^[0-9a-f]{40}$/.test(commit)) throw Invalid(`${JSON.stringify(commit.slice(0, 50))} is not a commit id`);
  await git(['archive', '--format=tar.gz', '-o', file, commit], { cwd: repoDir, timeoutMs: 300_000, keepEnv: true });
}
