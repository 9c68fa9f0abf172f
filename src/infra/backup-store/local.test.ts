import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBackupStore } from './local.js';

const sha = async (r: Readable) => {
  const h = createHash('sha256');
  for await (const c of r) h.update(c as Buffer);
  return h.digest('hex');
};

/** Every file under `dir`, relative. */
const files = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();

describe('local backup store', () => {
  let dir: string;
  let store: LocalBackupStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-store-'));
    store = new LocalBackupStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a streamed object and gives back the same bytes', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 7);
    const res = await store.put('alice/addon/db/20261124T030000Z-a1.berthbak', Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    expect(res.bytes).toBe(data.length);
    expect(await sha(await store.get('alice/addon/db/20261124T030000Z-a1.berthbak'))).toBe(createHash('sha256').update(data).digest('hex'));
    expect(await files(dir)).toEqual(['alice/addon/db/20261124T030000Z-a1.berthbak']);
  });

  it('stores an empty object', async () => {
    expect(await store.put('a/empty', Readable.from([]))).toEqual({ bytes: 0 });
    expect(await store.list('a/')).toEqual([{ key: 'a/empty', bytes: 0 }]);
  });

  it('leaves nothing behind when the body stream fails half way', async () => {
    async function* failing() {
      yield Buffer.alloc(1000, 1);
      throw new Error('pg_dump exited with 1');
    }
    await expect(store.put('alice/addon/db/x.berthbak', Readable.from(failing()))).rejects.toThrow('pg_dump exited with 1');
    expect(await files(dir)).toEqual([]);
    await expect(store.get('alice/addon/db/x.berthbak')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('leaves nothing behind when the put is cancelled', async () => {
    const ac = new AbortController();
    async function* slow() {
      yield Buffer.alloc(10, 1);
      ac.abort(new Error('Berth is stopping'));
      await new Promise((r) => setTimeout(r, 20));
      yield Buffer.alloc(10, 2);
    }
    await expect(store.put('a/b', Readable.from(slow()), ac.signal)).rejects.toThrow();
    expect(await files(dir)).toEqual([]);
  });

  it('replaces an object of the same key whole', async () => {
    await store.put('a/b', Readable.from([Buffer.from('old')]));
    await store.put('a/b', Readable.from([Buffer.from('newer')]));
    expect(await store.list('')).toEqual([{ key: 'a/b', bytes: 5 }]);
  });

  it('lists keys under a prefix with their sizes, recursively, without partial files', async () => {
    await store.put('alice/addon/db/1.berthbak', Readable.from([Buffer.alloc(5)]));
    await store.put('alice/addon/db/2.berthbak', Readable.from([Buffer.alloc(6)]));
    await store.put('alice/volume/data/1.berthbak', Readable.from([Buffer.alloc(7)]));
    await store.put('bob/addon/db/1.berthbak', Readable.from([Buffer.alloc(8)]));
    await writeFile(join(dir, 'alice/addon/db/3.berthbak.partial'), 'x');
    expect(await store.list('alice/')).toEqual([
      { key: 'alice/addon/db/1.berthbak', bytes: 5 },
      { key: 'alice/addon/db/2.berthbak', bytes: 6 },
      { key: 'alice/volume/data/1.berthbak', bytes: 7 },
    ]);
    expect((await store.list('alice/addon/db/1')).map((o) => o.key)).toEqual(['alice/addon/db/1.berthbak']);
    expect((await store.list('')).length).toBe(4);
    expect(await store.list('carol/')).toEqual([]);
  });

  it('lists nothing when the directory does not exist yet', async () => {
    expect(await new LocalBackupStore(join(dir, 'none')).list('')).toEqual([]);
  });

  it('deletes an object, and a missing one without complaint', async () => {
    await store.put('a/b', Readable.from([Buffer.from('x')]));
    await store.delete('a/b');
    await store.delete('a/b');
    expect(await store.list('')).toEqual([]);
  });

  it('says NotFound for a missing key', async () => {
    await expect(store.get('alice/none')).rejects.toMatchObject({ code: 'not_found', message: 'no backup object alice/none' });
    await mkdir(join(dir, 'alice/dir'), { recursive: true });
    await expect(store.get('alice/dir')).rejects.toMatchObject({ code: 'not_found' });
  });

  it.each(['../etc/passwd', 'a/../../b', '/etc/passwd', 'a//b', 'a/./b', '', 'a b', 'a/b\u0000', 'a/b;rm', 'ä', 'a/b/', 'a/b.partial'])('refuses the key %j', async (key) => {
    await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'invalid' });
    await expect(store.get(key)).rejects.toMatchObject({ code: 'invalid' });
    await expect(store.delete(key)).rejects.toMatchObject({ code: 'invalid' });
    expect(await files(dir)).toEqual([]);
  });

  it('refuses a list prefix that climbs out of the directory', async () => {
    await expect(store.list('../')).rejects.toMatchObject({ code: 'invalid' });
    await expect(store.list('/etc')).rejects.toMatchObject({ code: 'invalid' });
  });

  it('removes the partial files a stop left behind, and nothing else', async () => {
    await store.put('a/b/c', Readable.from([Buffer.from('x')]));
    await writeFile(join(dir, 'a/b/d.partial'), 'x');
    await writeFile(join(dir, 'top.partial'), 'x');
    expect(await store.removePartials()).toBe(2);
    expect(await files(dir)).toEqual(['a/b/c']);
  });

  it('refuses a relative root', () => {
    expect(() => new LocalBackupStore('backups')).toThrow('not an absolute path');
  });
});
