// A watched proxy: after `kill -9` of the edge Caddy or of Berth's router, Berth notices within a second or two and
// starts it again with its last config, so apps serve again within 2 s; /api/v1/health says
// the proxy is down meanwhile. And `berth apps` and `berth status` tell the same status, which
// is never "running" while nothing of the app runs.
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, containersNamed, docker, PROXY, ROOT, shutdownServer, stopTestProxy, type TestServer } from '../helpers/berth.js';
import { eventually, get } from '../helpers/http.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-proxy-watch-'));
const HOST = 'python-hello.localhost';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // Caddies another suite left running would not be this server's: it must start its own.
  await stopTestProxy();
  server = await bootServer();
  cpSync(join(ROOT, 'examples', 'python-hello'), join(work, 'python-hello'), { recursive: true });
});

afterAll(() => shutdownServer(server, work));

/**
 * The pid of the proxy process this test server started (from its pid file), checked to be
 * that process: its command line names this server's proxy state directory or a file in it.
 */
function proxyPid(name: 'router' | 'caddy-edge'): number {
  const pid = Number(readFileSync(join(server.dataDir, 'proxy', `${name}.pid`), 'utf8').trim());
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  expect(cmdline).toContain(name === 'router' ? join(server.dataDir, 'proxy') : join(server.dataDir, 'proxy', `${name}.json`));
  return pid;
}

