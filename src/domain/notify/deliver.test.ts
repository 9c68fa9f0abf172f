import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { insertApp } from '../apps/app-ref.js';
import { fakeDeps, type FakeDeps } from '../testing/deps.js';
import { notificationOf } from './deliver.js';
import { Notifier } from './notifier.js';
import { addEndpoint } from './notify-service.js';

let f: FakeDeps;
beforeEach(() => {
  f = fakeDeps({ config: { notifyAllowPrivate: 'true' } });
});
afterEach(() => {
  vi.useRealTimers();
  f.cleanup();
});

const lastEvent = () => f.deps.db.events.after(0).at(-1)!;

describe('the notification an event makes', () => {
  it("tells an add-on's owner of its failed backup: no app, no URL", () => {
    f.deps.db.owners.ensure('acme');
    f.deps.db.events.add({ appId: null, owner: 'acme', subject: 'backup:shop-db', kind: 'backup.failed', message: 'backup 3f9a of shop-db failed: the dump is empty (0 bytes)' });
    const made = notificationOf(f.deps, lastEvent())!;
    expect(made.owner).toBe('acme');
    expect(made.spec).toMatchObject({ name: 'backup.failed', title: 'Backup failed' });
    expect(made.notification).toEqual({ event: 'backup.failed', owner: 'acme', app: null, message: 'backup 3f9a of shop-db failed: the dump is empty (0 bytes)', at: lastEvent().createdAt });
  });

  it('names the app, its owner and URL for an event of an app, owner given or not', () => {
    const app = insertApp(f.deps, { name: 'blog', owner: 'acme' });
    f.deps.db.events.add({ appId: app.id, owner: 'acme', subject: 'backup:blog:data', kind: 'drill.failed', message: 'restore drill of blog:data failed' });
    expect(notificationOf(f.deps, lastEvent())).toMatchObject({ owner: 'acme', spec: { name: 'drill.failed', title: 'Restore drill failed' }, notification: { app: 'blog', url: expect.stringContaining('blog') as string } });
  });

  it('makes none for an event of no app and no owner, or of a kind nobody is notified of', () => {
    f.deps.db.events.add({ appId: null, subject: 'backup:x', kind: 'backup.failed', message: 'x' });
    expect(notificationOf(f.deps, lastEvent())).toBeUndefined();
    f.deps.db.events.add({ appId: null, owner: 'acme', subject: 'backup:x', kind: 'backup.succeeded', message: 'x' });
    expect(notificationOf(f.deps, lastEvent())).toBeUndefined();
  });
});

describe('the notifier, for events of no app', () => {
  it("delivers an add-on's failed backup to its owner's endpoints that asked for it, not to others", async () => {
    vi.useFakeTimers();
    const admin = { user: f.deps.db.users.insert('root', 'admin'), tokenId: 0 };
    insertApp(f.deps, { name: 'web', owner: 'acme' });
    insertApp(f.deps, { name: 'web', owner: 'beta' });
    addEndpoint(f.deps, admin, 'acme', { url: 'http://127.0.0.1:9/all' });
    addEndpoint(f.deps, admin, 'acme', { url: 'http://127.0.0.1:9/deploys', events: ['deploy.failed'] });
    addEndpoint(f.deps, admin, 'beta', { url: 'http://127.0.0.1:9/beta' });
    const sent: { url: string; body: string }[] = [];
    f.deps.notifySend = async (r) => {
      sent.push(r);
      return { status: 200 };
    };
    const n = new Notifier(f.deps);
    n.start();
    f.deps.db.events.add({ appId: null, owner: 'acme', subject: 'backup:shop-db', kind: 'backup.failed', message: 'backup of shop-db failed' });
    n.poll();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((s) => s.url)).toEqual(['http://127.0.0.1:9/all']);
    expect(JSON.parse(sent[0]!.body)).toMatchObject({ event: 'backup.failed', owner: 'acme', app: null });
    await n.stop();
  });
});
