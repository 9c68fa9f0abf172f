// Backup objects as files under one directory (default <data>/backups). A put writes
// `<file>.partial`, fsyncs it and renames it into place, so a key holds a whole object or nothing.
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { Failed, Invalid, NotFound, messageOf } from '../../errors.js';
import { checkKey, checkPrefix, isKey } from './keys.js';
import type { BackupStore, StoredObject } from './types.js';

const PARTIAL = '.partial';

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** Makes what is written under `dir` durable across a power cut (the new name of a renamed file). */
async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Every regular file under `dir`, recursively, as absolute paths; none when `dir` is missing. */
async function walk(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return [];
    throw e;
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** A BackupStore on the local file system. */
export class LocalBackupStore implements BackupStore {
  constructor(readonly root: string) {
    if (!isAbsolute(root)) throw Invalid(`the backup directory ${root} is not an absolute path`);
  }

  private file(key: string): string {
    checkKey(key);
    // `.partial` names belong to puts in progress.
    if (key.endsWith(PARTIAL)) throw Invalid(`the backup key ${key} ends with ${PARTIAL}`);
    return join(this.root, key);
  }

  async put(key: string, body: Readable, signal?: AbortSignal): Promise<{ bytes: number }> {
    const file = this.file(key);
    const partial = file + PARTIAL;
    if (signal) addAbortSignal(signal, body);
    let handle: FileHandle | undefined;
    let bytes = 0;
    try {
      signal?.throwIfAborted();
      try {
        await mkdir(dirname(file), { recursive: true });
        handle = await open(partial, 'w', 0o600);
      } catch (e) {
        throw Failed(`could not write a backup under ${this.root}: ${messageOf(e)}`, { cause: e });
      }
      for await (const chunk of body) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        try {
          await handle.write(buf);
        } catch (e) {
          throw Failed(`could not write a backup under ${this.root}: ${messageOf(e)}`, { cause: e });
        }
        bytes += buf.length;
      }
      signal?.throwIfAborted();
      try {
        await handle.sync();
        await handle.close();
        handle = undefined;
        await rename(partial, file);
        await syncDir(dirname(file));
      } catch (e) {
        throw Failed(`could not write a backup under ${this.root}: ${messageOf(e)}`, { cause: e });
      }
      return { bytes };
    } catch (e) {
      body.destroy();
      await handle?.close().catch(() => undefined);
      await rm(partial, { force: true }).catch(() => undefined);
      throw e;
    }
  }

  async get(key: string): Promise<Readable> {
    const file = this.file(key);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR' || errno(e) === 'EISDIR') throw NotFound(`no backup object ${key}`);
      throw Failed(`could not read the backup ${key}: ${messageOf(e)}`, { cause: e });
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw NotFound(`no backup object ${key}`);
    }
    return createReadStream('', { fd: handle });
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  async list(prefix: string): Promise<StoredObject[]> {
    checkPrefix(prefix);
    // Only the directory the prefix names (up to its last '/') can hold matching keys.
    const base = join(this.root, prefix.slice(0, prefix.lastIndexOf('/') + 1));
    const out: StoredObject[] = [];
    for (const path of await walk(base)) {
      const key = relative(this.root, path).split(sep).join('/');
      if (!key.startsWith(prefix) || key.endsWith(PARTIAL) || !isKey(key)) continue;
      try {
        out.push({ key, bytes: (await stat(path)).size });
      } catch (e) {
        // Deleted between readdir and stat.
        if (errno(e) !== 'ENOENT') throw e;
      }
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Removes the `.partial` files of puts a stop cut short; the number removed. For start-up, before any put. */
  async removePartials(): Promise<number> {
    let n = 0;
    for (const path of await walk(this.root)) {
      if (!path.endsWith(PARTIAL)) continue;
      await rm(path, { force: true });
      n++;
    }
    return n;
  }
}
