// Backup schedules and keys as a user sets them: bad input refused naming what is wrong, --off
// removes the schedule, a key exported here is read back on another server, and a rotated key
// leaves old backups readable.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBackupStore } from '../../infra/backup-store/local.js';
import { backupDeps, rejection, tarGz, VOLUME_SOURCE } from '../testing/backup-fixture.js';
import type { FakeDeps } from '../testing/deps.js';
import { backupKeyLookup } from './backup-destinations.js';
import { checkBackup, createBackup } from './backup-service.js';
import { addDestination, DEFAULT_KEEP, exportKey, importKey, keyNotExported, listDestinations, listSchedules, removeDestination, rotateKey, setSchedule, type AddDestination, type SetSchedule } from './backup-settings.js';

const SOURCE = VOLUME_SOURCE;
const log = () => undefined;

/** The error `fn` throws. */
function thrown(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected it to throw');
}

let f: FakeDeps;
const others: FakeDeps[] = [];
const schedule = (p: Partial<SetSchedule>) => setSchedule(f.deps, { source: SOURCE, schedule: '0 3 * * *', keepDaily: 7, keepWeekly: 4, drill: null, visible: undefined, ...p });

beforeEach(() => {
  f = backupDeps();
  const archive = tarGz();
  f.engine.pipedHandler = () => ({ stdout: archive, code: 0, stderr: '' });
});

afterEach(async () => {
  for (const o of [f, ...others.splice(0)]) {
    await o.jobs.idle();
    o.cleanup();
  }
});

describe('setSchedule', () => {
  it('keeps a valid schedule with its retention and drill, and says when it next runs', () => {
    const v = schedule({ keepDaily: 3, keepWeekly: 2, drill: '@weekly' });
    expect(v).toMatchObject({ source: SOURCE, sourceKind: 'volume', owner: 'acme', schedule: '0 3 * * *', keepDaily: 3, keepWeekly: 2, drillSchedule: '@weekly', destination: 'local' });
    expect(v.nextBackupAt).toMatch(/T03:00:00\.000Z$/);
    expect(listSchedules(f.deps, undefined)).toHaveLength(1);
    expect(listSchedules(f.deps, (o) => o === 'other')).toHaveLength(0);
  });

  it('refuses a bad cron expression naming the field, and a bad drill schedule naming --drill', () => {
    const e = thrown(() => schedule({ schedule: '61 * * * *' }));
    expect(e.code).toBe('invalid');
    expect(e.message).toMatch(/--cron "61 \* \* \* \*": minute must be 0-59/);
    expect(() => schedule({ schedule: '* * *' })).toThrow(/--cron "\* \* \*": has 3 fields; expected 5/);
    expect(() => schedule({ drill: '@fortnightly' })).toThrow(/--drill "@fortnightly": is not one of/);
    expect(f.deps.db.backups.policies.list()).toEqual([]);
  });

  it('refuses keep values that are not whole numbers from 0 to 1000', () => {
    expect(() => schedule({ keepDaily: -1 })).toThrow(/--keep-daily must be a whole number from 0 to 1000/);
    expect(() => schedule({ keepWeekly: 1.5 })).toThrow(/--keep-weekly must be a whole number/);
    expect(() => schedule({ keepDaily: 1001 })).toThrow(/--keep-daily/);
    expect(schedule({ keepDaily: 0, keepWeekly: 1000 })).toMatchObject({ keepDaily: 0, keepWeekly: 1000 });
  });

  it('refuses an unknown destination and an unknown source as not found', () => {
    const e = thrown(() => schedule({ to: 'nowhere' }));
    expect(e.code).toBe('not_found');
    expect(e.message).toContain('no backup destination nowhere');
    expect(thrown(() => schedule({ source: 'acme/shop:logs' })).code).toBe('not_found');
    expect(thrown(() => schedule({ visible: (o) => o === 'other' })).code).toBe('not_found');
  });

  it('--off (no schedule, no drill) removes the policy; changing it keeps one policy', () => {
    schedule({});
    schedule({ schedule: '30 4 * * *', keepDaily: 2 });
    expect(f.deps.db.backups.policies.list()).toHaveLength(1);
    expect(listSchedules(f.deps, undefined)[0]).toMatchObject({ schedule: '30 4 * * *', keepDaily: 2 });
    const off = schedule({ schedule: null, drill: null });
    expect(off).toMatchObject({ schedule: null, drillSchedule: null, nextBackupAt: null });
    expect(f.deps.db.backups.policies.list()).toEqual([]);
    // Off again is no error.
    expect(() => schedule({ schedule: null, drill: null })).not.toThrow();
  });

  it('a drill alone is a policy of its own (no scheduled backups)', () => {
    expect(schedule({ schedule: null, drill: '@daily' })).toMatchObject({ schedule: null, drillSchedule: '@daily', nextBackupAt: null });
    expect(listSchedules(f.deps, undefined)).toHaveLength(1);
  });

  it('defaults retention to a week of dailies and a month of weeklies', () => {
    expect(DEFAULT_KEEP).toEqual({ daily: 7, weekly: 4 });
  });
});

