// bench/faults.ts: how long an app goes unserved after each fault, measured through the proxy
// with one request every 20 ms (loopback only, bounded): the server SIGKILLed mid-switch, the
// routing Caddy and the edge Caddy killed with SIGKILL, the app's container killed, and dockerd
// restarted. Writes bench/results/faults.{json,md}. Targets (issue 15): server kill 0 s (apps do
// not depend on the control plane), each Caddy back within 2 s.
// Run as root on a host where scripts/setup-host started dockerd: npx tsx bench/faults.ts
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearStale, containersNamed, docker, PROXY, removeDir, requireBaseImages, ROOT, run, startTestServer, stopTestProxy, TEST, type TestServer } from '../test/helpers/berth.js';
import { eventually, get } from '../test/helpers/http.js';
import { watchServing } from '../test/helpers/load.js';
import { writeResults } from './results.js';

const APP = 'faults-bench';
const HOST = `${APP}.localhost`;
const ENV = { BERTH_DRAIN_SECONDS: '1' };

interface Figure {
  fault: string;
  /** Longest run of failed requests around the fault. */
  outageSeconds: number;
  failedRequests: number;
  requests: number;
}

const pidIsGone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/** Runs `fault` under the request loop, waits until the app answers again and a second more. */
async function measure(fault: string, act: () => Promise<void>): Promise<Figure> {
  const watch = watchServing(`${PROXY}/`, HOST);
  await new Promise((r) => setTimeout(r, 500));
  await act();
  await eventually(() => get(`${PROXY}/`, { host: HOST, timeoutMs: 2000 }), (r) => r.status === 200, 90_000, 50);
  await new Promise((r) => setTimeout(r, 1000));
  const s = await watch.stop();
  return { fault, outageSeconds: Number((s.longestOutageMs / 1000).toFixed(3)), failedRequests: s.failed, requests: s.requests };
}

async function main(): Promise<void> {
  await requireBaseImages();
  await clearStale();
  const work = mkdtempSync(join(tmpdir(), 'berth-faults-bench-'));
  const app = join(work, 'app');
  cpSync(join(ROOT, 'examples', 'python-hello'), app, { recursive: true });
  let server: TestServer = await startTestServer({ env: ENV });
  const figures: Figure[] = [];
  try {
    const first = await server.cli(['deploy', app, '--app', APP]);
    if (first.code !== 0) throw new Error(first.stderr);

    figures.push(
      await measure('Berth server SIGKILL mid-switch', async () => {
        const dataDir = server.dataDir;
        await server.stop();
        server = await startTestServer({ dataDir, env: { ...ENV, BERTH_TEST_PAUSE_AT: 'switch' } });
        const deploying = server.cli(['deploy', app, '--app', APP]);
        const s = server;
        await eventually(async () => s.output(), (o) => o.includes('paused at switch'), 90_000, 20);
        await server.stop('SIGKILL');
        await deploying;
        server = await startTestServer({ dataDir, env: ENV });
      }),
    );

    for (const [fault, name] of [
      ['routing Caddy SIGKILL', 'caddy'],
      ['edge Caddy SIGKILL', 'caddy-edge'],
    ] as const) {
      figures.push(
        await measure(fault, async () => {
          const pid = Number(readFileSync(join(server.dataDir, 'proxy', `${name}.pid`), 'utf8').trim());
          process.kill(pid, 'SIGKILL');
        }),
      );
    }

    figures.push(
      await measure('app container killed (docker kill)', async () => {
        const [c] = await containersNamed(`${TEST.prefix}-default-${APP}-`);
        await docker('kill', c!);
      }),
    );

    figures.push(
      await measure('dockerd restarted', async () => {
        const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
        process.kill(pid, 'SIGTERM');
        await eventually(async () => pidIsGone(pid), (g) => g, 60_000, 100);
        const up = await run(join(ROOT, 'scripts', 'setup-host'), []);
        if (up.code !== 0) throw new Error(`dockerd did not come back: ${up.stderr}`);
      }),
    );
  } finally {
    await server.stop();
    await stopTestProxy();
    await clearStale();
    removeDir(server.dataDir);
    removeDir(work);
  }

  const result = { date: new Date().toISOString(), host: '2 cores, this machine', figures };
  const md = [
    '# Recovery after faults (bench/faults.ts)',
    '',
    'Longest time the app went unserved (one request every 20 ms through the proxy, 2 s timeout each).',
    '',
    '| fault | outage (s) | failed requests | requests |',
    '|---|---|---|---|',
    ...figures.map((f) => `| ${f.fault} | ${f.outageSeconds} | ${f.failedRequests} | ${f.requests} |`),
    '',
  ].join('\n');
  writeResults('faults', result, md);
}

await main();
