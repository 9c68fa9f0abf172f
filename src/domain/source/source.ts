// Getting an app's source onto disk for a build: an uploaded tarball or a git ref, and reading
// what the source says about itself (its manifest, whether it has a Dockerfile).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import { Failed, Invalid, messageOf } from '../../errors.js';
import { MANIFEST_FILES, parseManifest, type Manifest } from '../apps/manifest.js';

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

/** Throws Failed, listing what was looked for, when the source has no Dockerfile. */
export function requireDockerfile(dir: string): void {
  const p = join(dir, 'Dockerfile');
  if (!existsSync(p) || !statSync(p).isFile()) {
    throw Failed('no Dockerfile found in the source: Berth looked for ./Dockerfile at the root of the repository or directory', {
      hint: 'add a Dockerfile; stack detection for sources without one is planned',
    });
  }
}
