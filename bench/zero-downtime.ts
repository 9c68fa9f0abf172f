// bench/zero-downtime.ts: failed requests and p50/p99 latency over https through Berth's edge
// (BERTH_TLS=internal, each request verified against the internal CA's root with the app's SNI)
// before, during a redeploy, while 20 new apps (new hosts, each getting its certificate on its
// first https request) are created and deployed, and after (loopback only, bounded). Half the load
// workers keep one connection alive (a reset of it fails a request), half open a new one per request.
// Writes bench/results/zero-downtime.{json,md}.
// Target (issues 4 and 18): 0 failures; p99 during the redeploy and while apps are added under 2x p99 before.
// Run: flock /tmp/berth-docker.lock npx tsx bench/zero-downtime.ts
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, requireBaseImages, ROOT, run, shutdownServer, startTestServer, clearStale, TEST, type TestServer } from '../test/helpers/berth.js';
import { writeResults } from './results.js';

const PHASE_MS = 5000;
const APP = 'zd-bench';
const NEW_APPS = 20;
const WORKERS = 4;
const IMAGE = `${TEST.prefix}/zd-bench-extra:latest`;
const hostOf = (app: string) => `${app}.localhost`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

interface LoadResult {
  sent: number;
  failed: number;
  errors: string[];
  latenciesMs: number[];
  /** Connections the keep-alive workers opened: one each unless the edge closed or reset one. */
  keepAliveConnections: number;
  /** p99 of one worker's plain GETs straight to the app's container meanwhile (no edge): how much the host itself slowed. */
  directP99Ms?: number;
}
const summary = (r: LoadResult) => ({
  requests: r.sent,
  failed: r.failed,
  p50Ms: Number(pct(r.latenciesMs, 50).toFixed(2)),
  p99Ms: Number(pct(r.latenciesMs, 99).toFixed(2)),
  keepAliveConnections: r.keepAliveConnections,
  directP99Ms: r.directP99Ms ?? null,
});

/** One GET over https to the edge for `host` (SNI and Host), trusting only `ca` (the internal root; none: not verified). */
function httpsGet(host: string, ca: string | undefined, agent: Agent | false, timeoutMs = 10_000): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: TEST.httpsPort, path: '/', servername: host, headers: { Host: host }, agent, timeout: timeoutMs, ...(ca ? { ca } : { rejectUnauthorized: false }) },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** GETs one after another from WORKERS workers until stopped (bounded: 2 minutes, 500 000 requests); nothing is retried. */
function startLoad(host: string, ca: string): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { sent: 0, failed: 0, errors: [], latenciesMs: [], keepAliveConnections: 0 };
  const deadline = Date.now() + 120_000;
  const agents: Agent[] = [];
  let stopping = false;
  const worker = async (k: number) => {
    const agent = k % 2 === 0 ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
    if (agent) agents.push(agent);
    while (!stopping && result.sent < 500_000 && Date.now() < deadline) {
      result.sent++;
      const t0 = performance.now();
      try {
        const r = await httpsGet(host, ca, agent);
        result.latenciesMs.push(performance.now() - t0);
        if (agent && !r.reused) result.keepAliveConnections++;
        if (r.status !== 200) {
          result.failed++;
          if (result.errors.length < 20) result.errors.push(`status ${r.status}: ${r.body.slice(0, 80)}`);
        }
      } catch (e) {
        result.failed++;
        if (result.errors.length < 20) result.errors.push((e as Error).message);
      }
    }
  };
  const running = Promise.all(Array.from({ length: WORKERS }, (_, k) => worker(k)));
  return {
    async stop() {
      stopping = true;
      await running;
      for (const a of agents) a.destroy();
      return result;
    },
  };
}

/** The app's container address on Berth's network (its one running web container). */
async function containerAddress(): Promise<string> {
  const ids = (await docker('ps', '-q', '--filter', `name=^${TEST.prefix}-default-${APP}-`)).stdout.split('\n').filter(Boolean);
  const ip = (await docker('inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', ...ids)).stdout.trim().split(/\s+/)[0];
  if (ids.length !== 1 || !ip) throw new Error(`expected one running container of ${APP}, found ${ids.length}`);
  return ip;
}

