// Getting an app's source onto disk for a build: an uploaded tarball or a git ref, and reading
// what the source says about itself (its manifest, whether it has a Dockerfile).
// A source is the tenant's: Berth reads and writes its files without following symbolic links
// (a link named Procfile or Dockerfile could point anywhere on the host, and Berth runs as root).
import { closeSync, constants, createReadStream, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, writeSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { join, sep } from 'node:path';
import * as tar from 'tar';
import { BerthError, Failed, Invalid, messageOf, TooLarge } from '../../errors.js';
import { MANIFEST_FILES, parseManifest, type Manifest } from '../apps/manifest.js';
import type { SourceFiles } from '../stacks/detect.js';

/** The most Berth reads of one file it interprets (manifests, Procfile, package.json). */
export const SOURCE_FILE_MAX_BYTES = 1024 * 1024;

export interface SourceLimits {
  /** Bytes of the unpacked tar stream (headers included): what an upload may grow to on disk. */
  maxBytes: number;
  /** Entries (files, folders, links) the source may hold. */
  maxFiles: number;
}

/**
 * Unpacks a gzipped tarball into dir; node-tar refuses absolute paths, `..` escapes and links
 * out of dir. Not in strict mode: that rejects at the first problem while entries are still being
 * written, and the caller's clean-up of dir then fails on them. Problems are collected instead,
 * and the upload refused once nothing is being written any more.
 *
 * The tarball is inflated here, chunk by chunk, and the unpacker is fed only as fast as it
 * writes to disk, so memory stays flat whatever the source unpacks to. A source over `limits`
 * (by an entry's declared size, its count, or the bytes inflated) stops at once: nothing more
 * is inflated, the files already open are closed, dir is removed, and the upload is refused
 * (TooLarge) naming the limit.
 */
export async function extractUpload(file: string, dir: string, limits: SourceLimits = DEFAULT_SOURCE_LIMITS): Promise<void> {
  await mkdir(dir, { recursive: true });
  const problems: { code: string; message: string; data: Record<string, unknown> }[] = [];
  let over: BerthError | undefined;
  let declared = 0;
  let entries = 0;
  const tooBig = () => TooLarge(`the uploaded source is over ${mb(limits.maxBytes)} unpacked, the most this server takes`, { hint: TOO_LARGE_HINT });
  const unpack = new tar.Unpack({
    cwd: dir,
    strict: false,
    preservePaths: false,
    // What tar.x({ noChmod: false }) meant: modes as the archive gives them.
    chmod: true,
    // Berth inflates the stream itself (below, counted); node-tar must decompress nothing it finds.
    zstd: false,
    brotli: false,
    onwarn: (code, message, data) => problems.push({ code, message, data }),
    // Called with each entry's header, before its body: a declared size over the limit is
    // refused before a byte of it is written.
    filter: (_path, entry) => {
      if (over) return false;
      entries++;
      declared += 'size' in entry && typeof entry.size === 'number' ? entry.size : 0;
      if (entries > limits.maxFiles) over = TooLarge(`the uploaded source has more than ${limits.maxFiles} files, the most this server takes`, { hint: TOO_LARGE_HINT });
      else if (declared > limits.maxBytes) over = tooBig();
      return over === undefined;
    },
  });
  const unpacked = new Promise<void>((resolve) => {
    // 'close' comes once every entry is written and its file closed (also after errors).
    unpack.on('close', () => resolve());
    unpack.on('error', (e: Error) => problems.push({ code: (e as { code?: string }).code ?? '', message: e.message, data: e as unknown as Record<string, unknown> }));
  });
  let inflated = 0;
  // pipeline() rejects with an AbortError when its last step throws: keep the reason here.
  let refused: Error | undefined;
  try {
    await pipeline(createReadStream(file), createGunzip(), async (tarStream: AsyncIterable<Buffer>) => {
      for await (const chunk of tarStream) {
        // node-tar would inflate a gzip inside the gzip itself, out of this loop's count.
        if (inflated === 0 && chunk[0] === 0x1f && chunk[1] === 0x8b) throw (refused = new Error('it is compressed twice'));
        inflated += chunk.length;
        if (!over && inflated > limits.maxBytes) over = tooBig();
        if (over) throw over;
        if (!unpack.write(chunk)) await new Promise((r) => unpack.once('drain', r));
      }
    });
  } catch (e) {
    if (!over) problems.push({ code: '', message: messageOf(refused ?? e), data: {} });
  }
  // Ends a source cut short too: the entry being written is closed where it stopped.
  unpack.end();
  await unpacked;
  if (over) {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    throw over;
  }
  const first = problems[0];
  if (!first) return;
  // A link that is absolute or climbs out of the source: say so plainly.
  const entry = first.data.entry as { path?: unknown; type?: unknown } | undefined;
  if (first.data.linkpath !== undefined && (entry?.type === 'SymbolicLink' || entry?.type === 'Link') && typeof entry.path === 'string') {
    const kind = entry.type === 'SymbolicLink' ? 'a symbolic link' : 'a hard link';
    throw Invalid(`${entry.path.slice(0, 200)} is ${kind} out of the source; Berth does not follow links in sources`);
  }
  throw Invalid(`the uploaded source is not a readable .tar.gz: ${first.code ? `${first.code}: ` : ''}${first.message}`);
}

/** Generous enough for any real source; the server passes its configured limits. */
export const DEFAULT_SOURCE_LIMITS: SourceLimits = { maxBytes: 2048 * 1024 * 1024, maxFiles: 100_000 };
const TOO_LARGE_HINT = 'leave build output and dependencies out (.gitignore/.dockerignore), or an admin can raise BERTH_MAX_SOURCE_MB / BERTH_MAX_SOURCE_FILES';
const mb = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.ceil(bytes / 1024)} KB`);

const linkRefused = (rel: string) => Invalid(`${rel} is a symbolic link; Berth does not follow links in sources`, { hint: `replace ${rel} with the file itself` });
const errnoOf = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** What is at `dir/rel`, looked at without following a link; null when nothing is. */
export function sourceEntry(dir: string, rel: string): 'file' | 'directory' | 'link' | 'other' | null {
  let st;
  try {
    st = lstatSync(join(dir, rel));
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return null;
    throw Failed(`cannot look at ${rel} in the source (${errnoOf(e) ?? messageOf(e)})`);
  }
  return st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
}

/**
 * The text of the regular file `rel` (a name in `dir`, which the caller has checked), or null
 * when there is none. Opened with O_NOFOLLOW: a link is refused naming the file, never followed;
 * so is anything but a regular file, or a file over `maxBytes`.
 */
export function readSourceFile(dir: string, rel: string, maxBytes = SOURCE_FILE_MAX_BYTES): string | null {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    fd = openSync(join(dir, rel), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return null;
    if (errnoOf(e) === 'ELOOP') throw linkRefused(rel);
    throw Failed(`cannot read ${rel} from the source (${errnoOf(e) ?? messageOf(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Invalid(`${rel} is not a regular file`);
    if (st.size > maxBytes) throw Invalid(`${rel} is ${st.size} bytes; Berth reads at most ${maxBytes}`);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `rel` in `dir` with `text`. O_EXCL|O_NOFOLLOW: fails when anything is already there,
 * a dangling link included, so a generated file can never be written through a link.
 */
export function writeSourceFile(dir: string, rel: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(join(dir, rel), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  } catch (e) {
    if (sourceEntry(dir, rel) === 'link' || errnoOf(e) === 'ELOOP') throw linkRefused(rel);
    if (errnoOf(e) === 'EEXIST') throw Invalid(`${rel} is already in the source; Berth does not overwrite it`);
    throw Failed(`cannot write ${rel} into the source (${errnoOf(e) ?? messageOf(e)})`);
  }
  try {
    const buf = Buffer.from(text, 'utf8');
    let put = 0;
    while (put < buf.length) put += writeSync(fd, buf, put, buf.length - put);
  } finally {
    closeSync(fd);
  }
}

/** Refuses the first of `rels` in `dir` that is a link (for files another program reads, such as .dockerignore). */
export function refuseLinks(dir: string, ...rels: string[]): void {
  for (const rel of rels) if (sourceEntry(dir, rel) === 'link') throw linkRefused(rel);
}

/** The manifest found at the root of the source, or null when there is none. */
export function readManifest(dir: string): Manifest | null {
  for (const f of MANIFEST_FILES) {
    const text = readSourceFile(dir, f);
    if (text !== null) return parseManifest(text, f);
  }
  return null;
}

/**
 * A folder's files for stack detection: the text of a regular file, or null. A link is refused
 * (never followed), whether Berth reads the file or only asks whether it is there.
 */
export function folderFiles(dir: string): SourceFiles {
  const isFile = (rel: string) => {
    const kind = sourceEntry(dir, rel);
    if (kind === 'link') throw linkRefused(rel);
    return kind === 'file';
  };
  return {
    read: (rel) => (isFile(rel) ? readSourceFile(dir, rel) : null),
    has: isFile,
    list: () => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isFile() ? [e.name] : [])),
  };
}

/**
 * The app's folder in the source: berth.yml `root:` for monorepos, else the top. A root that is,
 * or passes through, a link is refused, and so is one that resolves outside the source.
 */
export function appFolder(src: string, root: string | undefined): string {
  if (!root) return src;
  let dir = src;
  let walked = '';
  for (const part of root.split('/').filter((p) => p !== '' && p !== '.')) {
    walked = walked ? `${walked}/${part}` : part;
    const kind = sourceEntry(src, walked);
    if (kind === 'link') throw Invalid(`berth.yml names root ${root}, but ${walked} is a symbolic link; Berth does not follow links in sources`);
    if (kind !== 'directory') throw Failed(`berth.yml names root ${root}, but the source has no such folder`);
    dir = join(dir, part);
  }
  // The parser already refuses `..` and absolute roots; this is the last word on where it leads.
  const top = realpathSync(src);
  const real = realpathSync(dir);
  if (real !== top && !real.startsWith(top + sep)) throw Invalid(`berth.yml names root ${root}, which leads outside the source`);
  return dir;
}
