import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../errors.js';
import {
  type BackupHeader,
  backupKeyId,
  decryptor,
  encryptor,
  exportBackupKey,
  importBackupKey,
  newBackupKey,
  parseHeader,
  readBackupHeader,
} from './backup-cipher.js';

const META = { kind: 'postgres', source: 'shop-db', createdAt: '2026-11-24T03:00:00.000Z' };
const master = newBackupKey();
const keyFor = (id: string) => (id === master.id ? master.key : undefined);

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

/** Feeds `input` in pieces of `piece` bytes (splitting chunks across writes). */
function source(input: Buffer, piece = 7): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += piece) pieces.push(input.subarray(i, i + piece));
  return Readable.from(pieces);
}

async function encrypt(plain: Buffer, chunk = 16, piece = 7): Promise<Buffer> {
  return collect(source(plain, piece).pipe(encryptor(master.key, master.id, META, chunk)));
}

async function decrypt(blob: Buffer, piece = 5, keys = keyFor): Promise<{ plain: Buffer; header: BackupHeader | undefined }> {
  const d = decryptor(keys);
  let header: BackupHeader | undefined;
  let dataBeforeHeader = false;
  d.on('header', (h: BackupHeader) => (header = h));
  const parts: Buffer[] = [];
  await pipeline(
    source(blob, piece),
    d,
    new Writable({
      write(p: Buffer, _e, cb) {
        if (!header) dataBeforeHeader = true;
        parts.push(p);
        cb();
      },
    }),
  );
  expect(dataBeforeHeader).toBe(false);
  return { plain: Buffer.concat(parts), header };
}

/** The message a broken blob fails with (a Failed BerthError), or throws when it did not fail. */
async function failure(blob: Buffer, piece = 5, keys = keyFor): Promise<string> {
  try {
    await decrypt(blob, piece, keys);
  } catch (e) {
    if (!isBerthError(e) || e.code !== 'failed') throw e;
    return e.message;
  }
  throw new Error(`a ${blob.length}-byte blob decrypted although it should not`);
}

const headerLength = (blob: Buffer) => 11 + blob.readUInt16BE(9);

