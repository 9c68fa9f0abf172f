import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { insertApp } from '../apps/app-ref.js';
import { fakeDeps, type FakeDeps } from '../testing/deps.js';
import type { Principal } from '../users/tokens.js';
import { afterFailure, Notifier } from './notifier.js';
import { addEndpoint } from './notify-service.js';

let f: FakeDeps;
let admin: Principal;
let sent: { url: string; body: string; headers: Record<string, string> }[];
let answer: (url: string) => number | Error;

beforeEach(() => {
  vi.useFakeTimers();
  f = fakeDeps({ config: { notifyAllowPrivate: 'true' } });
  admin = { user: f.deps.db.users.insert('root', 'admin'), tokenId: 0 };
  sent = [];
  answer = () => 200;
  f.deps.notifySend = async (r) => {
    sent.push(r);
    const a = answer(r.url);
    if (a instanceof Error) throw a;
    return { status: a };
  };
});

afterEach(() => {
  vi.useRealTimers();
  f.cleanup();
});

function failDeploy(appId: number): void {
  f.deps.db.events.add({ appId, subject: 'deployment:1', kind: 'deployment.failed', message: 'deployment #1 failed: build failed' });
}

describe('the notifier', () => {
  it('tries at once, after 10 s and after 60 s, then gives up and says so', async () => {
    const app = insertApp(f.deps, { name: 'web', owner: 'acme' });
    const { endpoint } = addEndpoint(f.deps, admin, 'acme', { url: 'http://127.0.0.1:9/hook' });
    answer = () => 500;
    const n = new Notifier(f.deps);
    n.start();
    failDeploy(app.id);
    n.poll();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    expect(f.deps.db.notify.get(endpoint.id)).toMatchObject({ lastStatus: 'retrying', lastCode: 500, lastError: 'HTTP 500 (try 1 of 3; next in 10 s)' });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(49_999);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(3);
    expect(f.deps.db.notify.get(endpoint.id)).toMatchObject({ lastStatus: 'failed', lastError: 'HTTP 500 (gave up after 3 tries)' });
    await vi.advanceTimersByTimeAsync(600_000);
    expect(sent).toHaveLength(3);
    // The same delivery id on every try, so a receiver can drop repeats.
    expect(new Set(sent.map((s) => s.headers['X-Berth-Delivery'])).size).toBe(1);
    await n.stop();
  });

  it('sends each endpoint only the events it asked for, and a failing one holds up no other', async () => {
    const app = insertApp(f.deps, { name: 'web', owner: 'acme' });
    insertApp(f.deps, { name: 'other', owner: 'beta' });
    addEndpoint(f.deps, admin, 'acme', { url: 'http://127.0.0.1:9/down', events: ['deploy.failed'] });
    const ok = addEndpoint(f.deps, admin, 'acme', { url: 'http://127.0.0.1:9/up', kind: 'slack', events: ['deploy.failed', 'deploy.succeeded'] });
    const onlySuccess = addEndpoint(f.deps, admin, 'acme', { url: 'http://127.0.0.1:9/success', events: ['deploy.succeeded'] });
    addEndpoint(f.deps, admin, 'beta', { url: 'http://127.0.0.1:9/beta' });
    answer = (url) => (url.endsWith('/down') ? new Error('connection refused by 127.0.0.1:9') : 200);
    const n = new Notifier(f.deps);
    n.start();
    failDeploy(app.id);
    f.deps.db.events.add({ appId: app.id, subject: 'build:1', kind: 'build.failed', message: 'not notified' });
    await vi.advanceTimersByTimeAsync(600);
    expect(sent.map((s) => new URL(s.url).pathname).sort()).toEqual(['/down', '/up']);
    expect(f.deps.db.notify.get(ok.endpoint.id)).toMatchObject({ lastStatus: 'ok', lastCode: 200, lastEvent: 'deploy.failed' });
    expect(f.deps.db.notify.get(onlySuccess.endpoint.id)?.lastStatus).toBeNull();
    expect(JSON.parse(sent.find((s) => s.url.endsWith('/up'))!.body)).toEqual({ text: expect.stringContaining('*Deploy failed* acme/web: deployment #1 failed: build failed') as string });
    await n.stop();
  });

  it('stops retrying an endpoint removed meanwhile, and leaves no timer behind when stopped', async () => {
    const app = insertApp(f.deps, { name: 'web', owner: 'acme' });
    const { endpoint } = addEndpoint(f.deps, admin, 'acme', { url: 'http://127.0.0.1:9/hook' });
    answer = () => 503;
    const n = new Notifier(f.deps);
    n.start();
    failDeploy(app.id);
    n.poll();
    await vi.advanceTimersByTimeAsync(0);
    f.deps.db.notify.delete(endpoint.id);
    await vi.advanceTimersByTimeAsync(70_000);
    expect(sent).toHaveLength(1);
    failDeploy(app.id);
    await n.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not send events recorded before its first start, and resumes after its cursor on a restart', async () => {
    const app = insertApp(f.deps, { name: 'web', owner: 'acme' });
    addEndpoint(f.deps, admin, 'acme', { url: 'http://127.0.0.1:9/hook' });
    failDeploy(app.id);
    const first = new Notifier(f.deps);
    first.start();
    first.poll();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(0);
    await first.stop();
    failDeploy(app.id); // while Berth is down
    const second = new Notifier(f.deps);
    second.start();
    second.poll();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    await second.stop();
  });
});

describe('retry wording', () => {
  it('names the try and the wait, then gives up', () => {
    expect(afterFailure(1, 'HTTP 500')).toEqual({ status: 'retrying', error: 'HTTP 500 (try 1 of 3; next in 10 s)', nextInMs: 10_000 });
    expect(afterFailure(2, 'HTTP 500')).toEqual({ status: 'retrying', error: 'HTTP 500 (try 2 of 3; next in 50 s)', nextInMs: 50_000 });
    expect(afterFailure(3, 'HTTP 500')).toEqual({ status: 'failed', error: 'HTTP 500 (gave up after 3 tries)', nextInMs: null });
  });
});
