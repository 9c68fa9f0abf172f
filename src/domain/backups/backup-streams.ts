// Small byte-stream stages the backup pipelines are made of: a counter, a sha256 of what
// passes, a text collector for a one-off's short output, and the test-only fault injector.
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** Passes bytes through, counting them. */
export class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Passes bytes through, counting them and taking their sha256 (hex once ended). */
export class Sha256Meter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private hex: string | null = null;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.hex = this.hash.digest('hex');
    cb();
  }
  /** The digest of everything that passed; only after the stream ended. */
  digest(): string {
    if (this.hex === null) throw new Error('the stream has not ended');
    return this.hex;
  }
}

/** Reads a stream to its end as text, keeping at most `max` bytes (the rest is read and dropped). */
export async function readText(r: Readable, max = 1024 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of r) {
    const b = c as Buffer;
    if (n < max) parts.push(b.subarray(0, max - n));
    n += b.length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * A test-only fault (BERTH_TEST_BACKUP_FAULT=<source>:empty|truncate, comma-separated): the dump of that source
 * loses all its bytes, or its second half, before it is encrypted, the only way to get a
 * well-encrypted but broken dump for the checks and drills to catch. Unset, it passes through.
 * Truncation buffers the dump: fine for the small databases tests use.
 */
export function testFault(source: string, env: NodeJS.ProcessEnv = process.env): Transform {
  // A comma-separated list of <source>:<fault>.
  const fault =
    (env.BERTH_TEST_BACKUP_FAULT ?? '')
      .split(',')
      .map((s) => [s.slice(0, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)] as const)
      .find(([name]) => name === source)?.[1] ?? '';
  if (fault === 'empty') return new Transform({ transform: (_c, _e, cb) => cb() });
  if (fault === 'truncate') {
    const held: Buffer[] = [];
    return new Transform({
      transform(c: Buffer, _e, cb) {
        held.push(c);
        cb();
      },
      flush(cb) {
        const all = Buffer.concat(held);
        cb(null, all.subarray(0, Math.floor(all.length / 2)));
      },
    });
  }
  return new Transform({ transform: (c, _e, cb) => cb(null, c) });
}
