// The backup routes against stubbed services: what the streams end with, who may touch the
// keys, and which backups an app's tab gets. The services themselves run in test/e2e/backups.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../config.js';
import type { BackupView } from '../../domain/backups/backup-service.js';
import type { Deps } from '../../domain/context.js';
import { generateToken, storeToken } from '../../domain/users/tokens.js';
import { openDb } from '../../infra/db/database.js';
import { buildHttpApp } from '../app.js';

const svc = vi.hoisted(() => ({
  createBackup: vi.fn(),
  listBackups: vi.fn(),
  getBackup: vi.fn(),
  restoreBackup: vi.fn(),
  checkBackup: vi.fn(),
  drillBackup: vi.fn(),
  setSchedule: vi.fn(),
  exportKey: vi.fn(),
  listAddons: vi.fn(),
}));
vi.mock('../../domain/backups/backup-service.js', () => ({ ...svc }));
vi.mock('../../domain/backups/backup-settings.js', () => ({
  DEFAULT_KEEP: { daily: 7, weekly: 4 },
  setSchedule: svc.setSchedule,
  exportKey: svc.exportKey,
  addDestination: vi.fn(),
  listDestinations: vi.fn(() => []),
  removeDestination: vi.fn(),
  listSchedules: vi.fn(() => []),
  importKey: vi.fn(),
  rotateKey: vi.fn(),
  keyNotExported: vi.fn(() => true),
}));
vi.mock('../../domain/addons/addon-service.js', async (original) => ({ ...(await original<object>()), listAddons: svc.listAddons }));

const backup = (over: Partial<BackupView>): BackupView => ({
  id: 'b1',
  owner: 'default',
  source: 'pg-1',
  sourceKind: 'addon',
  destination: 'local',
  status: 'ok',
  trigger: 'manual',
  plainBytes: 1024,
  cipherBytes: 1100,
  sha256: 'ab'.repeat(32),
  keyId: 'k1',
  counts: { notes: 3 },
  warning: null,
  error: null,
  startedAt: '2026-11-24T03:00:00.000Z',
  finishedAt: '2026-11-24T03:00:05.000Z',
  drill: null,
  ...over,
});