describe('backup encryption (BERTHBAK v1)', () => {
  it.each([0, 1, 15, 16, 17, 32, 33, 100])('gives back exactly the %i bytes it was given', async (n) => {
    const plain = randomBytes(n);
    const blob = await encrypt(plain);
    const { plain: out, header } = await decrypt(blob);
    expect(out.equals(plain)).toBe(true);
    expect(header).toMatchObject({ v: 1, keyId: master.id, chunk: 16, ...META });
    // Every chunk but the last is full: the size is fixed by the plaintext length.
    const chunks = Math.max(1, Math.ceil(n / 16));
    expect(blob.length).toBe(headerLength(blob) + n + chunks * 16);
  });

  it('round-trips any data, chunk size and write pattern', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 90 }), async (data, chunk, inPiece, outPiece) => {
        const plain = Buffer.from(data);
        const blob = await encrypt(plain, chunk, inPiece);
        expect((await decrypt(blob, outPiece)).plain.equals(plain)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('never encrypts two backups of the same data alike', async () => {
    const plain = Buffer.from('same dump');
    expect((await encrypt(plain)).equals(await encrypt(plain))).toBe(false);
  });

  it('shows kind, source and key id without the key, and no plaintext', async () => {
    const blob = await encrypt(Buffer.from('CREATE TABLE secret_stuff'));
    expect(parseHeader(blob)?.header).toMatchObject({ keyId: master.id, ...META });
    expect(parseHeader(blob.subarray(0, 20))).toBeUndefined();
    expect(await readBackupHeader(source(blob, 3))).toMatchObject({ keyId: master.id, ...META });
    expect(blob.includes('secret_stuff')).toBe(false);
    await expect(readBackupHeader(Readable.from([Buffer.from('PK\x03\x04zip')]))).rejects.toThrow('not a Berth backup');
    await expect(readBackupHeader(Readable.from([]))).rejects.toThrow('not a Berth backup (empty file)');
  });

  it('fails on every truncation of a backup, at any byte', async () => {
    const blob = await encrypt(randomBytes(50)); // 4 chunks of 16: 16, 16, 16, 2 (last)
    const messages = new Set<string>();
    for (let len = 0; len < blob.length; len++) messages.add(await failure(blob.subarray(0, len)));
    expect(messages).toContain('not a Berth backup (empty file)');
    expect(messages).toContain('the backup is truncated');
    // Ending exactly after a middle chunk is called a truncation, not damage.
    const h = headerLength(blob);
    expect(await failure(blob.subarray(0, h + 32))).toBe('the backup is truncated');
    expect(await failure(blob.subarray(0, h))).toBe('the backup is truncated');
    // Also when the plaintext was a whole number of chunks (the last chunk is then full).
    const even = await encrypt(randomBytes(48));
    for (let len = 0; len < even.length; len++) await failure(even.subarray(0, len));
  });

  it('fails on any flipped bit, header included', async () => {
    const blob = await encrypt(randomBytes(40));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: blob.length * 8 - 1 }), async (bit) => {
        const bad = Buffer.from(blob);
        bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
        await failure(bad);
      }),
      { numRuns: 300 },
    );
    const bad = Buffer.from(blob);
    bad[headerLength(blob) + 40] = (bad[headerLength(blob) + 40] as number) ^ 1;
    expect(await failure(bad)).toBe('the backup is damaged (chunk 1 failed authentication)');
  });

  it('fails when bytes are appended after the end', async () => {
    const short = await encrypt(randomBytes(40)); // last chunk not full
    const full = await encrypt(randomBytes(48)); // last chunk full
    for (const extra of [1, 15, 16, 17, 32, 100]) {
      await failure(Buffer.concat([short, randomBytes(extra)]));
      expect(await failure(Buffer.concat([full, randomBytes(extra)]))).toBe('the backup has bytes after its end');
    }
    expect(await failure(Buffer.concat([full, full]))).toBe('the backup has bytes after its end');
  });

  it('fails when chunks are reordered, dropped or duplicated', async () => {
    const blob = await encrypt(randomBytes(64)); // chunks of 32 sealed bytes: c0 c1 c2 c3(last)
    const h = headerLength(blob);
    const c = [0, 1, 2, 3].map((i) => blob.subarray(h + i * 32, h + (i + 1) * 32));
    const head = blob.subarray(0, h);
    const [c0, c1, c2, c3] = c as [Buffer, Buffer, Buffer, Buffer];
    expect(await failure(Buffer.concat([head, c1, c0, c2, c3]))).toBe('the backup is damaged (chunk 0 failed authentication)');
    expect(await failure(Buffer.concat([head, c0, c2, c1, c3]))).toBe('the backup is damaged (chunk 1 failed authentication)');
    await failure(Buffer.concat([head, c0, c1, c3]));
    await failure(Buffer.concat([head, c0, c0, c1, c2, c3]));
    // Chunks of another backup under the same key do not fit this header (own salt, header as AAD).
    const other = await encrypt(randomBytes(64));
    await failure(Buffer.concat([head, other.subarray(headerLength(other))]));
  });

  it('refuses files that are not Berth backups', async () => {
    expect(await failure(Buffer.alloc(0))).toBe('not a Berth backup (empty file)');
    expect(await failure(Buffer.from('-- PostgreSQL database dump\n'))).toBe('not a Berth backup');
    expect(await failure(Buffer.from('BERTH'))).toBe('the backup is truncated');
    const blob = await encrypt(Buffer.from('x'));
    const v2 = Buffer.from(blob);
    v2[8] = 2;
    expect(await failure(v2)).toBe('unsupported Berth backup format version 2');
  });

  it('names the missing key, and refuses a wrong one', async () => {
    const blob = await encrypt(Buffer.from('dump'));
    const other = newBackupKey();
    try {
      await decrypt(blob, 5, (id) => (id === other.id ? other.key : undefined));
      expect.unreachable();
    } catch (e) {
      expect(isBerthError(e) && e.message).toBe(`the backup was made with key ${master.id}, which this server does not have`);
      expect(isBerthError(e) && e.hint).toContain('berth backups key import');
    }
    await failure(blob, 5, () => other.key);
  });

  it('exports and imports a key as one line of text', () => {
    const { id, key } = newBackupKey();
    expect(id).toBe(backupKeyId(key));
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    const text = exportBackupKey(id, key);
    expect(text).toMatch(/^berth-backup-key:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{43}$/);
    const back = importBackupKey(`  ${text}\n`);
    expect(back.id).toBe(id);
    expect(back.key.equals(key)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['other text', 'hunter2'],
    ['wrong version', 'berth-backup-key:v2:0123456789abcdef:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['short key', 'berth-backup-key:v1:0123456789abcdef:AAAA'],
    ['standard base64', 'berth-backup-key:v1:0123456789abcdef:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+'],
  ])('refuses a key text that is malformed (%s)', (_name, text) => {
    expect(() => importBackupKey(text)).toThrow('not a Berth backup key');
  });

  it('refuses a key text whose id does not match the key', () => {
    const { id, key } = newBackupKey();
    const text = exportBackupKey(id, key);
    const wrongId = text.replace(id, id.startsWith('0') ? `1${id.slice(1)}` : `0${id.slice(1)}`);
    expect(() => importBackupKey(wrongId)).toThrow(/does not match its id/);
    const lastChar = text.at(-1) === 'A' ? 'B' : 'A';
    expect(() => importBackupKey(text.slice(0, -1) + lastChar)).toThrow(/(does not match its id|not a Berth backup key)/);
  });

  it('streams 64 MiB holding about one chunk, with a slow reader', async () => {
    const MiB = 1024 * 1024;
    const piece = randomBytes(64 * 1024);
    const total = 64 * MiB;
    const enc = encryptor(master.key, master.id, META);
    let maxBuffered = 0;
    const sum = createHash('sha256');
    async function* plain() {
      for (let sent = 0; sent < total; sent += piece.length) {
        sum.update(piece);
        yield piece;
      }
    }
    const out = createHash('sha256');
    let chunks = 0;
    await pipeline(
      plain(),
      enc,
      decryptor(keyFor),
      new Writable({
        highWaterMark: 1,
        write(p: Buffer, _e, cb) {
          maxBuffered = Math.max(maxBuffered, enc.readableLength + enc.writableLength);
          out.update(p);
          // A slow consumer: every chunk waits a turn of the event loop.
          if (++chunks % 4 === 0) setTimeout(cb, 1);
          else setImmediate(cb);
        },
      }),
    );
    expect(out.digest('hex')).toBe(sum.digest('hex'));
    // One sealed chunk waiting for the reader plus the piece being written; never the whole 64 MiB.
    expect(maxBuffered).toBeLessThan(2 * MiB);
  }, 60_000);
});
