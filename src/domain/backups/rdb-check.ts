// Checks a Redis RDB snapshot as it streams past: the `REDIS` magic and version first, the EOF
// opcode and the CRC64 over everything before the checksum last. Pure: fed chunks, no I/O.

/*
 * Redis's crc64 (src/crc64.c): Jones' polynomial 0xad93d23594c935a9, reflected (bits taken
 * low first, so the table uses the bit-reversed polynomial 0x95ac9329ac4bc9b5), initial value
 * 0, no final xor; check value crc64("123456789") = 0xe9c6d914c4b8d9ca. Stored little-endian.
 * 64-bit values are kept as two 32-bit halves: a BigInt per byte would make a 1 GB check
 * take minutes. The halves are held as signed int32 (Int32Array, `^` and `|` results) while
 * summing: V8 keeps those as small integers, where unsigned values above 2^31 become heap
 * doubles and make the loop about 8 times slower.
 */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;
const TABLE_HI = new Int32Array(256);
const TABLE_LO = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[i] = hi;
  TABLE_LO[i] = lo;
}

/** Redis's CRC64, updated chunk by chunk. */
export class Crc64 {
  private hi = 0;
  private lo = 0;

  update(data: Uint8Array): this {
    let { hi, lo } = this;
    for (let i = 0; i < data.length; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]!;
      hi = (hi >>> 8) ^ TABLE_HI[idx]!;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  /** The value as 16 hex digits. */
  hex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0');
  }

  /** The value as Redis writes it into a file: 8 bytes, little-endian. */
  bytes(): Buffer {
    const b = Buffer.alloc(8);
    b.writeInt32LE(this.lo, 0);
    b.writeInt32LE(this.hi, 4);
    return b;
  }
}

export type RdbCheck = { ok: true; version: number; bytes: number; checksum: 'verified' | 'disabled' } | { ok: false; error: string };

const MAGIC = Buffer.from('REDIS');
const HEADER = 9; // REDIS + 4 ASCII digits
const TRAILER = 8; // the checksum
const EOF_OPCODE = 0xff;
/** RDB 5 (Redis 2.6) added the checksum; Berth's add-ons run Redis 7 (RDB 10+). */
const FIRST_CHECKSUMMED_VERSION = 5;

/**
 * Feed it the snapshot's bytes in order (`update`), then `finish()`. Holds back only the last
 * 8 bytes seen (the checksum, once the stream ends) and the 9-byte header.
 */
export class RdbChecker {
  private readonly crc = new Crc64();
  private readonly header = Buffer.alloc(HEADER);
  private headerLength = 0;
  /** The last bytes seen, not yet in the CRC: they may turn out to be the checksum. */
  private tail = Buffer.alloc(0);
  /** The last byte given to the CRC: the EOF opcode, if the stream is whole. */
  private lastSummed = -1;
  private total = 0;

  update(chunk: Uint8Array): this {
    if (chunk.length === 0) return this;
    this.total += chunk.length;
    if (this.headerLength < HEADER) {
      const n = Math.min(HEADER - this.headerLength, chunk.length);
      this.header.set(chunk.subarray(0, n), this.headerLength);
      this.headerLength += n;
    }
    if (chunk.length >= TRAILER) {
      // The usual case: no copy of the chunk, only of its last 8 bytes.
      if (this.tail.length > 0) this.sum(this.tail);
      const cut = chunk.length - TRAILER;
      if (cut > 0) this.sum(chunk.subarray(0, cut));
      this.tail = Buffer.from(chunk.subarray(cut)); // a copy: the caller may reuse its chunk's memory
    } else {
      const pending = Buffer.concat([this.tail, chunk]);
      const cut = Math.max(0, pending.length - TRAILER);
      if (cut > 0) this.sum(pending.subarray(0, cut));
      this.tail = pending.subarray(cut);
    }
    return this;
  }

  private sum(data: Uint8Array): void {
    this.crc.update(data);
    this.lastSummed = data[data.length - 1]!;
  }

  finish(): RdbCheck {
    if (this.total === 0) return { ok: false, error: 'the snapshot is empty (0 bytes)' };
    const start = this.header.subarray(0, Math.min(this.headerLength, MAGIC.length));
    if (!start.equals(MAGIC.subarray(0, start.length))) return { ok: false, error: 'the snapshot does not start with REDIS: it is not an RDB file' };
    if (this.headerLength < HEADER) return { ok: false, error: `the snapshot is truncated: ${this.total} bytes, shorter than an RDB header` };
    const digits = this.header.subarray(MAGIC.length, this.headerLength).toString('latin1');
    if (!/^\d{4}$/.test(digits)) return { ok: false, error: `the RDB header's version ${JSON.stringify(digits)} is not 4 digits` };
    const version = Number(digits);
    if (version < FIRST_CHECKSUMMED_VERSION) return { ok: false, error: `RDB version ${version} has no checksum (Redis before 2.6)` };
    if (this.total < HEADER + 1 + TRAILER) return { ok: false, error: `the snapshot is truncated: ${this.total} bytes, shorter than the smallest RDB file` };
    if (this.lastSummed !== EOF_OPCODE) return { ok: false, error: 'the snapshot is truncated: it does not end with the RDB end-of-file marker' };
    if (this.tail.every((b) => b === 0)) return { ok: true, version, bytes: this.total, checksum: 'disabled' };
    if (!this.tail.equals(this.crc.bytes())) {
      const stored = Buffer.from(this.tail).reverse().toString('hex');
      return { ok: false, error: `the snapshot's checksum does not match: stored ${stored}, computed ${this.crc.hex()}` };
    }
    return { ok: true, version, bytes: this.total, checksum: 'verified' };
  }
}

/** Checks a whole snapshot, given at once or as chunks. */
export function checkRdb(data: Uint8Array | Iterable<Uint8Array>): RdbCheck {
  const c = new RdbChecker();
  if (data instanceof Uint8Array) c.update(data);
  else for (const chunk of data) c.update(chunk);
  return c.finish();
}