/** One worker's GETs straight to the container until stopped: their latencies (failures are not counted: only the edge's are). */
function startDirect(ip: string): { stop(): Promise<number[]> } {
  const ms: number[] = [];
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const req = httpRequest({ host: ip, port: 3000, path: '/', agent: false, timeout: 10_000 }, (res) => {
          res.resume();
          res.on('end', () => (ms.push(performance.now() - t0), resolve()));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve());
        req.end();
      });
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return ms;
    },
  };
}

/** The load for one phase; `direct`: also time GETs straight to the container (not while a redeploy replaces it). */
async function phase(ca: string, ms: number, during?: () => Promise<void>, direct = true): Promise<LoadResult> {
  const probe = direct ? startDirect(await containerAddress()) : undefined;
  const load = startLoad(hostOf(APP), ca);
  try {
    if (during) await during();
    else await sleep(ms);
  } catch (e) {
    await load.stop();
    await probe?.stop();
    throw e;
  }
  const result = await load.stop();
  const directMs = await probe?.stop();
  return directMs ? { ...result, directP99Ms: Number(pct(directMs, 99).toFixed(2)) } : result;
}

/** The internal CA's root, once the edge has made it (on its first certificate: an unverified request to the app asks for one). */
async function internalRoot(dataDir: string): Promise<string> {
  const file = join(dataDir, 'caddy', 'pki', 'authorities', 'local', 'root.crt');
  for (const end = Date.now() + 30_000; !existsSync(file); await sleep(500)) {
    if (Date.now() > end) throw new Error(`the edge made no internal CA root at ${file}`);
    await httpsGet(hostOf(APP), undefined, false, 5000).catch(() => undefined);
  }
  return readFileSync(file, 'utf8');
}

interface NewApp {
  app: string;
  /** Seconds from the deploy request to a running release. */
  deployS: number;
  /** The first https request to the new host (its certificate issued during the handshake): status or error, and its time. */
  firstHttps: string;
  firstHttpsMs: number;
}

/** Creates and deploys NEW_APPS apps from IMAGE through the API one after another, as a user adds apps; each, once running, gets one verified https request. */
async function addApps(server: TestServer, ca: string): Promise<NewApp[]> {
  const todo = Array.from({ length: NEW_APPS }, (_, i) => `zd-new-${i}`);
  const out: NewApp[] = [];
  const worker = async () => {
    for (let app = todo.shift(); app !== undefined; app = todo.shift()) {
      const t0 = Date.now();
      const res = await server.fetch(`/api/v1/apps/${app}/deploys?create=true`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ image: IMAGE }) });
      if (!res.ok) throw new Error(`deploying ${app}: ${res.status} ${await res.text()}`);
      const { deployment } = (await res.json()) as { deployment: { id: number } };
      for (const end = Date.now() + 120_000; ; await sleep(200)) {
        const d = (await (await server.fetch(`/api/v1/deployments/${deployment.id}`)).json()) as { status: string; reason: string | null };
        if (d.status === 'running') break;
        if (d.status === 'failed' || d.status === 'unhealthy' || d.status === 'stopped' || Date.now() > end) throw new Error(`deploy of ${app}: ${d.status} ${d.reason ?? ''}`);
      }
      const deployS = Number(((Date.now() - t0) / 1000).toFixed(1));
      const t1 = performance.now();
      const first = await httpsGet(hostOf(app), ca, false).then(
        (r) => (r.status === 200 && r.body.includes('Hello') ? '200' : `status ${r.status}: ${r.body.slice(0, 80)}`),
        (e: Error) => e.message,
      );
      out.push({ app, deployS, firstHttps: first, firstHttpsMs: Math.round(performance.now() - t1) });
    }
  };
  await worker();
  return out.sort((a, b) => Number(a.app.split('-')[2]) - Number(b.app.split('-')[2]));
}