describe('backup keys', () => {
  it('exports a key another server imports: the same id and key; importing again changes nothing', () => {
    const { id, key } = exportKey(f.deps);
    const other = backupDeps();
    others.push(other);
    expect(importKey(other.deps, key)).toEqual({ id });
    expect(importKey(other.deps, `  ${key}\n`)).toEqual({ id });
    expect(other.deps.db.backups.keys.active()?.id).toBe(id);
    expect(backupKeyLookup(other.deps)(id)?.equals(backupKeyLookup(f.deps)(id)!)).toBe(true);
    expect(other.deps.db.events.after(0).filter((e) => e.kind === 'backup.key-imported')).toHaveLength(1);
    // An imported key has a copy elsewhere already: no warning on the other server.
    expect(keyNotExported(other.deps)).toBe(false);
  });

  it('refuses text that is not an exported key, or whose key does not match its id', () => {
    expect(() => importKey(f.deps, 'hello')).toThrow(/not a Berth backup key/);
    const { key } = exportKey(f.deps);
    const parts = key.split(':');
    const tampered = [...parts.slice(0, 3), `${parts[3]!.slice(0, -2)}${parts[3]!.endsWith('AA') ? 'AB' : 'AA'}`].join(':');
    const other = backupDeps();
    others.push(other);
    expect(thrown(() => importKey(other.deps, tampered)).code).toBe('invalid');
  });

  it('warns (keyNotExported) from the first backup until the key is exported, and again after a rotate', async () => {
    expect(keyNotExported(f.deps)).toBe(false); // no key yet: nothing to lose
    expect((await createBackup(f.deps, { source: SOURCE, visible: undefined, log })).status).toBe('ok');
    expect(keyNotExported(f.deps)).toBe(true);
    exportKey(f.deps);
    expect(keyNotExported(f.deps)).toBe(false);
    rotateKey(f.deps);
    expect(keyNotExported(f.deps)).toBe(true);
  });

  it('rotate makes a new active key; backups taken with the old one still check ok, new ones use the new key', async () => {
    const old = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    const { id } = rotateKey(f.deps);
    expect(id).not.toBe(old.keyId);
    expect(f.deps.db.backups.keys.active()?.id).toBe(id);
    expect((await checkBackup(f.deps, { id: old.id, visible: undefined, log })).status).toBe('ok');
    const fresh = await createBackup(f.deps, { source: SOURCE, visible: undefined, log });
    expect(fresh).toMatchObject({ status: 'ok', keyId: id });
    expect(exportKey(f.deps).id).toBe(id);
  });
});

