// What a Redis backup counts and what its drill compares: keys per database from INFO keyspace,
// and keys with a TTL left out of the comparison (their TTL may run out before the drill).
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compareCounts } from './drill-compare.js';
import { checkRdb } from './rdb-check.js';
import { comparableCounts, keyspaceCounts, parseKeyspace, RdbMarkStripper } from './redis-backup.js';

const INFO = '# Keyspace\r\ndb0:keys=12,expires=2,avg_ttl=99723\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n';

describe('Redis key counts', () => {
  it('reads keys and keys with a TTL per database from INFO keyspace (CRLF or LF, other lines ignored)', () => {
    expect(parseKeyspace(INFO)).toEqual({ db0: { keys: 12, expires: 2 }, db3: { keys: 1, expires: 0 } });
    expect(parseKeyspace('dbsize 12\ndb0:keys=12,expires=2,avg_ttl=0\n')).toEqual({ db0: { keys: 12, expires: 2 } });
    expect(parseKeyspace('# Keyspace\r\n')).toEqual({});
  });

  it('stores keys per database, and how many have a TTL only where some do', () => {
    expect(keyspaceCounts(parseKeyspace(INFO))).toEqual({ db0: 12, 'db0:expires': 2, db3: 1 });
    expect(keyspaceCounts({})).toEqual({});
  });

  it('passes a drill whose copy lost only keys whose TTL ran out', () => {
    const counts = keyspaceCounts(parseKeyspace(INFO));
    const expected = comparableCounts(counts);
    expect(expected).toEqual({ 'db0 (keys without a TTL)': 10, db3: 1 });
    // Both keys with a TTL expired since: db0 restores 10 keys, none with a TTL.
    const restored = comparableCounts(counts, { db0: { keys: 10, expires: 0 }, db3: { keys: 1, expires: 0 } });
    expect(compareCounts(expected, restored).ok).toBe(true);
  });

  it('passes a drill of a database whose keys all had a TTL that ran out (Redis no longer lists it)', () => {
    const counts = { db1: 3, 'db1:expires': 3 };
    expect(compareCounts(comparableCounts(counts), comparableCounts(counts, {})).ok).toBe(true);
  });

  it('fails a drill that lost a key without a TTL, or a whole database', () => {
    const counts = { db0: 5, db2: 1 };
    const lost = compareCounts(comparableCounts(counts), comparableCounts(counts, { db0: { keys: 4, expires: 0 }, db2: { keys: 1, expires: 0 } }));
    expect(lost.ok).toBe(false);
    expect(lost.summary).toBe('db0: expected 5, restored 4');
    const gone = compareCounts(comparableCounts(counts), comparableCounts(counts, { db0: { keys: 5, expires: 0 } }));
    expect(gone.summary).toBe('db2: expected 1, missing after the restore');
  });

  it('fails a drill whose copy holds a database the backup had not', () => {
    expect(compareCounts(comparableCounts({ db0: 1 }), comparableCounts({ db0: 1 }, { db0: { keys: 1, expires: 0 }, db5: { keys: 2, expires: 0 } })).ok).toBe(false);
  });
});

/** A snapshot Redis 7.0.15 wrote (as in rdb-check.test.ts). */
const RDB = Buffer.from(
  'UkVESVMwMDEw+glyZWRpcy12ZXIGNy4wLjE1+gpyZWRpcy1iaXRzwED6BWN0aW1lwt39BGv6CHVzZWQtbWVtwhgWDwD6CGFvZi1iYXNlwAD+APsCABIEbGlzdAECEBAAAAADAIFhAoFiAoFjAv8ACGdyZWV0aW5nBWhlbGxv/0FQxKxvd0nN',
  'base64',
);

async function stripped(data: Buffer, chunk: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) parts.push(data.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const c of Readable.from(parts).pipe(new RdbMarkStripper())) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('the snapshot redis-cli --rdb - writes to a pipe', () => {
  it('loses the 40-digit diskless-sync mark redis-cli 7.0 leaves after the RDB, however it is chunked', async () => {
    const withMark = Buffer.concat([RDB, Buffer.from('d92f9b3f6e7333f268b7839b893e21396245745c')]);
    for (const chunk of [1, 7, 39, 40, 41, 64, 4096]) {
      const out = await stripped(withMark, chunk);
      expect(out.equals(RDB)).toBe(true);
      expect(checkRdb(out).ok).toBe(true);
    }
  });

  it('keeps every byte of a snapshot without the mark, and of short or non-RDB output', async () => {
    for (const data of [RDB, Buffer.from('short'), Buffer.alloc(0), Buffer.from('x'.repeat(100))]) {
      for (const chunk of [1, 13, 4096]) expect((await stripped(data, chunk)).equals(data)).toBe(true);
    }
  });
});
