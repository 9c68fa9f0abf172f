// Packs an app directory into a .tar.gz for upload, honouring .gitignore and .dockerignore
// (and never sending .git), the way `git push` and `docker build` would see the source.
import ignore from 'ignore';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { create as createTar } from 'tar/create';
import { Invalid } from '../errors.js';

/**
 * Left out of every upload unless the app's .gitignore or .dockerignore brings them back (a
 * `!node_modules/` line): version control, installed dependencies and build caches, which the
 * build makes again. Like Heroku's, whose builds never see what `git push` does not send.
 */
export const DEFAULT_IGNORES = [
  '.git/',
  '.hg/',
  '.svn/',
  'node_modules/',
  'bower_components/',
  '.npm/',
  '.pnpm-store/',
  '.yarn/cache/',
  '.next/cache/',
  '.parcel-cache/',
  '.turbo/',
  '.venv/',
  '__pycache__/',
  '*.pyc',
  '.pytest_cache/',
  '.mypy_cache/',
  '.tox/',
  '.DS_Store',
];

export interface Packed {
  file: string;
  files: number;
  bytes: number;
  /** Paths left out only by DEFAULT_IGNORES (the topmost of each), for the deploy to say. */
  skipped: string[];
}

/** The ignore rules of `dir`: Berth's defaults, then .gitignore, then .dockerignore (later lines win). */
export function ignoreRules(dir: string): { all: ReturnType<typeof ignore>; own: ReturnType<typeof ignore> } {
  const all = ignore().add(DEFAULT_IGNORES);
  const own = ignore();
  for (const f of ['.gitignore', '.dockerignore']) {
    const p = join(dir, f);
    if (!existsSync(p)) continue;
    const text = readFileSync(p, 'utf8');
    all.add(text);
    own.add(text);
  }
  return { all, own };
}

async function walk(root: string, dir: string, rules: ReturnType<typeof ignoreRules>, out: string[], skipped: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    const rel = relative(root, abs).split(sep).join('/');
    const isDir = entry.isDirectory();
    const key = isDir ? `${rel}/` : rel;
    // .git is never sent, whatever an ignore file says.
    if (rel === '.git' || rel.startsWith('.git/')) continue;
    if (rules.all.ignores(key)) {
      if (!rules.own.ignores(key)) skipped.push(key);
      continue;
    }
    if (isDir) await walk(root, abs, rules, out, skipped);
    else out.push(rel);
  }
}

/**
 * Packs `dir` into a temporary .tar.gz; returns its path, file count and size in bytes. A
 * directory with nothing to send is refused (Invalid) before anything is written.
 */
export async function packDirectory(dir: string): Promise<Packed> {
  const files: string[] = [];
  const skipped: string[] = [];
  await walk(dir, dir, ignoreRules(dir), files, skipped);
  if (files.length === 0) {
    throw Invalid(`nothing to deploy: ${dir} is empty (or everything in it is ignored)`, { hint: 'deploy the folder that holds your app, e.g. `berth deploy path/to/app`' });
  }
  const file = join(tmpdir(), `berth-upload-${process.pid}-${Date.now()}.tar.gz`);
  await createTar({ gzip: true, cwd: dir, file, portable: true, follow: false }, files);
  return { file, files: files.length, bytes: (await stat(file)).size, skipped };
}

/** A size as people read it: "512 B", "14.2 KB", "33.4 MB", "1.2 GB" (powers of 1024). */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let n = bytes / 1024;
  let i = 0;
  while (n >= 1023.95 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(1)} ${units[i]}`;
}
