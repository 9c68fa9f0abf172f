import { describe, expect, it } from 'vitest';
import { addonContainerName, addonEnv, addonType, addonUrl, addonVolumeName, clientCommand, defaultAddonName, generatePassword, maskedUrl, validateAddonName } from './addon-kinds.js';

describe('add-on names and URLs', () => {
  it('gives a PostgreSQL add-on a DATABASE_URL whose user and database are its name with underscores', () => {
    expect(addonUrl({ type: 'postgres', name: 'shop-db' }, 'berth-addon-shop-db', 'abc')).toBe('postgres://shop_db:abc@berth-addon-shop-db:5432/shop_db');
  });

  it('gives a Redis add-on a REDIS_URL with the password and no user', () => {
    expect(addonUrl({ type: 'redis', name: 'cache' }, 'h', 'pw')).toBe('redis://:pw@h:6379');
  });

  it('masks the password in what lists and info show', () => {
    expect(maskedUrl({ type: 'postgres', name: 'db1' }, 'h')).toBe('postgres://db1:********@h:5432/db1');
    expect(maskedUrl({ type: 'redis', name: 'c1' }, 'h')).not.toContain('pw');
  });

  it('names containers and volumes by the add-on name, which is unique across owners', () => {
    expect(addonContainerName('berth', 'shop-db')).toBe('berth-addon-shop-db');
    expect(addonVolumeName('berth', 'shop-db')).toBe('berth-addon-shop-db-data');
  });

  it('refuses names Docker, DNS or SQL would need escaping for, and unknown types', () => {
    for (const bad of ['A', 'x', 'a_b', 'a--b', '-a', 'a-', 'a'.repeat(31), 'a b', 'a;drop']) expect(() => validateAddonName(bad), bad).toThrow(/not allowed/);
    expect(validateAddonName('shop-db')).toBe('shop-db');
    expect(() => addonType('mysql')).toThrow(/choose from postgres, redis/);
  });

  it('makes a default name of the type and random hex, valid by the name rule', () => {
    const n = defaultAddonName('postgres');
    expect(n).toMatch(/^postgres-[0-9a-f]{6}$/);
    expect(validateAddonName(n)).toBe(n);
  });

  it('generates long, URL-safe, different passwords', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[0-9a-f]{48}$/);
    expect(generatePassword()).not.toBe(a);
  });

  it('keeps the password off the client command line', () => {
    const pg = clientCommand({ type: 'postgres', name: 'db1' }, 'h', 'secret', ['-c', 'select 1']);
    expect(pg.cmd.join(' ')).not.toContain('secret');
    expect(pg.env).toEqual({ PGPASSWORD: 'secret' });
    expect(pg.cmd.slice(-2)).toEqual(['-c', 'select 1']);
    const r = clientCommand({ type: 'redis', name: 'c1' }, 'h', 'secret', ['ping']);
    expect(r.cmd).toEqual(['redis-cli', '-h', 'h', '-p', '6379', 'ping']);
    expect(r.env).toEqual({ REDISCLI_AUTH: 'secret' });
    expect(addonEnv({ type: 'postgres', name: 'db1' }, 's')).toEqual({ POSTGRES_USER: 'db1', POSTGRES_DB: 'db1', POSTGRES_PASSWORD: 's' });
  });
});
