// Notifications as an owner's team meets them: `berth notify add` a signed webhook and a Slack
// one (receivers on 127.0.0.1, allowed by BERTH_NOTIFY_ALLOW_PRIVATE), `berth notify test`, then
// a deploy that fails at its build (deploy.failed) and one that goes live (deploy.succeeded)
// reach them; a receiver answering 500 is tried again and its error shows in `berth notify list`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, ROOT, shutdownServer, type TestServer } from '../helpers/berth.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  got: Received[];
  server: Server;
}

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-notify-'));
let hook: Receiver;
let slack: Receiver;
let broken: Receiver;
let secret = '';
let ids: Record<'hook' | 'slack' | 'broken', string>;

async function receiver(status: number): Promise<Receiver> {
  const got: Received[] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, got, server: s };
}

/** Whether the request carries a valid X-Berth-Signature-256 of its body under the secret `berth notify add` printed. */
function signedWith(key: string, r: Received): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(r.body).digest('hex')}`);
  const given = Buffer.from(String(r.headers['x-berth-signature-256'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const bodies = (r: Receiver) => r.got.map((g) => JSON.parse(g.body) as Record<string, unknown>);
const ofEvent = (r: Receiver, event: string) => r.got.filter((g) => (JSON.parse(g.body) as { event?: string }).event === event);

beforeAll(async () => {
  [hook, slack, broken] = await Promise.all([receiver(200), receiver(200), receiver(500)]);
  server = await bootServer({ env: { BERTH_NOTIFY_ALLOW_PRIVATE: 'true' } });
});

afterAll(async () => {
  await shutdownServer(server, work);
  for (const r of [hook, slack, broken]) await new Promise<void>((done) => (r ? r.server.close(() => done()) : done()));
});

describe('berth notify', () => {
  it('refuses URLs that would reach the cloud metadata service or are not http(s)', async () => {
    const meta = await server.cli(['notify', 'add', 'default', '--url', 'http://169.254.169.254/latest/meta-data/']);
    expect(meta.code).not.toBe(0);
    expect(meta.stderr).toContain('link-local');
    const file = await server.cli(['notify', 'add', 'default', '--url', 'file:///etc/passwd']);
    expect(file.code).not.toBe(0);
    expect(file.stderr).toContain('http or https only');
  });

  it('adds a signed webhook (its secret printed once), a Slack webhook and a failing one; the list shows no URL path', async () => {
    const a = await server.cli(['notify', 'add', 'default', '--url', `${hook.url}/hooks/tok-hook-123`, '--events', 'deploy.failed,deploy.succeeded']);
    expect(a.code, a.stderr).toBe(0);
    secret = /signing secret \(shown only this once\): (\S+)/.exec(a.stdout)![1]!;
    const s = await server.cli(['notify', 'add', 'default', '--url', `${slack.url}/services/T0/B0/tok-slack-456`, '--kind', 'slack', '--events', 'deploy.failed']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).not.toContain('signing secret');
    const b = await server.cli(['notify', 'add', 'default', '--url', `${broken.url}/down`, '--events', 'deploy.failed']);
    expect(b.code, b.stderr).toBe(0);
    const list = await server.cli(['notify', 'list', 'default', '--json']);
    const rows = JSON.parse(list.stdout) as { id: number; kind: string; target: string }[];
    ids = { hook: String(rows[0]!.id), slack: String(rows[1]!.id), broken: String(rows[2]!.id) };
    expect(rows.map((r) => [r.kind, r.target])).toEqual([['webhook', hook.url], ['slack', slack.url], ['webhook', broken.url]]);
    const table = await server.cli(['notify', 'list', 'default']);
    expect(table.stdout).toContain(hook.url);
    expect(table.stdout + list.stdout).not.toMatch(/tok-hook-123|tok-slack-456/);
  });

  it("sends a test message and prints the receiver's status", async () => {
    const t = await server.cli(['notify', 'test', 'default', ids.hook]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('the receiver answered 200');
    const got = ofEvent(hook, 'notify.test');
    expect(got).toHaveLength(1);
    expect(signedWith(secret, got[0]!)).toBe(true);
    expect(signedWith('wrong', got[0]!)).toBe(false);
    const bad = await server.cli(['notify', 'test', 'default', ids.broken]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('HTTP 500');
  });

  it('tells both webhooks of a failed deploy, retries the one answering 500 and shows its error, and tells the webhook of a deploy that succeeds', async () => {
    const bad = join(work, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'Dockerfile'), 'FROM berth/base:bookworm\nRUN exit 3\n');
    const before = broken.got.length;
    const d = await server.cli(['deploy', bad, '--app', 'notify-bad']);
    expect(d.code).not.toBe(0);

    const failed = await waitFor('deploy.failed at the webhook', 10_000, () => ofEvent(hook, 'deploy.failed')[0]);
    expect(signedWith(secret, failed)).toBe(true);
    expect(failed.headers['x-berth-event']).toBe('deploy.failed');
    expect(JSON.parse(failed.body)).toMatchObject({ event: 'deploy.failed', owner: 'default', app: 'notify-bad', message: expect.stringMatching(/^deployment #\d+ failed/) as string, at: expect.any(String) as string });
    const text = await waitFor('deploy.failed at Slack', 10_000, () => bodies(slack).find((b) => typeof b.text === 'string'));
    expect(text.text).toMatch(/^:x: \*Deploy failed\* default\/notify-bad: deployment #\d+ failed/);

    await waitFor('a first try at the failing receiver', 10_000, () => (broken.got.length > before ? true : undefined));
    const list = await server.cli(['notify', 'list', 'default']);
    expect(list.stdout).toMatch(/retrying: HTTP 500 \(try 1 of 3; next in 10 s\) \(deploy\.failed/);

    // A deploy goes live while that receiver keeps failing: nothing waits for it.
    const good = join(work, 'good');
    cpSync(join(ROOT, 'examples', 'node-hello'), good, { recursive: true });
    const ok = await server.cli(['deploy', good, '--app', 'notify-ok']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const live = await waitFor('deploy.succeeded at the webhook', 10_000, () => ofEvent(hook, 'deploy.succeeded')[0]);
    expect(signedWith(secret, live)).toBe(true);
    expect(JSON.parse(live.body)).toMatchObject({ event: 'deploy.succeeded', owner: 'default', app: 'notify-ok', url: expect.stringContaining('notify-ok') as string });
    // Slack asked for failures only.
    expect(bodies(slack).filter((b) => String(b.text).includes('notify-ok'))).toEqual([]);

    await waitFor('a second try at the failing receiver, 10 s after the first', 20_000, () => (broken.got.length >= before + 2 ? true : undefined));
    const after = await server.cli(['notify', 'list', 'default', '--json']);
    const row = (JSON.parse(after.stdout) as { id: number; last: { status: string; code: number; error: string } }[]).find((r) => String(r.id) === ids.broken)!;
    expect(row.last).toMatchObject({ status: 'retrying', code: 500, error: 'HTTP 500 (try 2 of 3; next in 50 s)' });
  });

  it('removes an endpoint', async () => {
    const r = await server.cli(['notify', 'remove', 'default', ids.broken]);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse((await server.cli(['notify', 'list', 'default', '--json'])).stdout) as { id: number }[];
    expect(list.map((x) => String(x.id))).not.toContain(ids.broken);
  });
});