describe('destinations', () => {
  /** S3 destinations play a local directory per bucket; `down` makes the probe (and all else) fail. */
  let down = false;
  const s3Dir = (bucket: string) => join(f.deps.config.dataDir, 'fake-s3', bucket);
  beforeEach(() => {
    down = false;
    f.deps.backupStore = (d) => {
      if (d.kind === 'local') return new LocalBackupStore(d.dir);
      if (down) throw new Error('connect ECONNREFUSED');
      return new LocalBackupStore(s3Dir(d.bucket));
    };
  });
  const add = (p: Partial<AddDestination>) =>
    addDestination(f.deps, { owner: 'acme', name: 'offsite', endpoint: 'https://s3.example.com', bucket: 'acme-backups', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'very-secret-key', ...p });

  it('adds a destination after it answers; its secret is kept sealed and never shown', async () => {
    const d = await add({});
    expect(d).toMatchObject({ name: 'offsite', owner: 'acme', kind: 's3', endpoint: 'https://s3.example.com', bucket: 'acme-backups', region: 'us-east-1', accessKeyId: 'AKIDEXAMPLE' });
    expect(JSON.stringify(d)).not.toContain('very-secret-key');
    const row = f.deps.db.backups.destinations.byName('acme', 'offsite')!;
    expect(JSON.stringify(row)).not.toContain('very-secret-key');
    expect(listDestinations(f.deps, undefined).map((x) => x.name)).toEqual(['offsite']);
    expect(listDestinations(f.deps, (o) => o === 'other')).toEqual([]);
    expect((await rejection(add({}))).code).toBe('conflict');
  });

  it('refuses bad names, endpoints, buckets and keys before connecting anywhere', async () => {
    const refused = async (p: Partial<AddDestination>) => rejection(add(p));
    expect((await refused({ name: 'local' })).message).toMatch(/not allowed/);
    expect((await refused({ name: 'Off Site' })).message).toMatch(/not allowed/);
    expect((await refused({ endpoint: 'not a url' })).message).toMatch(/is not a URL/);
    expect((await refused({ endpoint: 'ftp://s3.example.com' })).message).toMatch(/http\(s\)/);
    expect((await refused({ endpoint: 'https://AKID:secret@s3.example.com' })).message).toMatch(/not in the endpoint URL/);
    expect((await refused({ endpoint: 'http://169.254.169.254' })).code).toBe('invalid');
    expect((await refused({ endpoint: 'http://127.0.0.1:9000' })).message).toMatch(/BERTH_BACKUP_ALLOW_PRIVATE/);
    expect((await refused({ bucket: 'A_B' })).message).toMatch(/not a valid bucket name/);
    expect((await refused({ secretAccessKey: '' })).message).toMatch(/both the access key id and the secret/);
    expect((await refused({ owner: 'nobody' })).code).toBe('not_found');
    expect(f.deps.db.backups.destinations.list()).toEqual([]);
  });

  it('does not save a destination that does not answer', async () => {
    down = true;
    const e = await rejection(add({}));
    expect(e.code).toBe('failed');
    expect(e.message).toMatch(/does not answer as an S3 bucket: connect ECONNREFUSED/);
    expect(f.deps.db.backups.destinations.list()).toEqual([]);
  });

  it('backs up to it, and refuses to remove it while a schedule sends backups there', async () => {
    await add({});
    const b = await createBackup(f.deps, { source: SOURCE, to: 'offsite', visible: undefined, log });
    expect(b).toMatchObject({ status: 'ok', destination: 'offsite' });
    expect(existsSync(join(s3Dir('acme-backups'), f.deps.db.backups.get(b.id)!.objectKey))).toBe(true);
    expect(schedule({ to: 'offsite' }).destination).toBe('offsite');
    const e = thrown(() => removeDestination(f.deps, 'acme', 'offsite', undefined));
    expect(e.code).toBe('conflict');
    expect(e.message).toContain(SOURCE);
    schedule({ schedule: null, drill: null });
    removeDestination(f.deps, 'acme', 'offsite', undefined);
    expect(listDestinations(f.deps, undefined)).toEqual([]);
    expect(thrown(() => removeDestination(f.deps, 'acme', 'offsite', undefined)).code).toBe('not_found');
  });
});
