import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from './database.js';

let db: Db;
beforeEach(() => {
  db = openDb(':memory:');
  db.owners.ensure('acme');
  db.owners.ensure('beta');
});
afterEach(() => db.close());

const source = { owner: 'acme', sourceKind: 'addon', source: 'shop-db', appId: null, destinationId: null, objectKey: 'acme/addon/shop-db/x.berthbak', trigger: 'manual' } as const;

describe('backup keys', () => {
  it('keeps one key active: a new active key or setActive replaces it, the old ones stay', () => {
    expect(db.backups.keys.active()).toBeUndefined();
    db.backups.keys.insert({ id: 'aaaa', sealedKey: 'sealed-a', active: true });
    expect(db.backups.keys.active()).toMatchObject({ id: 'aaaa', sealedKey: 'sealed-a', active: true, exportedAt: null });
    db.backups.keys.insert({ id: 'bbbb', sealedKey: 'sealed-b', active: true });
    db.backups.keys.insert({ id: 'cccc', sealedKey: 'sealed-c', active: false });
    expect(db.backups.keys.active()?.id).toBe('bbbb');
    expect(db.backups.keys.list().map((k) => [k.id, k.active])).toEqual([
      ['aaaa', false],
      ['bbbb', true],
      ['cccc', false],
    ]);
    expect(db.backups.keys.setActive('aaaa')).toBe(true);
    expect(db.backups.keys.setActive('nope')).toBe(false);
    expect(db.backups.keys.list().filter((k) => k.active).map((k) => k.id)).toEqual(['aaaa']);
    db.backups.keys.markExported('aaaa');
    expect(db.backups.keys.get('aaaa')!.exportedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('backup destinations', () => {
  it('are unique by owner and name, keep their config and sealed credentials, and go with their owner', () => {
    const d = db.backups.destinations.insert({ owner: 'acme', name: 'offsite', kind: 's3', config: { endpoint: 'http://127.0.0.1:4569', bucket: 'b', region: 'us-east-1', prefix: 'berth/' }, sealedCredentials: 'sealed' });
    expect(d).toMatchObject({ owner: 'acme', name: 'offsite', kind: 's3', config: { bucket: 'b', prefix: 'berth/' }, sealedCredentials: 'sealed' });
    expect(d.id).toMatch(/^[0-9a-f]{12}$/);
    expect(db.backups.destinations.byName('acme', 'offsite')?.id).toBe(d.id);
    expect(db.backups.destinations.byName('beta', 'offsite')).toBeUndefined();
    expect(() => db.backups.destinations.insert({ owner: 'acme', name: 'offsite', kind: 'local', config: {}, sealedCredentials: null })).toThrow(/UNIQUE/);
    db.backups.destinations.insert({ owner: 'beta', name: 'offsite', kind: 'local', config: { path: '/srv/b' }, sealedCredentials: null });
    expect(db.backups.destinations.list().map((x) => x.owner)).toEqual(['acme', 'beta']);
    expect(db.backups.destinations.list('beta').map((x) => x.config)).toEqual([{ path: '/srv/b' }]);
    db.owners.delete('beta');
    expect(db.backups.destinations.list('beta')).toEqual([]);
  });

  it('cannot be removed while a policy sends backups there; backups stored there keep its id', () => {
    const d = db.backups.destinations.insert({ owner: 'acme', name: 'offsite', kind: 'local', config: {}, sealedCredentials: null });
    const b = db.backups.insert({ ...source, destinationId: d.id });
    const p = db.backups.policies.upsert({ owner: 'acme', sourceKind: 'addon', source: 'shop-db', appId: null, destinationId: d.id, schedule: '0 3 * * *', keepDaily: 7, keepWeekly: 4, drillSchedule: null });
    expect(db.backups.destinations.usedByPolicies(d.id)).toBe(true);
    expect(() => db.backups.destinations.delete(d.id)).toThrow(/FOREIGN KEY/);
    db.backups.policies.delete(p.id);
    expect(db.backups.destinations.usedByPolicies(d.id)).toBe(false);
    expect(db.backups.destinations.delete(d.id)).toBe(true);
    expect(db.backups.destinations.get(d.id)).toBeUndefined();
    expect(db.backups.get(b.id)!.destinationId).toBe(d.id);
  });
});

describe('backup policies', () => {
  it('are one per source: an upsert replaces the settings and keeps how far the schedules were handled', () => {
    const p = db.backups.policies.upsert({ owner: 'acme', sourceKind: 'addon', source: 'shop-db', appId: null, destinationId: null, schedule: '0 3 * * *', keepDaily: 7, keepWeekly: 4, drillSchedule: '@weekly' });
    expect(p).toMatchObject({ schedule: '0 3 * * *', keepDaily: 7, keepWeekly: 4, drillSchedule: '@weekly', handledThrough: null, drillHandledThrough: null });
    db.backups.policies.setHandledThrough(p.id, '2026-11-24T03:00:00.000Z');
    db.backups.policies.setDrillHandledThrough(p.id, '2026-11-23T00:00:00.000Z');
    const q = db.backups.policies.upsert({ owner: 'acme', sourceKind: 'addon', source: 'shop-db', appId: null, destinationId: null, schedule: '0 4 * * *', keepDaily: null, keepWeekly: 2, drillSchedule: null });
    expect(q).toMatchObject({ id: p.id, schedule: '0 4 * * *', keepDaily: null, keepWeekly: 2, drillSchedule: null, handledThrough: '2026-11-24T03:00:00.000Z', drillHandledThrough: '2026-11-23T00:00:00.000Z' });
    expect(db.backups.policies.bySource('addon', 'shop-db')?.id).toBe(p.id);
    expect(db.backups.policies.bySource('volume', 'shop-db')).toBeUndefined();
    db.backups.policies.upsert({ owner: 'beta', sourceKind: 'volume', source: 'blog:data', appId: null, destinationId: null, schedule: null, keepDaily: 1, keepWeekly: 0, drillSchedule: null });
    expect(db.backups.policies.list().map((x) => x.source)).toEqual(['shop-db', 'blog:data']);
    expect(db.backups.policies.list('beta').map((x) => x.source)).toEqual(['blog:data']);
    expect(db.backups.policies.delete(p.id)).toBe(true);
    expect(db.backups.policies.get(p.id)).toBeUndefined();
  });

  it("of an app's volume go with the app", () => {
    const app = db.apps.insert({ name: 'blog', owner: 'acme' });
    db.backups.policies.upsert({ owner: 'acme', sourceKind: 'volume', source: 'blog:data', appId: app.id, destinationId: null, schedule: '@daily', keepDaily: 7, keepWeekly: 4, drillSchedule: null });
    const b = db.backups.insert({ ...source, sourceKind: 'volume', source: 'blog:data', appId: app.id });
    db.apps.delete(app.id);
    expect(db.backups.policies.list()).toEqual([]);
    // The backup outlives its app: it can still be restored elsewhere.
    expect(db.backups.get(b.id)).toMatchObject({ source: 'blog:data', appId: null });
  });
});

describe('backups', () => {
  it('go from running through verifying to ok with their sizes, checksum, counts and finish time', () => {
    const b = db.backups.insert({ ...source, keyId: 'aaaa' });
    expect(b).toMatchObject({ status: 'running', trigger: 'manual', keyId: 'aaaa', counts: null, finishedAt: null, drillStatus: null, drillDetail: null });
    expect(b.id).toMatch(/^[0-9a-f]{12}$/);
    db.backups.update(b.id, { plainBytes: 100, cipherBytes: 140, sha256: 'ab'.repeat(32), counts: { users: 3, orders: 0 } });
    db.backups.setStatus(b.id, 'verifying');
    expect(db.backups.get(b.id)).toMatchObject({ status: 'verifying', finishedAt: null, plainBytes: 100, cipherBytes: 140, counts: { users: 3, orders: 0 } });
    db.backups.setStatus(b.id, 'ok', { warning: 'tar: files changed while they were read' });
    const ok = db.backups.get(b.id)!;
    expect(ok).toMatchObject({ status: 'ok', warning: 'tar: files changed while they were read', error: null });
    expect(ok.finishedAt).not.toBeNull();
    // Pruning later keeps when it finished.
    db.backups.setStatus(b.id, 'pruned');
    expect(db.backups.get(b.id)).toMatchObject({ status: 'pruned', finishedAt: ok.finishedAt });
    // update() leaves fields it is not given alone, and sets null ones.
    db.backups.update(b.id, { warning: null });
    expect(db.backups.get(b.id)).toMatchObject({ warning: null, sha256: 'ab'.repeat(32) });
  });

  it('list newest first, filtered by source, owner, destination or status; latestOk skips failed ones', () => {
    const at = (d: string) => `2026-11-${d}T03:00:00.000Z`;
    const a = db.backups.insert({ ...source, startedAt: at('20') });
    const b = db.backups.insert({ ...source, startedAt: at('21') });
    const c = db.backups.insert({ ...source, startedAt: at('22') });
    const other = db.backups.insert({ ...source, owner: 'beta', source: 'blog-db', startedAt: at('23') });
    db.backups.setStatus(a.id, 'ok');
    db.backups.setStatus(b.id, 'ok');
    db.backups.setStatus(c.id, 'failed', { error: 'the dump is empty (0 bytes)' });
    expect(db.backups.list().map((x) => x.id)).toEqual([other.id, c.id, b.id, a.id]);
    expect(db.backups.list({ sourceKind: 'addon', source: 'shop-db' }).map((x) => x.id)).toEqual([c.id, b.id, a.id]);
    expect(db.backups.list({ owner: 'beta' }).map((x) => x.id)).toEqual([other.id]);
    expect(db.backups.list({ status: 'ok' }, 1).map((x) => x.id)).toEqual([b.id]);
    expect(db.backups.list({ destinationId: 'none' })).toEqual([]);
    expect(db.backups.latestOk('addon', 'shop-db')?.id).toBe(b.id);
    expect(db.backups.latestOk('addon', 'blog-db')).toBeUndefined();
    expect(db.backups.get(c.id)).toMatchObject({ status: 'failed', error: 'the dump is empty (0 bytes)' });
  });

  it('keep the last drill: its status, time, per-table comparison and error', () => {
    const b = db.backups.insert(source);
    db.backups.setStatus(b.id, 'ok');
    db.backups.setDrill(b.id, { status: 'running' });
    expect(db.backups.get(b.id)).toMatchObject({ drillStatus: 'running', drillDetail: null, drillError: null });
    expect(db.backups.get(b.id)!.drillAt).not.toBeNull();
    const detail = [
      { table: 'users', expected: 3, restored: 3 },
      { table: 'orders', expected: 5, restored: null },
    ];
    db.backups.setDrill(b.id, { status: 'failed', detail, error: 'table orders is missing' });
    expect(db.backups.get(b.id)).toMatchObject({ drillStatus: 'failed', drillDetail: detail, drillError: 'table orders is missing' });
    db.backups.update(b.id, { drillStatus: 'ok', drillDetail: [], drillError: null });
    expect(db.backups.get(b.id)).toMatchObject({ drillStatus: 'ok', drillDetail: [], drillError: null });
  });

  it('left running or verifying by a stopped Berth are found and marked interrupted; a running drill fails', () => {
    const running = db.backups.insert(source);
    const verifying = db.backups.insert(source);
    db.backups.setStatus(verifying.id, 'verifying');
    const drilled = db.backups.insert(source);
    db.backups.setStatus(drilled.id, 'ok');
    db.backups.setDrill(drilled.id, { status: 'running' });
    const done = db.backups.insert(source);
    db.backups.setStatus(done.id, 'ok');
    expect(
      db.backups
        .running()
        .map((b) => b.id)
        .sort(),
    ).toEqual([running.id, verifying.id, drilled.id].sort());
    for (const b of db.backups.running()) db.backups.markInterrupted(b.id, 'Berth stopped');
    expect(db.backups.get(running.id)).toMatchObject({ status: 'interrupted', error: 'Berth stopped' });
    expect(db.backups.get(running.id)!.finishedAt).not.toBeNull();
    expect(db.backups.get(verifying.id)).toMatchObject({ status: 'interrupted' });
    expect(db.backups.get(drilled.id)).toMatchObject({ status: 'ok', error: null, drillStatus: 'failed', drillError: 'Berth stopped' });
    expect(db.backups.get(done.id)).toMatchObject({ status: 'ok', drillStatus: null });
    expect(db.backups.running()).toEqual([]);
  });

  it('refuse a status the schema does not know', () => {
    const b = db.backups.insert(source);
    expect(() => db.backups.setStatus(b.id, 'done' as 'ok')).toThrow(/CHECK/);
  });
});