describe('backup routes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-backup-routes-'));
  const db = openDb(':memory:');
  const deps = { config: parseConfig({ dataDir }), db } as unknown as Deps;
  const tokens = { admin: generateToken(), member: generateToken() };
  let app: FastifyInstance;

  beforeAll(async () => {
    db.owners.ensure('default');
    storeToken(deps, db.users.insert('admin', 'admin'), 't', tokens.admin, null);
    const member = db.users.insert('mia', 'member');
    db.users.addMembership(member.id, 'default');
    storeToken(deps, member, 't', tokens.member, null);
    const shop = db.apps.insert({ name: 'shop', owner: 'default' });
    db.apps.update(shop.id, { volumes: { data: '/data' } });
    app = await buildHttpApp(deps, Fastify().log);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => vi.clearAllMocks());

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, who: keyof typeof tokens, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${tokens[who]}` }, ...(payload ? { payload } : {}) });
  /** The events of an SSE answer, in order. */
  const events = (body: string) =>
    body
      .split('\n\n')
      .filter((b) => b.startsWith('event: '))
      .map((b) => ({ event: b.slice(7, b.indexOf('\n')), data: JSON.parse(b.slice(b.indexOf('data: ') + 6)) as Record<string, unknown> }));

  it('streams a backup\'s lines and ends with exit code 0 and the backup when it is ok', async () => {
    svc.createBackup.mockImplementation(async (_d: Deps, p: { log: (l: string) => void }) => {
      p.log('dumping pg-1');
      return backup({});
    });
    const ev = events((await call('POST', '/backups', 'member', { source: 'pg-1' })).body);
    expect(ev.map((e) => e.event)).toEqual(['line', 'exit']);
    expect(ev[0]!.data).toEqual({ line: 'dumping pg-1' });
    expect(ev[1]!.data).toMatchObject({ code: 0, backup: { id: 'b1', status: 'ok' } });
  });

  it('ends with exit code 1 and the error when the backup failed, so the CLI exits non-zero', async () => {
    svc.createBackup.mockResolvedValue(backup({ status: 'failed', error: 'pg_dump exited 1' }));
    const [exit] = events((await call('POST', '/backups', 'member', { source: 'pg-1' })).body);
    expect(exit!.data).toMatchObject({ code: 1, error: 'pg_dump exited 1', backup: { status: 'failed' } });
  });

  it('ends a drill with exit code 1 when its counts did not match', async () => {
    svc.drillBackup.mockResolvedValue(backup({ drill: { status: 'failed', at: '2026-11-24T03:01:00.000Z', lines: [{ table: 'notes', expected: 3, restored: 2 }], summary: '1 of 1 tables differ', error: 'notes: 3 != 2' } }));
    const [exit] = events((await call('POST', '/drills', 'member', { source: 'pg-1' })).body);
    expect(exit!.data).toMatchObject({ code: 1, error: expect.stringContaining('notes: 3 != 2') as unknown });
  });

  it('restores with a safety backup unless told not to', async () => {
    svc.restoreBackup.mockResolvedValue({ restored: backup({}), safety: null });
    await call('POST', '/restores', 'member', { source: 'pg-1' });
    await call('POST', '/restores', 'member', { source: 'pg-1', safetyBackup: false });
    expect(svc.restoreBackup.mock.calls.map((c) => (c[1] as { safetyBackup: boolean }).safetyBackup)).toEqual([true, false]);
  });

  it('gives the backup key to admins only', async () => {
    svc.exportKey.mockReturnValue({ id: 'k1', key: 'berth-backup-key:v1:k1:xyz' });
    expect((await call('POST', '/backup-keys/export', 'member')).statusCode).toBe(403);
    expect(svc.exportKey).not.toHaveBeenCalled();
    expect((await call('POST', '/backup-keys/export', 'admin')).json()).toEqual({ id: 'k1', key: 'berth-backup-key:v1:k1:xyz' });
    expect((await call('GET', '/backup-keys/status', 'member')).json()).toEqual({ notExported: true });
  });

  it("fills in a schedule's retention when left out: 7 daily, 4 weekly", async () => {
    svc.setSchedule.mockReturnValue({ source: 'pg-1', sourceKind: 'addon', owner: 'default', schedule: '@daily', keepDaily: 7, keepWeekly: 4, drillSchedule: null, destination: 'local', nextBackupAt: null, nextDrillAt: null });
    expect((await call('PUT', '/backup-schedules', 'member', { source: 'pg-1', schedule: '@daily' })).statusCode).toBe(200);
    expect(svc.setSchedule.mock.calls[0]![1]).toMatchObject({ source: 'pg-1', schedule: '@daily', keepDaily: 7, keepWeekly: 4, drill: null });
  });

  it("gives an app's tab its add-ons and volumes and only their backups", async () => {
    svc.listAddons.mockResolvedValue([{ name: 'pg-1' }]);
    svc.listBackups.mockReturnValue([
      backup({ id: 'b1', source: 'pg-1' }),
      backup({ id: 'b2', source: 'pg-other' }),
      backup({ id: 'b3', source: 'default/shop:data', sourceKind: 'volume' }),
      backup({ id: 'b4', source: 'default/shopping:data', sourceKind: 'volume' }),
    ]);
    const res = await call('GET', '/apps/shop/backups', 'member');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ sources: unknown[]; backups: BackupView[] }>();
    expect(body.sources).toEqual([
      { source: 'pg-1', sourceKind: 'addon' },
      { source: 'default/shop:data', sourceKind: 'volume' },
    ]);
    expect(body.backups.map((b) => b.id)).toEqual(['b1', 'b3']);
  });
});
