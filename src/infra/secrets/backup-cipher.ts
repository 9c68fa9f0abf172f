// Encryption at rest for backups: the BERTHBAK v1 stream format (docs/research/issue20-backups.md §2),
// STREAM-style chunked AES-256-GCM on node:crypto only; knows nothing of sources or destinations.
//
//   header  = "BERTHBAK" | u8 1 | u16be len | JSON {v, keyId, salt, chunk, kind, source, createdAt}
//   dataKey = HKDF-SHA256(masterKey, salt, "berth-backup v1", 32)          never stored
//   chunk i = AES-256-GCM(dataKey, nonce = prefix(7, HKDF) | u32be(i) | u8(last), aad = header) -> ct | tag
//
// The last-chunk flag inside the nonce (as in age and Tink) makes truncation at any byte, a missing
// final chunk, reordered chunks and appended bytes all fail authentication; the header is the AAD of
// every chunk, so it is authenticated too while staying readable without the key (for listing).
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { Failed, Invalid } from '../../errors.js';

/** The plain (but authenticated) header at the start of every backup object. */
export interface BackupHeader {
  v: 1;
  keyId: string;
  /** 32 random bytes, base64: makes the data key unique per backup. */
  salt: string;
  /** Plaintext bytes per chunk (every chunk but the last is exactly this long). */
  chunk: number;
  kind: string;
  source: string;
  createdAt: string;
}

export const BACKUP_MAGIC = Buffer.from('BERTHBAK', 'latin1');
const VERSION = 1;
const PREFIX_BYTES = BACKUP_MAGIC.length + 1 + 2;
/** No header is longer than this: read this many bytes of an object to list it without the key. */
export const BACKUP_HEADER_MAX_BYTES = PREFIX_BYTES + 0xffff;
export const DEFAULT_CHUNK = 1024 * 1024;
/** A header comes from the file before it is authenticated: cap what it may make us buffer. */
const MAX_CHUNK = 16 * 1024 * 1024;
const TAG_BYTES = 16;
const SALT_BYTES = 32;
const KEY_BYTES = 32;
const MAX_CHUNKS = 2 ** 32;
const DATA_KEY_INFO = 'berth-backup v1';
const NONCE_INFO = 'berth-backup v1 nonce-prefix';
const KEY_TEXT = /^berth-backup-key:v1:([0-9a-f]{16}):([A-Za-z0-9_-]{43})$/;

/** A backup master key's id: the first 16 hex digits of its sha256 (names the key, reveals nothing). */
export function backupKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A fresh 32-byte backup master key and its id. */
export function newBackupKey(): { id: string; key: Buffer } {
  const key = randomBytes(KEY_BYTES);
  return { id: backupKeyId(key), key };
}

/** The text an admin keeps off the server: `berth-backup-key:v1:<id>:<base64url>`. */
export function exportBackupKey(id: string, key: Buffer): string {
  if (key.length !== KEY_BYTES || backupKeyId(key) !== id) throw Invalid(`backup key ${id} does not match its id`);
  return `berth-backup-key:v1:${id}:${key.toString('base64url')}`;
}

/** Reads the text of exportBackupKey back (surrounding whitespace allowed); checks the id against the key. */
export function importBackupKey(text: string): { id: string; key: Buffer } {
  const hint = 'paste the whole line printed by `berth backups key export`, e.g. berth-backup-key:v1:<id>:<key>';
  const m = KEY_TEXT.exec(text.trim());
  if (!m) throw Invalid('not a Berth backup key', { hint });
  const [, id = '', encoded = ''] = m;
  const key = Buffer.from(encoded, 'base64url');
  if (key.length !== KEY_BYTES || key.toString('base64url') !== encoded) throw Invalid('not a Berth backup key', { hint });
  if (backupKeyId(key) !== id) throw Invalid(`the backup key does not match its id ${id} (mistyped or altered)`, { hint });
  return { id, key };
}

interface ChunkKeys {
  dataKey: Buffer;
  prefix: Buffer;
  aad: Buffer;
}

function chunkKeys(key: Buffer, salt: Buffer, aad: Buffer): ChunkKeys {
  const dataKey = Buffer.from(hkdfSync('sha256', key, salt, DATA_KEY_INFO, KEY_BYTES));
  const prefix = Buffer.from(hkdfSync('sha256', key, salt, NONCE_INFO, 7));
  return { dataKey, prefix, aad };
}

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = last ? 1 : 0;
  return n;
}

