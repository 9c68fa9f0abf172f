// Packs an app directory into a .tar.gz for upload, honouring .gitignore and .dockerignore
// (and never sending .git), the way `git push` and `docker build` would see the source.
import ignore from 'ignore';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { create as createTar } from 'tar/create';

async function walk(root: string, dir: string, ig: ReturnType<typeof ignore>, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    const rel = relative(root, abs).split(sep).join('/');
    if (rel === '.git' || rel.startsWith('.git/')) continue;
    const isDir = entry.isDirectory();
    if (ig.ignores(isDir ? `${rel}/` : rel)) continue;
    if (isDir) await walk(root, abs, ig, out);
    else out.push(rel);
  }
}

/** Packs `dir` into a temporary .tar.gz; returns its path, file count and size in bytes. */
export async function packDirectory(dir: string): Promise<{ file: string; files: number; bytes: number }> {
  const ig = ignore();
  for (const f of ['.gitignore', '.dockerignore']) {
    const p = join(dir, f);
    if (existsSync(p)) ig.add(readFileSync(p, 'utf8'));
  }
  const files: string[] = [];
  await walk(dir, dir, ig, files);
  const file = join(tmpdir(), `berth-upload-${process.pid}-${Date.now()}.tar.gz`);
  await createTar({ gzip: true, cwd: dir, file, portable: true, follow: false }, files.length > 0 ? files : []);
  return { file, files: files.length, bytes: (await stat(file)).size };
}
