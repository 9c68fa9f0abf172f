// Splits Docker's multiplexed attach stream (non-TTY) into stdout bytes and a bounded stderr tail.
// Pure stream code, no engine: containers.ts runPiped pipes the attach socket through it.
import { Transform, type TransformCallback } from 'node:stream';

/** Bytes of stderr a piped one-off keeps: enough for an error message, bounded for a chatty tool. */
export const STDERR_TAIL_BYTES = 16 * 1024;

const HEADER = 8;

/**
 * Reads frames `[type u8, 0, 0, 0, length u32be, payload]` (type 0 stdin echo / 1 stdout, 2 stderr,
 * 3 the engine's own error) and pushes stdout payloads on. Unlike docker-modem's demuxStream (it
 * writes on 'data' ignoring write()'s result), a Transform holds its input while its reader is
 * slow, so the attach socket, and then the container's pipe, wait for the consumer.
 */
export class DockerDemux extends Transform {
  private readonly header = Buffer.alloc(HEADER);
  private headerLength = 0;
  /** Payload bytes still to come in the current frame, and where they go. */
  private remaining = 0;
  private type = 0;
  private tail: Buffer = Buffer.alloc(0);
  /** Whether older stderr was dropped to keep the tail bounded. */
  private cut = false;

  constructor(private readonly tailBytes = STDERR_TAIL_BYTES) {
    super();
  }

  /** The last `tailBytes` of stderr so far, as text (a character cut in half at the start is dropped). */
  stderrTail(): string {
    let start = 0;
    // Skip UTF-8 continuation bytes left over from a character the cut split.
    while (this.cut && start < this.tail.length && start < 3 && (this.tail[start]! & 0xc0) === 0x80) start++;
    return this.tail.subarray(start).toString('utf8');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.remaining === 0 && this.headerLength < HEADER) {
        const n = Math.min(HEADER - this.headerLength, chunk.length - off);
        chunk.copy(this.header, this.headerLength, off, off + n);
        this.headerLength += n;
        off += n;
        if (this.headerLength < HEADER) break;
        this.type = this.header[0]!;
        this.remaining = this.header.readUInt32BE(4);
        if (this.type > 3) return cb(new Error(`not a Docker attach stream (frame type ${this.type})`));
        if (this.remaining === 0) this.headerLength = 0;
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - off);
      const payload = chunk.subarray(off, off + n);
      off += n;
      this.remaining -= n;
      if (this.remaining === 0) this.headerLength = 0;
      if (this.type === 0 || this.type === 1) this.push(payload);
      else this.keepStderr(payload);
      if (this.type === 3 && this.remaining === 0) return cb(new Error(`the Docker Engine reported: ${this.stderrTail().trim()}`));
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    // A stream cut inside a frame lost bytes: never let that pass as a clean end.
    if (this.remaining > 0 || this.headerLength > 0) return cb(new Error('the output stream ended in the middle of a frame'));
    cb();
  }

  private keepStderr(payload: Buffer): void {
    if (this.tail.length + payload.length > this.tailBytes) this.cut = true;
    if (payload.length >= this.tailBytes) this.tail = Buffer.from(payload.subarray(payload.length - this.tailBytes));
    else {
      const joined = Buffer.concat([this.tail, payload]);
      this.tail = joined.length > this.tailBytes ? joined.subarray(joined.length - this.tailBytes) : joined;
    }
  }
}