function sealChunk(k: ChunkKeys, index: number, last: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', k.dataKey, nonce(k.prefix, index, last));
  cipher.setAAD(k.aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** The plaintext of one sealed chunk, or undefined when it does not authenticate as (index, last). */
function openChunk(k: ChunkKeys, index: number, last: boolean, sealed: Buffer): Buffer | undefined {
  const decipher = createDecipheriv('aes-256-gcm', k.dataKey, nonce(k.prefix, index, last));
  decipher.setAAD(k.aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    // Nothing is released before final() has checked the tag.
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** A FIFO of buffers that hands out exact-length pieces without re-copying everything it holds. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }

  /** The first n bytes (n <= length), removed. */
  take(n: number): Buffer {
    const out = this.peek(n);
    let left = n;
    while (left > 0) {
      const head = this.parts[0] as Buffer;
      if (head.length <= left) {
        this.parts.shift();
        left -= head.length;
      } else {
        this.parts[0] = head.subarray(left);
        left = 0;
      }
    }
    this.length -= n;
    return out;
  }

  /** The first n bytes (n <= length), left in place. */
  peek(n: number): Buffer {
    const head = this.parts[0];
    if (head && head.length >= n) return head.subarray(0, n);
    return Buffer.concat(this.parts, this.length).subarray(0, n);
  }
}

/** Parses a header (the first bytes of an object): undefined while more bytes are needed. No key needed. */
export function parseHeader(buf: Buffer): { header: BackupHeader; bytes: Buffer } | undefined {
  const magicSeen = buf.subarray(0, BACKUP_MAGIC.length);
  if (!magicSeen.equals(BACKUP_MAGIC.subarray(0, magicSeen.length))) throw Failed('not a Berth backup');
  if (buf.length < PREFIX_BYTES) return undefined;
  const version = buf[BACKUP_MAGIC.length];
  if (version !== VERSION) throw Failed(`unsupported Berth backup format version ${String(version)}`, { hint: 'upgrade Berth to restore this backup' });
  const total = PREFIX_BYTES + buf.readUInt16BE(BACKUP_MAGIC.length + 1);
  if (buf.length < total) return undefined;
  const bytes = buf.subarray(0, total);
  return { header: validHeader(bytes.subarray(PREFIX_BYTES)), bytes };
}

function validHeader(json: Buffer): BackupHeader {
  const damaged = () => Failed('the backup header is damaged');
  let raw: unknown;
  try {
    raw = JSON.parse(json.toString('utf8'));
  } catch {
    throw damaged();
  }
  if (typeof raw !== 'object' || raw === null) throw damaged();
  const h = raw as Record<string, unknown>;
  const str = (k: string): string => {
    const v = h[k];
    if (typeof v !== 'string') throw damaged();
    return v;
  };
  if (h.v !== VERSION) throw damaged();
  const chunk = h.chunk;
  if (typeof chunk !== 'number' || !Number.isInteger(chunk) || chunk < 1 || chunk > MAX_CHUNK) throw damaged();
  const salt = str('salt');
  const saltBytes = Buffer.from(salt, 'base64');
  if (saltBytes.length !== SALT_BYTES || saltBytes.toString('base64') !== salt) throw damaged();
  return { v: 1, keyId: str('keyId'), salt, chunk, kind: str('kind'), source: str('source'), createdAt: str('createdAt') };
}

/** Reads just enough of a stream to return its header (for listing objects without the key); destroys the stream. */
export async function readBackupHeader(first: Readable): Promise<BackupHeader> {
  const q = new ByteQueue();
  try {
    for await (const piece of first) {
      q.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string));
      const parsed = parseHeader(q.peek(Math.min(q.length, BACKUP_HEADER_MAX_BYTES)));
      if (parsed) return parsed.header;
    }
  } finally {
    first.destroy();
  }
  throw q.length === 0 ? Failed('not a Berth backup (empty file)') : Failed('the backup is truncated');
}

/**
 * Encrypts a plaintext stream into a BERTHBAK v1 object under a backup master key. Holds at most
 * one chunk (plus the piece just written); always ends with a chunk flagged last.
 */
