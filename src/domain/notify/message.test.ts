import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NOTIFY_EVENTS, notifyEventOf, TEST_EVENT } from './events.js';
import { render, sign, SIGNATURE_HEADER, slackText, type Notification } from './message.js';

const failed = NOTIFY_EVENTS.find((e) => e.name === 'deploy.failed')!;
const n: Notification = { event: 'deploy.failed', owner: 'acme', app: 'web', message: 'deployment #4 failed: build failed', at: '2026-11-24T00:00:00.000Z', url: 'http://web.acme.localhost' };

describe('notification events', () => {
  it('maps the recorded kinds to the events receivers see', () => {
    expect(notifyEventOf('deployment.failed')?.name).toBe('deploy.failed');
    expect(notifyEventOf('deployment.running')?.name).toBe('deploy.succeeded');
    expect(notifyEventOf('process.crash-loop')?.name).toBe('process.crash-loop');
    expect(notifyEventOf('tls.failed')?.name).toBe('tls.failed');
    expect(notifyEventOf('cron.failed')?.name).toBe('cron.failed');
    expect(notifyEventOf('backup.failed')?.name).toBe('backup.failed');
    expect(notifyEventOf('drill.failed')?.name).toBe('drill.failed');
    expect(notifyEventOf('build.failed')).toBeUndefined();
    expect(notifyEventOf('deployment.stopped')).toBeUndefined();
  });
});

describe('notification messages', () => {
  it('sends the generic webhook the notification itself as JSON, signed over the exact body', () => {
    const r = render({ kind: 'webhook', secret: 's3cret', spec: failed, notification: n, deliveryId: 'd1' });
    expect(JSON.parse(r.body)).toEqual(n);
    expect(r.headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac('sha256', 's3cret').update(r.body).digest('hex')}`);
    expect(r.headers['X-Berth-Event']).toBe('deploy.failed');
    expect(r.headers['X-Berth-Delivery']).toBe('d1');
    expect(r.headers['Content-Type']).toBe('application/json');
  });

  it('signs like GitHub: sha256= and the hex HMAC-SHA256', () => {
    // Known value: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
    expect(sign('key', 'The quick brown fox jumps over the lazy dog')).toBe('sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  });

  it('sends Slack one text line with the title, app, message and URL, and no signature without a secret', () => {
    const r = render({ kind: 'slack', secret: null, spec: failed, notification: n });
    expect(JSON.parse(r.body)).toEqual({ text: ':x: *Deploy failed* acme/web: deployment #4 failed: build failed <http://web.acme.localhost>' });
    expect(r.headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  it("escapes Slack's markup so a message cannot make links or mentions", () => {
    const text = slackText(failed, { ...n, message: 'boom <!channel> & <http://evil|click>' });
    expect(text).toContain('boom &lt;!channel&gt; &amp; &lt;http://evil|click&gt;');
  });

  it('names the owner alone for a message about no app (the test message)', () => {
    expect(slackText(TEST_EVENT, { event: 'notify.test', owner: 'acme', app: null, message: 'hello', at: n.at })).toBe(':wave: *Test notification* acme: hello');
  });
});
