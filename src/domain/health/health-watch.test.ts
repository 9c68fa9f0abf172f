import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcessCheckSettings } from '../../infra/db/rows.js';
import { LABELS } from '../context.js';
import { HealthWatch, type HealthWatchParams } from './health-watch.js';
import { checkOnce } from './probe.js';

// The watch against a real loopback app, with the database and Docker reduced to what it reads.
let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

/** A loopback app: `answers[path]` is the status (and body) it gives now. */
async function app(answers: Record<string, [number, string]>): Promise<number> {
  const s = createServer((req, res) => {
    const [status, body] = answers[req.url ?? '/'] ?? [404, 'no'];
    res.writeHead(status).end(body);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const check = (type: ProcessCheckSettings['type'], path: string): ProcessCheckSettings => ({ process: 'web', type, name: type, path, initialDelayMs: 0, intervalMs: 1000, timeoutMs: 500, attempts: 2 });

function watch(port: number, checks: ProcessCheckSettings[]) {
  let now = 0;
  const events: { kind: string; message: string }[] = [];
  const restarted: string[] = [];
  let resyncs = 0;
  const deps = {
    db: {
      apps: { list: () => [{ id: 1, name: 'a', healthcheck: { checks }, currentDeploymentId: 7 }] },
      deployments: { get: () => ({ id: 7, status: 'running', port, containers: ['c1'] }) },
      events: { add: (e: { kind: string; message: string }) => events.push(e) },
    },
    scheduler: { inspect: async () => ({ id: 'c1', name: 'berth-o-a-d7-web-1', state: 'running', ip: '127.0.0.1', labels: { [LABELS.process]: 'web' } }) },
    config: { domain: 'localhost' },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  } as unknown as HealthWatchParams['deps'];
  const w = new HealthWatch({ deps, restart: async (id) => void restarted.push(id), resync: async () => void resyncs++, now: () => now });
  /** One tick at time `t`, waiting for the rounds it started. */
  const at = async (t: number) => {
    now = t;
    w.tick();
    await new Promise((r) => setTimeout(r, 50));
  };
  return { w, at, events, restarted, resyncs: () => resyncs };
}

describe('the health watch', () => {
  it('restarts a container failing its liveness check `attempts` times in a row, with an event naming it', async () => {
    const answers: Record<string, [number, string]> = { '/live': [200, 'ok'] };
    const h = watch(await app(answers), [check('liveness', '/live')]);
    await h.at(0);
    answers['/live'] = [500, 'no'];
    await h.at(1000);
    expect(h.restarted).toEqual([]);
    await h.at(2000);
    expect(h.restarted).toEqual(['c1']);
    expect(h.events).toEqual([expect.objectContaining({ appId: 1, subject: 'container:c1', kind: 'process.unhealthy' })]);
    expect(h.events[0]!.message).toMatch(/^web\.1 health check "liveness" GET \/live on port \d+ failed 2 time\(s\) in a row \(liveness\): answered 500; restarting it$/);
    await h.w.stop();
  });

  it('takes a container failing readiness out of the routes and brings it back when it passes', async () => {
    const answers: Record<string, [number, string]> = { '/ready': [503, 'wait'] };
    const h = watch(await app(answers), [check('readiness', '/ready')]);
    await h.at(0);
    await h.at(1000);
    expect([...h.w.unready()]).toEqual(['c1']);
    expect(h.resyncs()).toBe(1);
    answers['/ready'] = [200, 'ok'];
    await h.at(2000);
    expect([...h.w.unready()]).toEqual([]);
    expect(h.resyncs()).toBe(2);
    expect(h.events.map((e) => e.kind)).toEqual(['process.unready', 'process.ready']);
    await h.w.stop();
  });

  it('does not probe before a check is due', async () => {
    const answers: Record<string, [number, string]> = { '/live': [500, 'no'] };
    const h = watch(await app(answers), [check('liveness', '/live')]);
    await h.at(0);
    await h.at(500);
    await h.at(900);
    expect(h.restarted).toEqual([]);
    await h.w.stop();
  });

  it('stops with nothing left running', async () => {
    const h = watch(await app({}), [check('liveness', '/live')]);
    h.w.start();
    await h.w.stop();
    await h.at(5000);
    expect(h.restarted).toEqual([]);
  });
});

describe('one probe of an app.json check', () => {
  it("fails naming the content the body lacks, and passes when it holds it", async () => {
    const port = await app({ '/': [200, 'starting up'] });
    await expect(checkOnce({ url: `http://127.0.0.1:${port}/`, timeoutMs: 500, content: 'ready' })).resolves.toEqual({ ok: false, error: 'body does not contain "ready"', refused: false });
    await expect(checkOnce({ url: `http://127.0.0.1:${port}/`, timeoutMs: 500, content: 'starting' })).resolves.toEqual({ ok: true });
  });

  it('fails on a status of 400 and over', async () => {
    const port = await app({ '/': [404, 'no'] });
    await expect(checkOnce({ url: `http://127.0.0.1:${port}/`, timeoutMs: 500 })).resolves.toEqual({ ok: false, error: 'answered 404', refused: false });
  });
});