export function encryptor(key: Buffer, keyId: string, meta: { kind: string; source: string; createdAt: string }, chunkSize = DEFAULT_CHUNK): Transform {
  if (key.length !== KEY_BYTES) throw Invalid('a backup key is 32 bytes');
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK) throw Invalid(`chunk size must be 1..${MAX_CHUNK} bytes`);
  const salt = randomBytes(SALT_BYTES);
  const header: BackupHeader = { v: 1, keyId, salt: salt.toString('base64'), chunk: chunkSize, kind: meta.kind, source: meta.source, createdAt: meta.createdAt };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (json.length > 0xffff) throw Invalid('backup header too long (kind/source names)');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  BACKUP_MAGIC.copy(prefix);
  prefix[BACKUP_MAGIC.length] = VERSION;
  prefix.writeUInt16BE(json.length, BACKUP_MAGIC.length + 1);
  const headerBytes = Buffer.concat([prefix, json]);
  const keys = chunkKeys(key, salt, headerBytes);
  const pending = new ByteQueue();
  let index = 0;
  let started = false;

  const start = (t: Transform) => {
    if (!started) t.push(headerBytes);
    started = true;
  };
  const seal = (t: Transform, plain: Buffer, last: boolean) => {
    if (index >= MAX_CHUNKS) throw Failed('backup too large for its chunk size');
    t.push(sealChunk(keys, index, last, plain));
    index += 1;
  };
  return new Transform({
    transform(piece: Buffer, _enc, done: TransformCallback) {
      try {
        start(this);
        pending.push(piece);
        // A chunk is sealed only once a byte after it has arrived: only flush() knows which one is last.
        while (pending.length > chunkSize) seal(this, pending.take(chunkSize), false);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        start(this);
        seal(this, pending.take(pending.length), true);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
}

/**
 * Decrypts a BERTHBAK v1 object. Emits 'header' (a BackupHeader) before any data; fails (destroys
 * with a Failed) on anything but a complete, authentic backup. Chunks before a failure are authentic
 * but the backup as a whole is not: consumers must not commit a restore until the stream ends cleanly.
 */
export function decryptor(keyFor: (keyId: string) => Buffer | undefined): Transform {
  const pending = new ByteQueue();
  let keys: ChunkKeys | undefined;
  let sealedSize = 0;
  let index = 0;
  let seenBytes = 0;
  const damaged = (i: number) =>
    Failed(`the backup is damaged (chunk ${i} failed authentication)`, { hint: 'the object was altered or cut short at rest; compare its sha256 with the recorded checksum' });
  const truncated = () => Failed('the backup is truncated', { hint: 'the object is incomplete: the upload or copy was cut short' });

  const readHeader = (t: Transform): boolean => {
    const parsed = parseHeader(pending.peek(Math.min(pending.length, BACKUP_HEADER_MAX_BYTES)));
    if (!parsed) return false;
    const { header, bytes } = parsed;
    const key = keyFor(header.keyId);
    if (!key) {
      throw Failed(`the backup was made with key ${header.keyId}, which this server does not have`, {
        hint: 'import that key with `berth backups key import` (the line printed by `berth backups key export` on the old server)',
      });
    }
    if (key.length !== KEY_BYTES || backupKeyId(key) !== header.keyId) throw Failed(`the key given for ${header.keyId} is not that key`);
    keys = chunkKeys(key, Buffer.from(header.salt, 'base64'), Buffer.from(bytes));
    sealedSize = header.chunk + TAG_BYTES;
    pending.take(bytes.length);
    t.emit('header', header);
    return true;
  };
  const open = (k: ChunkKeys, sealed: Buffer, last: boolean) => {
    if (index >= MAX_CHUNKS) throw damaged(index);
    const plain = openChunk(k, index, last, sealed);
    if (plain) index += 1;
    return plain;
  };

  return new Transform({
    transform(piece: Buffer, _enc, done: TransformCallback) {
      try {
        seenBytes += piece.length;
        pending.push(piece);
        if (!keys && !readHeader(this)) return done();
        const k = keys as ChunkKeys;
        // A full-size chunk with bytes after it must be a middle chunk. If it authenticates only as
        // the last one, the object has bytes after its end.
        while (pending.length > sealedSize) {
          const sealed = pending.take(sealedSize);
          const plain = open(k, sealed, false);
          if (plain) {
            this.push(plain);
            continue;
          }
          if (openChunk(k, index, true, sealed)) throw Failed('the backup has bytes after its end');
          throw damaged(index);
        }
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (seenBytes === 0) throw Failed('not a Berth backup (empty file)');
        if (!keys) {
          parseHeader(pending.peek(pending.length)); // wrong magic says so; otherwise the header was cut
          throw truncated();
        }
        if (pending.length < TAG_BYTES) throw truncated();
        const sealed = pending.take(pending.length);
        const plain = open(keys, sealed, true);
        if (plain) {
          this.push(plain);
          return done();
        }
        // Ended exactly after a middle chunk: the final chunks are missing.
        if (sealed.length === sealedSize && openChunk(keys, index, false, sealed)) throw truncated();
        throw damaged(index);
      } catch (e) {
        done(e as Error);
      }
    },
  });
}
