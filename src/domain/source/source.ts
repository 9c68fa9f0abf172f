// Getting an app's source onto disk for a build: an uploaded tarball or a git ref, and reading
// what the source says about itself (its manifest, whether it has a Dockerfile).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import { Failed, Invalid, messageOf } from '../../errors.js';
import { MANIFEST_FILES, parseManifest, type Manifest } from '../apps/manifest.js';
import type { SourceFiles } from '../stacks/detect.js';

/** Unpacks a gzipped tarball into dir; node-tar refuses absolute paths and `..` escapes. */
export async function extractUpload(file: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  try {
    await tar.x({ file, cwd: dir, strict: true, preservePaths: false, noChmod: false });
  } catch (e) {
    throw Invalid(`the uploaded source is not a readable .tar.gz: ${messageOf(e)}`);
  }
}

/** The manifest found at the root of the source, or null when there is none. */
export function readManifest(dir: string): Manifest | null {
  for (const f of MANIFEST_FILES) {
    const p = join(dir, f);
    if (existsSync(p)) return parseManifest(readFileSync(p, 'utf8'), f);
  }
  return null;
}

/** A folder's files for stack detection: the text of a regular file, or null. */
export function folderFiles(dir: string): SourceFiles {
  return {
    read(rel) {
      const p = join(dir, rel);
      try {
        return statSync(p).isFile() ? readFileSync(p, 'utf8') : null;
      } catch {
        return null;
      }
    },
  };
}

/** The app's folder in the source: berth.yml `root:` for monorepos, else the top. */
export function appFolder(src: string, root: string | undefined): string {
  if (!root) return src;
  const dir = join(src, root);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw Failed(`berth.yml names root ${root}, but the source has no such folder`);
  return dir;
}
