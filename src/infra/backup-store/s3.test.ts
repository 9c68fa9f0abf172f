// Against a local S3-compatible server (s3rver, in this process, on 127.0.0.1), never AWS.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BerthError } from '../../errors.js';
import { addressRefusal } from '../../domain/notify/url-policy.js';
import { S3BackupStore, type S3StoreOptions } from './s3.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const shaOf = async (r: Readable) => {
  const h = createHash('sha256');
  for await (const c of r) h.update(c as Buffer);
  return h.digest('hex');
};
/** `data` as a stream of 64 KiB chunks of unknown total length. */
const streamOf = (data: Buffer) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536);
    })(),
  );

/** 'code: message' of the error `p` is rejected with. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return `${(e as BerthError).code}: ${(e as Error).message}`;
  }
  throw new Error('it did not fail');
}

describe('S3 backup store, against a local S3-compatible server (s3rver), not AWS', () => {
  let server: S3rver;
  let dir: string;
  let endpoint: string;
  let port: number;
  const opts = (o: Partial<S3StoreOptions> = {}): S3StoreOptions => ({
    endpoint,
    bucket: 'berth-test',
    region: '',
    prefix: 'site-a',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    refuseAddress: (ip) => addressRefusal(ip, true),
    ...o,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-s3rver-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'berth-test' }] });
    ({ port } = await server.run());
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['0 B', 0],
    ['100 B', 100],
    ['12 MiB + 7 (a multipart upload)', 12 * 1024 * 1024 + 7],
  ])('stores a streamed object of %s and gives back the same bytes', async (_name, size) => {
    const store = new S3BackupStore(opts());
    const data = randomBytes(size);
    const key = `alice/addon/db/${size}.berthbak`;
    expect(await store.put(key, streamOf(data))).toEqual({ bytes: size });
    expect(await shaOf(await store.get(key))).toBe(sha(data));
  }, 60_000);

  // s3rver cannot answer a second page (its continuation tokens use DES, which OpenSSL 3 lacks):
  // pagination is not covered here.
  it('lists keys under a prefix, relative to the destination prefix', async () => {
    const store = new S3BackupStore(opts({ prefix: '/lists/' }));
    for (const [k, n] of [['alice/addon/db/1.berthbak', 5], ['alice/addon/db/2.berthbak', 6], ['alice/volume/v/1.berthbak', 7], ['bob/addon/db/1.berthbak', 8]] as const) {
      await store.put(k, streamOf(Buffer.alloc(n)));
    }
    expect(await store.list('alice/')).toEqual([
      { key: 'alice/addon/db/1.berthbak', bytes: 5 },
      { key: 'alice/addon/db/2.berthbak', bytes: 6 },
      { key: 'alice/volume/v/1.berthbak', bytes: 7 },
    ]);
    expect((await store.list('')).length).toBe(4);
    // Another destination prefix in the same bucket sees none of them.
    expect(await new S3BackupStore(opts({ prefix: 'other' })).list('')).toEqual([]);
  });

  it('deletes an object, and a missing one without complaint', async () => {
    const store = new S3BackupStore(opts({ prefix: 'del' }));
    await store.put('a/b', streamOf(Buffer.from('x')));
    await store.delete('a/b');
    await store.delete('a/b');
    expect(await store.list('')).toEqual([]);
    await expect(store.get('a/b')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('says NotFound for a missing key', async () => {
    expect(await failure(new S3BackupStore(opts()).get('alice/none'))).toMatch('not_found: no backup object alice/none');
  });

  it('leaves no object when the body stream fails during a multipart upload', async () => {
    const store = new S3BackupStore(opts({ prefix: 'fail' }));
    async function* failing() {
      yield randomBytes(9 * 1024 * 1024);
      throw new Error('pg_dump exited with 1');
    }
    await expect(store.put('a/b', Readable.from(failing()))).rejects.toThrow(/^pg_dump exited with 1$/);
    expect(await store.list('')).toEqual([]);
  }, 30_000);

  it('leaves no object when the upload is cancelled', async () => {
    const store = new S3BackupStore(opts({ prefix: 'cancel' }));
    const ac = new AbortController();
    async function* slow() {
      yield randomBytes(1024);
      ac.abort(new Error('Berth is stopping'));
      await new Promise((r) => setTimeout(r, 50));
      yield randomBytes(1024);
    }
    await expect(store.put('a/b', Readable.from(slow()), ac.signal)).rejects.toThrow('Berth is stopping');
    expect(await store.list('')).toEqual([]);
  });

  it('refuses a loopback endpoint unless private addresses are allowed', async () => {
    const refuse = (ip: string) => addressRefusal(ip, false);
    const literal = new S3BackupStore(opts({ refuseAddress: refuse }));
    expect(await failure(literal.list(''))).toMatch(/^forbidden: .*may not connect to the S3 endpoint 127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback or private address/);
    // A name is checked on every address it resolves to, as the connection is made.
    const named = new S3BackupStore(opts({ endpoint: `http://localhost:${port}`, refuseAddress: refuse }));
    expect(await failure(named.put('a/b', streamOf(Buffer.from('x'))))).toMatch(/^forbidden: .*localhost resolves to/);
  });

  it('says the endpoint refused the keys when they are wrong', async () => {
    const store = new S3BackupStore(opts({ accessKeyId: 'WRONG' }));
    expect(await failure(store.list(''))).toMatch('forbidden: the S3 endpoint refused the keys');
  });

  it('says the bucket does not exist', async () => {
    const store = new S3BackupStore(opts({ bucket: 'no-such-bucket' }));
    expect(await failure(store.list(''))).toMatch('not_found: the bucket no-such-bucket does not exist');
    await expect(store.put('a/b', streamOf(Buffer.from('x')))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('says the endpoint is unreachable when nothing listens', async () => {
    // A port that was free a moment ago.
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const free = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const store = new S3BackupStore(opts({ endpoint: `http://127.0.0.1:${free}` }));
    expect(await failure(store.list(''))).toMatch(/^unavailable: the S3 endpoint 127.0.0.1:\d+ is unreachable \(ECONNREFUSED\)/);
  });

  it('refuses invalid keys and endpoints before any request', async () => {
    const store = new S3BackupStore(opts());
    await expect(store.get('../x')).rejects.toMatchObject({ code: 'invalid' });
    await expect(new S3BackupStore(opts({ endpoint: 'ftp://example.test' })).list('')).rejects.toMatchObject({ code: 'invalid' });
  });
});
