import { describe, expect, it } from 'vitest';
import { BerthError } from '../../errors.js';
import {
  keyTimestamp, objectKey, parseSourceName, pgDumpCommand, pgEnv, pgListTableDataCount, pgRestoreCommand, pgRestoreEnv, pgRestoreListCommand,
  pgRestoreReadAllCommand, redisDumpCommand, sourceLabel, volumeRestoreCommand, volumeTarCommand,
} from './sources.js';

const target = { host: 'berth-addon-shop-db', user: 'shop_db', database: 'shop_db' };

describe('backup commands', () => {
  it('dumps PostgreSQL in the custom format, the password only in the environment', () => {
    expect(pgDumpCommand(target)).toEqual(['pg_dump', '-Fc', '-h', 'berth-addon-shop-db', '-p', '5432', '-U', 'shop_db', '-d', 'shop_db']);
    expect(pgEnv('secret')).toEqual({ PGPASSWORD: 'secret' });
  });

  it('dumps under the snapshot the row counts were taken in, and refuses anything else there', () => {
    expect(pgDumpCommand({ ...target, snapshot: '00000003-0000001B-1' }).at(-1)).toBe('--snapshot=00000003-0000001B-1');
    expect(pgDumpCommand({ ...target, snapshot: '00000003-1' }).at(-1)).toBe('--snapshot=00000003-1');
    for (const bad of ['', 'x', '--help', '00000003-0000001B-1 --data-only']) expect(() => pgDumpCommand({ ...target, snapshot: bad }), bad).toThrow(/not a PostgreSQL snapshot id/);
  });

  it('checks a dump from stdin twice: its table of contents, and every data block', () => {
    expect(pgRestoreListCommand()).toEqual(['pg_restore', '--list']);
    expect(pgRestoreReadAllCommand()).toEqual(['pg_restore', '--file=/dev/null']);
  });

  it('restores all or nothing from stdin, giving up on a lock after 30 s', () => {
    const cmd = pgRestoreCommand(target);
    expect(cmd.slice(0, 7)).toEqual(['pg_restore', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error']);
    expect(cmd.slice(7)).toEqual(['-h', 'berth-addon-shop-db', '-p', '5432', '-U', 'shop_db', '-d', 'shop_db']);
    expect(cmd).not.toContain('-j');
    expect(pgRestoreEnv('pw')).toEqual({ PGPASSWORD: 'pw', PGOPTIONS: '-c lock_timeout=30s' });
  });

  it('streams a Redis snapshot to stdout with the password off the command line', () => {
    const r = redisDumpCommand({ host: 'berth-addon-cache', password: 'secret' });
    expect(r.cmd).toEqual(['redis-cli', '-h', 'berth-addon-cache', '-p', '6379', '--no-auth-warning', '--rdb', '-']);
    expect(r.cmd.join(' ')).not.toContain('secret');
    expect(r.env).toEqual({ REDISCLI_AUTH: 'secret' });
  });

  it('archives and restores a volume with numeric owners, through one fixed script', () => {
    expect(volumeTarCommand()).toEqual(['tar', '-C', '/volume', '--numeric-owner', '-czf', '-', '.']);
    expect(volumeRestoreCommand()).toEqual(['sh', '-c', 'find /volume -mindepth 1 -delete && tar -C /volume --numeric-owner --same-owner -xzpf -']);
  });
});

describe('backup sources', () => {
  it('reads an add-on name or APP:VOLUME, the app optionally as owner/app', () => {
    expect(parseSourceName('shop-db')).toEqual({ kind: 'addon', name: 'shop-db' });
    expect(parseSourceName('shop:data')).toEqual({ kind: 'volume', app: 'shop', volume: 'data' });
    expect(parseSourceName('alice/shop:uploads-2')).toEqual({ kind: 'volume', app: 'alice/shop', volume: 'uploads-2' });
    expect(sourceLabel(parseSourceName('alice/shop:data'))).toBe('alice/shop:data');
    expect(sourceLabel(parseSourceName('cache'))).toBe('cache');
  });

  it.each([
    ['', /required/],
    ['Shop-DB', /add-on name "Shop-DB" is not allowed/],
    ['a;rm -rf', /add-on name/],
    ['shop:', /volume name "" is not allowed: the name must be/],
    ['shop:Data', /volume name "Data"/],
    ['shop:data:x', /volume name "data:x"/],
    [':data', /app name is required/],
    ['Shop:data', /app name "Shop" is not allowed/],
    ['alice/bob/shop:data', /app name "bob\/shop"/],
    ['Alice/shop:data', /owner name "Alice"/],
    ['/shop:data', /owner name is required/],
  ])('refuses %j, saying what a source may be', (input, message) => {
    let err: unknown;
    try {
      parseSourceName(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BerthError);
    const e = err as BerthError;
    expect(e.code).toBe('invalid');
    expect(e.message).toMatch(message);
    expect(e.hint).toContain('APP:VOLUME');
  });
});

describe('object keys', () => {
  const at = new Date('2026-11-24T03:00:05.123Z');

  it('files a backup under its owner, kind and source, named by UTC time so keys sort in time order', () => {
    expect(objectKey({ owner: 'alice', kind: 'addon', source: 'shop-db', at, id: 42 })).toBe('alice/addon/shop-db/20261124T030005Z-42.berthbak');
    expect(objectKey({ owner: 'alice', kind: 'volume', source: 'shop:data', at, id: 'b-7' })).toBe('alice/volume/shop.data/20261124T030005Z-b-7.berthbak');
    expect(objectKey({ owner: 'alice', kind: 'volume', source: 'alice/shop:data', at, id: 'b-7' })).toBe('alice/volume/shop.data/20261124T030005Z-b-7.berthbak');
    expect(keyTimestamp(new Date('2026-01-02T03:04:05Z')) < keyTimestamp(new Date('2026-01-02T03:04:06Z'))).toBe(true);
  });

  it('refuses parts that could leave the owner\'s prefix or collide', () => {
    const ok = { owner: 'alice', kind: 'addon' as const, source: 'shop-db', at, id: 1 };
    expect(() => objectKey({ ...ok, owner: '../bob' })).toThrow(/owner name/);
    expect(() => objectKey({ ...ok, source: '../x' })).toThrow(/cannot name a stored addon backup/);
    expect(() => objectKey({ ...ok, source: 'shop:data' })).toThrow(/cannot name/);
    expect(() => objectKey({ ...ok, kind: 'volume' })).toThrow(/cannot name a stored volume backup/);
    expect(() => objectKey({ ...ok, kind: 'volume', source: 'bob/shop:data' })).toThrow(/cannot name a stored volume backup of owner alice/);
    expect(() => objectKey({ ...ok, source: 'alice/shop-db' })).toThrow(/cannot name/);
    expect(() => objectKey({ ...ok, id: 'a/b' })).toThrow(/letters, digits and dashes/);
    expect(() => objectKey({ ...ok, at: new Date(Number.NaN) })).toThrow(/valid time/);
  });
});

describe('pg_restore --list', () => {
  it('counts the TABLE DATA entries, not tables, sequences, comments or commented-out entries', () => {
    const list = [
      ';',
      '; Archive created at 2026-11-24 03:00:05 UTC',
      ';     dbname: shop_db',
      ';     Format: CUSTOM',
      ';',
      '; Selected TOC Entries:',
      ';',
      '215; 1259 16386 TABLE public notes shop_db',
      '216; 1259 16385 SEQUENCE public notes_id_seq shop_db',
      '3338; 0 16386 TABLE DATA public notes shop_db',
      '3339; 0 16400 TABLE DATA public order items shop_db',
      ';3340; 0 16410 TABLE DATA public skipped shop_db',
      '3341; 0 0 SEQUENCE SET public notes_id_seq shop_db',
      '3342; 0 16420 MATERIALIZED VIEW DATA public totals shop_db',
      ';\tdepends on: 215',
      '3190; 2606 16392 CONSTRAINT public notes notes_pkey shop_db',
      '',
    ].join('\n');
    expect(pgListTableDataCount(list)).toBe(2);
    expect(pgListTableDataCount('')).toBe(0);
    expect(pgListTableDataCount(list.replace(/\n/g, '\r\n'))).toBe(2);
  });
});
