// bench/proxy.ts: requests/s and p99 latency of `wrk -t2 -c50` against node-hello containers:
// direct, through one plain Caddy (http and https), through nginx with upstream keep-alive, and
// through Berth's proxy (http and https), for 1 and for 200 routed apps. Writes
// bench/results/proxy.{json,md}. Target (issue 18): Berth / plain Caddy >= 0.9 at both sizes.
// Run: flock /tmp/berth-docker.lock npx tsx bench/proxy.ts [--quick] [--duration S] [--rounds N] [--apps 1,200]
// --quick (a smoke run: 2 s per row, one round, 1 and 3 apps) prints its figures and writes no files.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearStale, docker, freePort, removeDir, requireBaseImages, ROOT, run, shutdownServer, startTestServer, TEST, type TestServer } from '../test/helpers/berth.js';
import { startNginx, startPlainCaddy, type Proc, type Upstream } from './proxy-targets.js';
import { writeResults } from './results.js';
import { luaScript, running, wrk, type Measure } from './wrk.js';

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const QUICK = args.includes('--quick');
const DURATION_S = Number(opt('--duration') ?? (QUICK ? 2 : 10));
const ROUNDS = Number(opt('--rounds') ?? (QUICK ? 1 : 3));
const SIZES = (opt('--apps') ?? (QUICK ? '1,3' : '1,200')).split(',').map(Number);
const WARMUP_S = 1;
const IMAGE = `${TEST.prefix}/proxy-bench:latest`;
/** node-hello's EXPOSE: an image deploy gives the app this port. */
const APP_PORT = 3000;
const appName = (i: number) => `pb-${i}`;
const hostOf = (i: number) => `${appName(i)}.localhost`;

