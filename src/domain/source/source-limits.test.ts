// Uploaded sources are bounded while they unpack: size (declared or inflated) and file count.
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { extractUpload } from './source.js';

const made: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-limits-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A .tar.gz holding one file of `bytes` zeros: a few KB per 10 MB once compressed. */
async function gzipBomb(file: string, bytes: number): Promise<void> {
  const header = new tar.Header({ path: 'zeros', mode: 0o644, size: bytes, type: 'File', mtime: new Date(0) });
  header.encode();
  async function* tarStream() {
    yield header.block!;
    const zeros = Buffer.alloc(1024 * 1024);
    for (let left = bytes; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    yield Buffer.alloc(512 - (bytes % 512 || 512) + 1024);
  }
  await pipeline(Readable.from(tarStream()), createGzip(), createWriteStream(file));
}

const MB = 1024 * 1024;

describe('unpacking an upload within limits', () => {
  it('stops a gzip bomb at its header, removes what it wrote, and names the limit', async () => {
    const dir = fresh();
    await gzipBomb(join(dir, 'bomb.tar.gz'), 200 * MB);
    const started = Date.now();
    await expect(extractUpload(join(dir, 'bomb.tar.gz'), join(dir, 'out'), { maxBytes: 4 * MB, maxFiles: 100 })).rejects.toMatchObject({
      status: 413,
      message: 'the uploaded source is over 4 MB unpacked, the most this server takes',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('counts the bytes it inflates, headers included, whatever the entries declare', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'in'));
    const names = Array.from({ length: 40 }, (_, i) => `empty-${i}`);
    for (const n of names) writeFileSync(join(dir, 'in', n), '');
    await tar.c({ gzip: true, cwd: join(dir, 'in'), file: join(dir, 'u.tar.gz'), portable: true }, names);
    // 40 headers of 512 bytes each and not a byte of content: over 16 KB of tar all the same.
    await expect(extractUpload(join(dir, 'u.tar.gz'), join(dir, 'out'), { maxBytes: 16 * 1024, maxFiles: 1000 })).rejects.toThrow('the uploaded source is over 16 KB unpacked');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('refuses more files than allowed, naming the limit', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'in'));
    const names = Array.from({ length: 11 }, (_, i) => `f${i}.txt`);
    for (const n of names) writeFileSync(join(dir, 'in', n), 'x');
    await tar.c({ gzip: true, cwd: join(dir, 'in'), file: join(dir, 'u.tar.gz'), portable: true }, names);
    await expect(extractUpload(join(dir, 'u.tar.gz'), join(dir, 'out'), { maxBytes: MB, maxFiles: 10 })).rejects.toMatchObject({
      status: 413,
      message: 'the uploaded source has more than 10 files, the most this server takes',
    });
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('unpacks a source right at the limits', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'in'));
    const names = Array.from({ length: 10 }, (_, i) => `f${i}.txt`);
    for (const n of names) writeFileSync(join(dir, 'in', n), 'x'.repeat(1000));
    await tar.c({ gzip: true, cwd: join(dir, 'in'), file: join(dir, 'u.tar.gz'), portable: true }, names);
    await extractUpload(join(dir, 'u.tar.gz'), join(dir, 'out'), { maxBytes: MB, maxFiles: 10 });
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([...names].sort());
  });

  it('unpacks a large source in flat memory (it used to inflate it all into memory at once)', async () => {
    const dir = fresh();
    await gzipBomb(join(dir, 'big.tar.gz'), 300 * MB);
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      await extractUpload(join(dir, 'big.tar.gz'), join(dir, 'out'), { maxBytes: 400 * MB, maxFiles: 10 });
    } finally {
      clearInterval(timer);
    }
    expect(peak - before).toBeLessThan(100 * MB);
  }, 60_000);

  it('refuses a tarball compressed twice rather than let the unpacker inflate the inner one uncounted', async () => {
    const dir = fresh();
    await gzipBomb(join(dir, 'inner.tar.gz'), MB);
    await pipeline(Readable.from([readFileSync(join(dir, 'inner.tar.gz'))]), createGzip(), createWriteStream(join(dir, 'twice.tar.gz')));
    await expect(extractUpload(join(dir, 'twice.tar.gz'), join(dir, 'out'), { maxBytes: 4 * MB, maxFiles: 10 })).rejects.toThrow(/not a readable \.tar\.gz: it is compressed twice/);
  });
});