async function main(): Promise<void> {
  await requireBaseImages();
  await clearStale();
  const work = mkdtempSync(join(tmpdir(), 'berth-zd-bench-'));
  const app = join(work, 'app');
  cpSync(join(ROOT, 'examples', 'node-hello'), app, { recursive: true });
  let server: TestServer | undefined;
  try {
    const b = await docker('build', '-q', '--build-arg', 'BERTH_IMAGE_NODE=berth/node:bookworm', '-t', IMAGE, join(ROOT, 'examples', 'node-hello'));
    if (b.code !== 0) throw new Error(b.stderr);
    server = await startTestServer({
      env: {
        BERTH_TLS: 'internal',
        BERTH_HTTPS_PORT: String(TEST.httpsPort),
        BERTH_DEFAULT_MEMORY_MB: '128',
        BERTH_MAX_CONCURRENT_DEPLOYS: '4',
        // The metrics sampler's `docker stats` of 21 containers would weigh on the later phases only.
        BERTH_METRICS_INTERVAL: '3600',
      },
    });
    const first = await server.cli(['deploy', app, '--app', APP]);
    if (first.code !== 0) throw new Error(first.stderr);
    const ca = await internalRoot(server.dataDir);
    const before = await phase(ca, PHASE_MS);
    // A changed source, so the deploy really builds and starts a new release.
    writeFileSync(join(app, 'server.js'), readFileSync(join(app, 'server.js'), 'utf8').replace('Hello from node-hello', 'Hello, v2'));
    const s = server;
    const during = await phase(ca, 0, async () => {
      const r = await s.cli(['deploy', app, '--app', APP]);
      if (r.code !== 0) throw new Error(r.stderr);
      // The old release drains after the switch: keep measuring until it has stopped.
      await sleep((5 + 2) * 1000);
    }, false);
    let added: NewApp[] = [];
    const adding = await phase(ca, 0, async () => {
      added = await addApps(s, ca);
      await sleep(1000);
    });
    const after = await phase(ca, PHASE_MS);
    const ratio = (r: LoadResult) => Number((pct(r.latenciesMs, 99) / pct(before.latenciesMs, 99)).toFixed(2));
    const firstMs = added.map((a) => a.firstHttpsMs);
    const result = {
      benchmark: `https requests (internal CA, verified, SNI ${hostOf(APP)}) through Berth's edge before, during a redeploy, while ${NEW_APPS} new apps are deployed and get certificates, and after (node-hello, ${WORKERS} workers: half keep-alive, half a new TLS connection per request; loopback)`,
      before: summary(before),
      during: summary(during),
      addingApps: summary(adding),
      after: summary(after),
      p99DuringOverBefore: ratio(during),
      p99AddingOverBefore: ratio(adding),
      newApps: {
        count: added.length,
        firstHttpsOk: added.filter((a) => a.firstHttps === '200').length,
        firstHttpsMedianMs: pct(firstMs, 50),
        firstHttpsMaxMs: Math.max(0, ...firstMs),
        apps: added,
      },
      target: '0 failures (redeploy and new apps); p99 during / before < 2; every new app answers its first https request',
      errors: [...before.errors, ...during.errors, ...adding.errors, ...after.errors].slice(0, 10),
      commit: (await run('git', ['-C', ROOT, 'describe', '--always', '--dirty'])).stdout.trim(),
      date: new Date().toISOString(),
    };
    const row = (name: string, x: ReturnType<typeof summary>) => `| ${name} | ${x.requests} | ${x.failed} | ${x.p50Ms} | ${x.p99Ms} | ${x.keepAliveConnections} | ${x.directP99Ms ?? '—'} |`;
    const md = `# zero-downtime benchmark

${result.benchmark} (${result.date}, Berth ${result.commit}).

| phase | requests | failed | p50 ms | p99 ms | keep-alive connections | direct p99 ms |
|---|---|---|---|---|---|---|
${row('before', result.before)}
${row('during a redeploy', result.during)}
${row(`while ${NEW_APPS} apps are added`, result.addingApps)}
${row('after', result.after)}

p99 during the redeploy / p99 before: **${result.p99DuringOverBefore}**; while apps are added / before: **${result.p99AddingOverBefore}** (target < 2).
"keep-alive connections" counts the connections the ${WORKERS / 2} keep-alive workers opened in the phase: ${WORKERS / 2} means none was closed or reset. "direct p99" is one more worker's plain http GETs straight to the app's container at the same time (no edge; not during the redeploy, which replaces the container): how much the host itself slowed.

New apps: ${result.newApps.firstHttpsOk} of ${result.newApps.count} answered their first https request (certificate issued on that handshake) with 200; that request took ${result.newApps.firstHttpsMedianMs.toFixed(0)} ms at the median, ${result.newApps.firstHttpsMaxMs} ms at most.
`;
    writeResults('zero-downtime', result, md);
  } catch (e) {
    if (server) console.error(`[zero-downtime bench] the Berth server's last output:\n${server.output().slice(-3000)}`);
    throw e;
  } finally {
    await shutdownServer(server, work);
  }
}

await main();