type Path = 'direct' | 'caddy' | 'caddy-https' | 'nginx' | 'berth' | 'berth-https';
const LABEL: Record<Path, string> = {
  direct: 'direct to the container',
  caddy: 'plain Caddy reverse_proxy (http)',
  'caddy-https': 'plain Caddy reverse_proxy (https)',
  nginx: 'nginx, upstream keep-alive (http)',
  berth: "Berth's proxy (http)",
  'berth-https': "Berth's proxy (https)",
};
interface Target {
  path: Path;
  /** URL wrk opens: its host is the SNI name; connections go to `address` instead of resolving it. */
  url: string;
  address: string;
}
interface Row {
  apps: number;
  path: Path;
  status: 'ok' | 'not installed' | 'not available' | 'failed';
  note?: string;
  rps?: number;
  p99Ms?: number;
  errors?: number;
  rounds: Measure[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const procs = new Set<Proc>();

/** One GET as wrk sends it (address, SNI, Host): the status and body, or the connection error's code. */
function probe(t: Target, host: string): Promise<{ status: number; body: string } | { error: string }> {
  const u = new URL(t.url);
  const o = { host: t.address, port: u.port, path: '/', headers: { Host: host }, timeout: 3000, agent: false as const };
  return new Promise((resolve) => {
    const onRes = (res: IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = u.protocol === 'https:' ? httpsRequest({ ...o, servername: u.hostname, rejectUnauthorized: false }, onRes) : httpRequest(o, onRes);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

/** Null when the first and last host answer node-hello's greeting within the time, else why not. */
async function ready(t: Target, hosts: string[], ms = 20_000): Promise<string | null> {
  const end = Date.now() + ms;
  let last = '';
  for (;;) {
    const got = await Promise.all([hosts[0]!, hosts[hosts.length - 1]!].map((h) => probe(t, h)));
    const bad = got.find((g) => 'error' in g || g.status !== 200 || !g.body.includes('Hello'));
    if (!bad) return null;
    last = 'error' in bad ? bad.error : `status ${bad.status}: ${bad.body.slice(0, 80).trim()}`;
    if (Date.now() > end) return last;
    await sleep(250);
  }
}

/** Starts image deploys of apps [from, to) through the API (a few at a time) and waits until each is running. */
async function deployApps(server: TestServer, from: number, to: number): Promise<void> {
  const idle = Array.from({ length: to - from }, (_, k) => from + k);
  const worker = async () => {
    for (let i = idle.shift(); i !== undefined; i = idle.shift()) {
      const res = await server.fetch(`/api/v1/apps/${appName(i)}/deploys?create=true`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ image: IMAGE }) });
      if (!res.ok) throw new Error(`deploying ${appName(i)}: ${res.status} ${await res.text()}`);
      const { deployment } = (await res.json()) as { deployment: { id: number } };
      for (const end = Date.now() + 120_000; ; await sleep(200)) {
        const d = (await (await server.fetch(`/api/v1/deployments/${deployment.id}`)).json()) as { status: string; reason: string | null };
        if (d.status === 'running') break;
        if (d.status === 'failed' || d.status === 'unhealthy' || d.status === 'stopped' || Date.now() > end) throw new Error(`deploy of ${appName(i)}: ${d.status} ${d.reason ?? ''}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Each app's container address on Berth's network, from one `docker ps` and one `docker inspect`. */
async function upstreams(count: number): Promise<Upstream[]> {
  const ids = (await docker('ps', '-q', '--filter', `name=^${TEST.prefix}-default-pb-`)).stdout.split('\n').filter(Boolean);
  const r = await docker('inspect', '--format', '{{.Name}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', ...ids);
  const byApp = new Map<string, string>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [name, ip] = line.trim().split(/\s+/);
    const app = /^\/?[a-z0-9]+-default-(pb-\d+)-/.exec(name ?? '')?.[1];
    if (app && ip) byApp.set(app, ip);
  }
  return Array.from({ length: count }, (_, i) => {
    const ip = byApp.get(appName(i));
    if (!ip) throw new Error(`no running container found for ${appName(i)}`);
    return { host: hostOf(i), dial: `${ip}:${APP_PORT}` };
  });
}

const which = (cmd: string) => new Promise<string | null>((r) => execFile('sh', ['-c', 'command -v "$0" || { test -x "/usr/sbin/$0" && echo "/usr/sbin/$0"; }', cmd], (e, out) => r(e ? null : out.trim() || null)));

async function measureSize(p: { server: TestServer; work: string; apps: number; berthHttpsPort: number; caddyBin: string; nginxBin: string | null }): Promise<Row[]> {
  const ups = await upstreams(p.apps);
  const hosts = ups.map((u) => u.host);
  const [caddyHttp, caddyHttps, spare, nginxPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const dir = join(p.work, `size-${p.apps}`);
  const started: Proc[] = [];
  const start = (proc: Proc) => (procs.add(proc), started.push(proc), proc);
  start(startPlainCaddy({ dir: join(dir, 'caddy'), bin: p.caddyBin, httpPort: caddyHttp, httpsPort: caddyHttps, spareHttpPort: spare, tlsHost: hosts[0]!, upstreams: ups }));
  if (p.nginxBin) start(startNginx({ dir: join(dir, 'nginx'), bin: p.nginxBin, port: nginxPort, upstreams: ups }));
  const [ip] = ups[0]!.dial.split(':');
  const targets: Target[] = [
    ...(p.apps === 1 ? [{ path: 'direct' as const, url: `http://${hosts[0]}:${APP_PORT}/`, address: ip! }] : []),
    { path: 'caddy', url: `http://${hosts[0]}:${caddyHttp}/`, address: '127.0.0.1' },
    { path: 'caddy-https', url: `https://${hosts[0]}:${caddyHttps}/`, address: '127.0.0.1' },
    { path: 'nginx', url: `http://${hosts[0]}:${nginxPort}/`, address: '127.0.0.1' },
    { path: 'berth', url: `http://${hosts[0]}:${TEST.httpPort}/`, address: '127.0.0.1' },
    { path: 'berth-https', url: `https://${hosts[0]}:${p.berthHttpsPort}/`, address: '127.0.0.1' },
  ];
  const rows: Row[] = [];
  const live: { t: Target; row: Row; script: string }[] = [];
  try {
    for (const t of targets) {
      const row: Row = { apps: p.apps, path: t.path, status: 'ok', rounds: [] };
      rows.push(row);
      if (t.path === 'nginx' && !p.nginxBin) {
        Object.assign(row, { status: 'not installed', note: 'nginx not found (scripts/setup-host --test installs nginx-light)' });
        continue;
      }
      const why = await ready(t, hosts);
      if (why === 'ECONNREFUSED' && t.path === 'berth-https') {
        Object.assign(row, { status: 'not available', note: `nothing listens on BERTH_HTTPS_PORT ${p.berthHttpsPort}: this Berth serves no https` });
      } else if (why) {
        const proc = started.find((s) => t.path.startsWith(s.name));
        Object.assign(row, { status: 'failed', note: `${why}${proc ? ` | ${proc.output().slice(-300)}` : ''}` });
      } else {
        const script = join(dir, `${t.path}.lua`);
        writeFileSync(script, luaScript(hosts, t.address));
        live.push({ t, row, script });
      }
    }
    // Rows take turns within each round, so a slow spell of the shared host touches them all alike.
    for (let r = 0; r < ROUNDS; r++) {
      for (const { t, row, script } of live) {
        await wrk(script, t.url, WARMUP_S);
        row.rounds.push(await wrk(script, t.url, DURATION_S));
        console.error(`[proxy bench] ${p.apps} app(s), ${t.path}, round ${r + 1}: ${JSON.stringify(row.rounds.at(-1))}`);
      }
    }
    for (const { row } of live) {
      row.rps = median(row.rounds.map((m) => m.rps));
      row.p99Ms = median(row.rounds.map((m) => m.p99Ms));
      row.errors = row.rounds.reduce((n, m) => n + m.errors, 0);
    }
    return rows;
  } finally {
    for (const proc of started) {
      await proc.stop();
      procs.delete(proc);
    }
  }
}

let cleaning: Promise<void> | undefined;
/** Ends what this run started (wrk, Caddy, nginx by PID; the Berth server, its Caddies, containers, image, data). Runs once. */
function cleanup(server: TestServer | undefined, work: string): Promise<void> {
  cleaning ??= (async () => {
    for (const c of running) c.kill('SIGKILL');
    await Promise.all([...procs].map((p) => p.stop()));
    await shutdownServer(server, work);
  })();
  return cleaning;
}

function markdown(result: { commit: string; loadAtStart: number; date: string; durationS: number; rounds: number; rows: Row[]; ratios: { apps: number; http: number | null; https: number | null }[]; totalS: number }): string {
  const fmt = (r: Row) => (r.status === 'ok' ? `| ${r.apps} | ${LABEL[r.path]} | ${r.rps} | ${r.p99Ms} | ${r.errors} |` : `| ${r.apps} | ${LABEL[r.path]} | ${r.status} | | ${r.note ?? ''} |`);
  const ratio = (x: number | null) => (x === null ? 'n/a' : `**${x}**`);
  return `# proxy benchmark

\`wrk -t2 -c50 -d${result.durationS}s\` against node-hello containers on this host (${result.date}, Berth ${result.commit}); median of ${result.rounds} rounds, the rows taking turns within each round, each after a 1 s warm-up. Requests rotate the Host header over all routed apps' hosts; the plain Caddy and nginx get one host route and upstream per app, as Berth does. Over https the SNI is the first app's host for every connection (wrk sets it once per URL): the Host header still rotates, so routing covers all apps, while the TLS handshakes (50, at connection start) use one certificate. With many apps each request wakes a different node process (200 containers on 2 cores), so the backends weigh on every row alike: compare rows within a size. Run took ${result.totalS} s; the host's load average was ${result.loadAtStart} when it began.

| apps | path | req/s | p99 ms | errors |
|---|---|---|---|---|
${result.rows.map(fmt).join('\n')}

${result.ratios.map((r) => `- ${r.apps} app${r.apps === 1 ? '' : 's'}: Berth / plain Caddy = ${ratio(r.http)} over http, ${ratio(r.https)} over https (target >= 0.9)`).join('\n')}
`;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const load0 = Number(loadavg()[0]!.toFixed(2));
  if (!(await which('wrk'))) throw new Error('wrk not found: scripts/setup-host --test installs it');
  const nginxBin = await which('nginx');
  await requireBaseImages();
  await clearStale();
  const work = mkdtempSync(join(tmpdir(), 'berth-proxy-bench-'));
  let server: TestServer | undefined;
  const stopOnSignal = (sig: NodeJS.Signals) => void cleanup(server, work).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const b = await docker('build', '-q', '--build-arg', 'BERTH_IMAGE_NODE=berth/node:bookworm', '-t', IMAGE, join(ROOT, 'examples', 'node-hello'));
    if (b.code !== 0) throw new Error(b.stderr);
    const berthHttpsPort = await freePort();
    server = await startTestServer({
      env: {
        BERTH_TLS: 'internal',
        BERTH_HTTPS_PORT: String(berthHttpsPort),
        BERTH_HTTPS_REDIRECT: 'false',
        BERTH_QUOTA_APPS: String(Math.max(...SIZES) + 10),
        BERTH_DEFAULT_MEMORY_MB: '128',
        BERTH_MAX_CONCURRENT_DEPLOYS: '8',
        BERTH_DRAIN_SECONDS: '0',
        // The metrics sampler's `docker stats` of every container would land on whichever row runs then.
        BERTH_METRICS_INTERVAL: '3600',
      },
    });
    const caddyBin = process.env.BERTH_CADDY_BIN ?? 'caddy';
    const rows: Row[] = [];
    const setupS: Record<number, number> = {};
    let deployed = 0;
    for (const apps of [...SIZES].sort((a, b) => a - b)) {
      const d0 = Date.now();
      await deployApps(server, deployed, apps);
      deployed = Math.max(deployed, apps);
      setupS[apps] = Math.round((Date.now() - d0) / 1000);
      rows.push(...(await measureSize({ server, work, apps, berthHttpsPort, caddyBin, nginxBin })));
    }
    const rps = (apps: number, path: Path) => rows.find((r) => r.apps === apps && r.path === path)?.rps;
    const over = (a?: number, b?: number) => (a && b ? Number((a / b).toFixed(2)) : null);
    const result = {
      benchmark: 'wrk -t2 -c50 against node-hello: direct, plain Caddy, nginx (upstream keep-alive), Berth http and https; 1 and 200 routed apps',
      quick: QUICK,
      durationS: DURATION_S,
      rounds: ROUNDS,
      rows,
      ratios: SIZES.map((apps) => ({ apps, http: over(rps(apps, 'berth'), rps(apps, 'caddy')), https: over(rps(apps, 'berth-https'), rps(apps, 'caddy-https')) })),
      target: 'Berth / plain Caddy >= 0.9 at both sizes',
      deploySeconds: setupS,
      totalS: 0,
      /** The host's 1-minute load average when the run began: other work on the 2 cores moves every figure. */
      loadAtStart: load0,
      /** The Berth measured: its commit, `-dirty` with uncommitted changes. */
      commit: (await run('git', ['-C', ROOT, 'describe', '--always', '--dirty'])).stdout.trim(),
      date: new Date().toISOString(),
      host: `${process.platform} ${process.arch}, node ${process.version}`,
    };
    result.totalS = Math.round((Date.now() - t0) / 1000);
    const md = markdown(result);
    if (QUICK) console.log(`${JSON.stringify(result, null, 2)}\n\n${md}`);
    else writeResults('proxy', result, md);
  } catch (e) {
    if (server) console.error(`[proxy bench] the Berth server's last output:\n${server.output().slice(-3000)}`);
    throw e;
  } finally {
    await cleanup(server, work);
    removeDir(work);
  }
}

await main();
