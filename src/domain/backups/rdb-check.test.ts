import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRdb, Crc64, RdbChecker, type RdbCheck } from './rdb-check.js';

const errorOf = (r: RdbCheck): string => (r.ok ? 'ok' : r.error);

/** Redis's crc64 one bit at a time with BigInt, from the published polynomial: the table-driven one must agree. */
function referenceCrc64(data: Uint8Array): bigint {
  const jones = 0xad93d23594c935a9n;
  let reflected = 0n;
  for (let i = 0n; i < 64n; i++) if ((jones >> i) & 1n) reflected |= 1n << (63n - i);
  let crc = 0n;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let b = 0; b < 8; b++) crc = crc & 1n ? (crc >> 1n) ^ reflected : crc >> 1n;
  }
  return crc;
}

/** A snapshot Redis 7.0.15 (berth/redis:bookworm) wrote with SAVE: greeting=hello and a list a,b,c. */
const REAL_RDB = Buffer.from(
  'UkVESVMwMDEw+glyZWRpcy12ZXIGNy4wLjE1+gpyZWRpcy1iaXRzwED6BWN0aW1lwt39BGv6CHVzZWQtbWVtwhgWDwD6CGFvZi1iYXNlwAD+APsCABIEbGlzdAECEBAAAAADAIFhAoFiAoFjAv8ACGdyZWV0aW5nBWhlbGxv/0FQxKxvd0nN',
  'base64',
);

/** The smallest RDB there is: magic, version, EOF opcode, then the CRC of those bytes. */
function handBuilt(version = '0011', body: Uint8Array = Buffer.alloc(0)): Buffer {
  const head = Buffer.concat([Buffer.from(`REDIS${version}`), body, Buffer.from([0xff])]);
  return Buffer.concat([head, new Crc64().update(head).bytes()]);
}

function chunked(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, buf.length]) {
    out.push(buf.subarray(at, p));
    at = p;
  }
  return out;
}

describe('crc64', () => {
  it('gives Redis\'s check value for "123456789"', () => {
    expect(new Crc64().update(Buffer.from('123456789')).hex()).toBe('e9c6d914c4b8d9ca');
    expect(new Crc64().update(Buffer.from('123456789')).bytes().toString('hex')).toBe('cad9b8c414d9c6e9');
    expect(new Crc64().hex()).toBe('0000000000000000');
  });

  it('agrees with a bit-by-bit computation, however the input is split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 5 }), (data, cuts) => {
        const crc = new Crc64();
        for (const c of chunked(Buffer.from(data), cuts)) crc.update(c);
        expect(crc.hex()).toBe(referenceCrc64(data).toString(16).padStart(16, '0'));
      }),
    );
  });
});

describe('RDB check', () => {
  it('accepts a snapshot Redis 7 wrote, and the smallest hand-built one', () => {
    expect(checkRdb(REAL_RDB)).toEqual({ ok: true, version: 10, bytes: 135, checksum: 'verified' });
    expect(checkRdb(handBuilt())).toEqual({ ok: true, version: 11, bytes: 18, checksum: 'verified' });
  });

  it('gives the same verdict however the stream is cut into chunks, even byte by byte', () => {
    expect(checkRdb([...REAL_RDB].map((b) => Buffer.from([b])))).toMatchObject({ ok: true, version: 10 });
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 8 }), fc.nat(REAL_RDB.length - 1), (cuts, flip) => {
        expect(checkRdb(chunked(REAL_RDB, cuts)).ok).toBe(true);
        const bad = Buffer.from(REAL_RDB);
        bad[flip]! ^= 0x01;
        expect(checkRdb(chunked(bad, cuts)).ok).toBe(false);
      }),
    );
  });

  it('does not depend on the caller keeping its chunk memory', () => {
    const c = new RdbChecker();
    const reused = Buffer.alloc(64);
    for (let at = 0; at < REAL_RDB.length; at += 64) {
      const n = REAL_RDB.copy(reused, 0, at, at + 64);
      c.update(reused.subarray(0, n));
      reused.fill(0xaa);
    }
    expect(c.finish()).toMatchObject({ ok: true });
  });

  it('fails an empty snapshot', () => {
    expect(checkRdb(Buffer.alloc(0))).toEqual({ ok: false, error: 'the snapshot is empty (0 bytes)' });
    expect(errorOf(checkRdb([]))).toMatch(/empty/);
  });

  it('fails a snapshot cut off anywhere', () => {
    for (let n = 1; n < REAL_RDB.length; n++) {
      const r = checkRdb(REAL_RDB.subarray(0, n));
      expect(r.ok, `${n} bytes`).toBe(false);
      if (!r.ok) expect(r.error, `${n} bytes`).toMatch(/truncated|checksum does not match/);
    }
  });

  it('names a wrong checksum, a missing EOF marker and a file that is not an RDB', () => {
    const bad = Buffer.from(REAL_RDB);
    bad[60]! ^= 0x80;
    expect(checkRdb(bad)).toEqual({ ok: false, error: "the snapshot's checksum does not match: stored cd49776facc45041, computed " + new Crc64().update(bad.subarray(0, -8)).hex() });
    const noEof = Buffer.from(REAL_RDB);
    noEof[noEof.length - 9] = 0x00;
    expect(errorOf(checkRdb(noEof))).toMatch(/does not end with the RDB end-of-file marker/);
    expect(errorOf(checkRdb(Buffer.from('PGDMP\x01\x0e\x00 some postgres dump')))).toMatch(/does not start with REDIS/);
    expect(errorOf(checkRdb(Buffer.from('REDI')))).toMatch(/truncated/);
    expect(errorOf(checkRdb(handBuilt('00x1')))).toMatch(/version "00x1" is not 4 digits/);
    expect(errorOf(checkRdb(handBuilt('0004')))).toMatch(/no checksum/);
  });

  it('accepts a zero checksum, which Redis writes with rdbchecksum off', () => {
    const off = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0xfe, 0x00, 0xff]), Buffer.alloc(8)]);
    expect(checkRdb(off)).toEqual({ ok: true, version: 10, bytes: 20, checksum: 'disabled' });
    // Still a truncated one is caught by its missing EOF marker.
    expect(checkRdb(Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0xfe, 0x00]), Buffer.alloc(8)])).ok).toBe(false);
  });
});
