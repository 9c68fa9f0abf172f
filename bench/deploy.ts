// bench/deploy.ts: how long `berth deploy` of an unchanged app (cached build) takes until the new
// release answers through the proxy, against the same steps by hand: `docker build` (cached),
// `docker run`, then polling with an HTTP client. Writes bench/results/deploy.{json,md}.
// Target (issue 3): berth / plain <= 1.3. Run: npx tsx bench/deploy.ts [runs]
import { join } from 'node:path';
import { clearStale, containersNamed, docker, freePort, PROXY, removeDir, requireBaseImages, ROOT, startTestServer, stopTestProxy, TEST } from '../test/helpers/berth.js';
import { writeResults } from './results.js';
import { get } from '../test/helpers/http.js';

const RUNS = Number(process.argv[2] ?? 5);
const EXAMPLE = join(ROOT, 'examples', 'node-hello');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function until200(url: string, host?: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const ok = await get(url, { ...(host ? { host } : {}), timeoutMs: 1000 }).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} never answered`);
}

async function plainDocker(): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const b = await docker('build', '-q', '--build-arg', 'BERTH_IMAGE_NODE=berth/node:bookworm', '-t', 'berthtest/bench-plain:latest', EXAMPLE);
  if (b.code !== 0) throw new Error(b.stderr);
  const r = await docker('run', '-d', '--name', 'berthtest-bench-plain', '-e', 'PORT=3000', '-p', `127.0.0.1:${port}:3000`, 'berthtest/bench-plain:latest');
  if (r.code !== 0) throw new Error(r.stderr);
  await until200(`http://127.0.0.1:${port}/`);
  const ms = performance.now() - t0;
  await docker('rm', '-f', 'berthtest-bench-plain');
  return ms;
}

async function main(): Promise<void> {
  await requireBaseImages();
  await clearStale();
  // A short drain keeps the run short; it happens after the new release answers either way.
  const server = await startTestServer({ env: { BERTH_DRAIN_SECONDS: '1' } });
  /** Each timed deploy starts from a steady state, as each plain run does: the replaced release has stopped. */
  const steady = async () => {
    const end = Date.now() + 30_000;
    while ((await containersNamed(`${TEST.prefix}-default-bench-`)).length > 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  };
  try {
    // Warm both caches once: the first build of each is not what is measured.
    const first = await server.cli(['deploy', EXAMPLE, '--app', 'bench']);
    if (first.code !== 0) throw new Error(first.stderr);
    await plainDocker();

    const berth: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await steady();
      const t0 = performance.now();
      const r = await server.cli(['deploy', EXAMPLE, '--app', 'bench']);
      if (r.code !== 0) throw new Error(r.stderr);
      await until200(`${PROXY}/`, 'bench.localhost');
      berth.push(performance.now() - t0);
      plain.push(await plainDocker());
    }
    const result = {
      benchmark: 'deploy of an unchanged app (cached build) until it answers',
      runs: RUNS,
      berthMs: berth.map(Math.round),
      plainDockerMs: plain.map(Math.round),
      berthMedianMs: Math.round(median(berth)),
      plainDockerMedianMs: Math.round(median(plain)),
      ratio: Number((median(berth) / median(plain)).toFixed(2)),
      target: 'ratio <= 1.3',
      date: new Date().toISOString(),
      host: `${process.platform} ${process.arch}, node ${process.version}`,
    };
    writeResults('deploy', result, `# deploy benchmark\n\n${result.benchmark}, median of ${RUNS} runs (${result.date}). Each timed run starts from a steady state (the replaced release has stopped), as each plain run does (its container is removed before the next). An unchanged source reuses its image, so neither path really builds; what remains of the gap is the CLI's Node.js start-up and the Berth network attach.\n\n| path | median ms | runs (ms) |\n|---|---|---|\n| berth deploy -> answers through Caddy | ${result.berthMedianMs} | ${result.berthMs.join(', ')} |\n| docker build + docker run + HTTP poll | ${result.plainDockerMedianMs} | ${result.plainDockerMs.join(', ')} |\n\nratio: **${result.ratio}** (target <= 1.3)\n`);
  } finally {
    await server.cli(['destroy', 'bench', '--yes']);
    await server.stop();
    await stopTestProxy();
    removeDir(server.dataDir);
    await docker('rmi', '-f', 'berthtest/bench-plain:latest');
  }
}

await main();
