import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertApp } from '../apps/app-ref.js';
import { fakeDeps, type FakeDeps } from '../testing/deps.js';
import type { Principal } from '../users/tokens.js';
import { addEndpoint, listEndpoints, parseEvents, removeEndpoint, testEndpoint } from './notify-service.js';

let f: FakeDeps;
let admin: Principal;
let member: Principal;
let outsider: Principal;
let viewer: Principal;

beforeEach(() => {
  f = fakeDeps();
  insertApp(f.deps, { name: 'web', owner: 'acme' });
  insertApp(f.deps, { name: 'web', owner: 'beta' });
  const user = (name: string, role: 'admin' | 'member' | 'viewer', owner?: string): Principal => {
    const u = f.deps.db.users.insert(name, role);
    if (owner) f.deps.db.users.addMembership(u.id, owner);
    return { user: u, tokenId: 0 };
  };
  admin = user('root', 'admin');
  member = user('ann', 'member', 'acme');
  outsider = user('bob', 'member', 'beta');
  viewer = user('vic', 'viewer', 'acme');
});

afterEach(() => f.cleanup());

const SLACK = 'https://hooks.slack.com/services/T000/B000/tokentokentoken';

describe('notification endpoints', () => {
  it('seals the URL and secret at rest and shows the URL as scheme and host only', () => {
    const r = addEndpoint(f.deps, member, 'acme', { url: 'https://example.com/hooks/tokentokentoken' });
    expect(r.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(r.endpoint).toMatchObject({ kind: 'webhook', target: 'https://example.com', events: ['deploy.failed', 'deploy.succeeded', 'process.crash-loop', 'tls.failed', 'cron.failed', 'backup.failed', 'drill.failed'], last: null });
    const row = f.deps.db.notify.get(r.endpoint.id)!;
    expect(row.sealedUrl).not.toContain('tokentokentoken');
    expect(row.sealedSecret).not.toContain(r.secret!);
    expect(f.deps.secrets.open(row.sealedUrl)).toBe('https://example.com/hooks/tokentokentoken');
    expect(JSON.stringify(listEndpoints(f.deps, member, 'acme'))).not.toContain('tokentokentoken');
  });

  it('gives a Slack endpoint no signing secret', () => {
    expect(addEndpoint(f.deps, admin, 'acme', { url: SLACK, kind: 'slack', events: ['deploy.failed'] }).secret).toBeNull();
  });

  it("lets admins and the owner's members manage them; others do not see the owner, viewers only list", () => {
    const { endpoint } = addEndpoint(f.deps, admin, 'acme', { url: SLACK, kind: 'slack' });
    expect(() => listEndpoints(f.deps, outsider, 'acme')).toThrow('owner acme does not exist');
    expect(() => addEndpoint(f.deps, outsider, 'acme', { url: SLACK })).toThrow('owner acme does not exist');
    expect(() => removeEndpoint(f.deps, outsider, 'acme', endpoint.id)).toThrow('owner acme does not exist');
    expect(listEndpoints(f.deps, viewer, 'acme')).toHaveLength(1);
    expect(() => addEndpoint(f.deps, viewer, 'acme', { url: SLACK })).toThrow('viewer');
    // An endpoint is found only under its own owner.
    expect(() => removeEndpoint(f.deps, outsider, 'beta', endpoint.id)).toThrow(`owner beta has no notification endpoint #${endpoint.id}`);
    removeEndpoint(f.deps, member, 'acme', endpoint.id);
    expect(listEndpoints(f.deps, member, 'acme')).toEqual([]);
  });

  it('refuses URLs that would probe the host network, and unknown events', () => {
    expect(() => addEndpoint(f.deps, admin, 'acme', { url: 'http://169.254.169.254/latest' })).toThrow('link-local');
    expect(() => addEndpoint(f.deps, admin, 'acme', { url: 'http://127.0.0.1:2019/load' })).toThrow('BERTH_NOTIFY_ALLOW_PRIVATE');
    expect(() => addEndpoint(f.deps, admin, 'acme', { url: 'unix:///var/run/docker.sock' })).toThrow('http or https only');
    expect(() => parseEvents(['deploy.failed', 'deploy.exploded'])).toThrow('unknown event deploy.exploded');
    expect(parseEvents(['cron.failed', 'cron.failed'])).toEqual(['cron.failed']);
  });

  it("records a test's outcome as the endpoint's last delivery", async () => {
    const { endpoint } = addEndpoint(f.deps, admin, 'acme', { url: SLACK, kind: 'slack' });
    const bodies: string[] = [];
    f.deps.notifySend = async (r) => {
      bodies.push(r.body);
      return { status: 404 };
    };
    expect(await testEndpoint(f.deps, member, 'acme', endpoint.id)).toEqual({ ok: false, code: 404, error: 'HTTP 404' });
    expect(JSON.parse(bodies[0]!)).toEqual({ text: ':wave: *Test notification* acme: a test notification from Berth, sent by ann' });
    expect(listEndpoints(f.deps, member, 'acme')[0]!.last).toMatchObject({ status: 'failed', event: 'notify.test', code: 404, error: 'HTTP 404' });
  });
});