interface Health {
  status: number;
  ok: boolean;
  proxy: { edge: string; router: string };
}
async function health(): Promise<Health> {
  const r = await fetch(`${server.url}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
  const body = (await r.json()) as Omit<Health, 'status'>;
  return { status: r.status, ...body };
}

/**
 * Sends a GET to the app every 50 ms (loopback only, bounded by `ms`) while `act` runs, and
 * watches /api/v1/health alike. Returns the longest time between two successful answers, the
 * failures, and every health answer seen.
 */
async function underLoad(ms: number, act: () => Promise<void>): Promise<{ longestGapMs: number; failures: string[]; healths: Health[] }> {
  const oks: number[] = [];
  const failures: string[] = [];
  const healths: Health[] = [];
  const end = Date.now() + ms;
  const requests: Promise<void>[] = [];
  const sending = (async () => {
    while (Date.now() < end) {
      requests.push(
        get(`${PROXY}/`, { host: HOST, timeoutMs: 8000 }).then(
          (r) => void (r.status === 200 ? oks.push(Date.now()) : failures.push(`status ${r.status}`)),
          (e: Error) => void failures.push(e.message),
        ),
      );
      await sleep(50);
    }
  })();
  const watching = (async () => {
    while (Date.now() < end) {
      healths.push(await health().catch(() => ({ status: 0, ok: false, proxy: { edge: '?', router: '?' } })));
      await sleep(50);
    }
  })();
  const started = Date.now();
  await sleep(1000);
  await act();
  await Promise.all([sending, watching]);
  await Promise.all(requests);
  // From the start of the load to its end: a proxy that never comes back leaves a gap until the end.
  const times = [started, ...oks.sort((a, b) => a - b), Math.max(end, ...oks)];
  const longestGapMs = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
  return { longestGapMs, failures, healths };
}

/** The states health reported, with repeats folded: e.g. up, restarting, up. */
const sequence = (hs: Health[], role: 'edge' | 'router') => hs.map((h) => `${h.status} ${h.proxy[role]}`).filter((s, i, all) => s !== all[i - 1]);

describe('a killed Caddy', () => {
  it('deploys an app behind a healthy proxy', async () => {
    const r = await server.cli(['deploy', join(work, 'python-hello')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await get(`${PROXY}/`, { host: HOST })).status).toBe(200);
    const h = await health();
    expect([h.status, h.ok, h.proxy]).toEqual([200, true, { edge: 'up', router: 'up' }]);
  });

  it("serves again within 2 s after kill -9 of Berth's router, and health says down meanwhile", async () => {
    const pid = proxyPid('router');
    const { longestGapMs, failures, healths } = await underLoad(10_000, async () => {
      process.kill(pid, 'SIGKILL');
    });
    expect(longestGapMs, `failures: ${failures.slice(0, 5).join('; ')}`).toBeLessThan(2000);
    const seen = sequence(healths, 'router');
    expect(seen[0]).toBe('200 up');
    expect(seen.some((s) => /^503 (down|restarting)$/.test(s)) || /router .* started again/.test(server.output()), seen.join(', ')).toBe(true);
    expect(seen.at(-1)).toBe('200 up');
    expect(proxyPid('router')).not.toBe(pid);
    expect(server.output()).toMatch(/router .* started again/);
  });

  it('serves again within 2 s after kill -9 of the edge Caddy, and health says down meanwhile', async () => {
    const pid = proxyPid('caddy-edge');
    const { longestGapMs, failures, healths } = await underLoad(10_000, async () => {
      process.kill(pid, 'SIGKILL');
    });
    expect(longestGapMs, `failures: ${failures.slice(0, 5).join('; ')}`).toBeLessThan(2000);
    const seen = sequence(healths, 'edge');
    expect(seen[0]).toBe('200 up');
    // The edge restarts so fast that the health samples may never catch it down (the router's
    // test above shows health saying down): the restart is told either way.
    expect(seen.some((s) => /^503 (down|restarting)$/.test(s)) || /edge Caddy \(public ports\) started again/.test(server.output()), seen.join(', ')).toBe(true);
    expect(seen.at(-1)).toBe('200 up');
    expect(proxyPid('caddy-edge')).not.toBe(pid);
  });
});

interface AppJson {
  name: string;
  status: string;
}
async function bothStatuses(): Promise<{ apps: string | undefined; status: string }> {
  const [list, one] = await Promise.all([server.cli(['apps', '--json']), server.cli(['status', 'python-hello', '--json'])]);
  expect(list.code, list.stderr).toBe(0);
  expect(one.code, one.stderr).toBe(0);
  return { apps: (JSON.parse(list.stdout) as AppJson[]).find((a) => a.name === 'python-hello')?.status, status: (JSON.parse(one.stdout) as AppJson).status };
}

describe('berth apps and berth status', () => {
  it('both say crashed, not running, right after the app container is killed', async () => {
    const ids = (await docker('ps', '-q', '--filter', 'label=berth.app=python-hello', '--filter', `name=^berthtest-default-python-hello-`)).stdout.split('\n').filter(Boolean);
    expect(ids).toHaveLength(1);
    // Berth restarts it a second or more later: both answers are asked for before that.
    expect((await docker('kill', ids[0]!)).code).toBe(0);
    expect(await bothStatuses()).toEqual({ apps: 'crashed', status: 'crashed' });
    // Brought back by the supervisor: both say running again.
    const back = await eventually(bothStatuses, (s) => s.apps === 'running' && s.status === 'running', 30_000, 250);
    expect(back).toEqual({ apps: 'running', status: 'running' });
  });

  it('both say stopped, not crashed nor running, once web is scaled to 0', async () => {
    const r = await server.cli(['scale', 'python-hello', 'web=0']);
    expect(r.code, r.stderr).toBe(0);
    expect(await bothStatuses()).toEqual({ apps: 'stopped', status: 'stopped' });
    // The unrouted container stops after the drain period; its name is free again only then.
    await eventually(() => containersNamed('berthtest-default-python-hello-'), (names) => names.length === 0, 30_000, 250);
    expect(await bothStatuses()).toEqual({ apps: 'stopped', status: 'stopped' });
    const up = await server.cli(['scale', 'python-hello', 'web=1']);
    expect(up.code, up.stderr).toBe(0);
    expect(await bothStatuses()).toEqual({ apps: 'running', status: 'running' });
  });
});
