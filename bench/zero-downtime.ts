// bench/zero-downtime.ts: failed requests and p50/p99 latency through the proxy before, during
// and after a redeploy (loopback only, bounded). Writes bench/results/zero-downtime.{json,md}.
// Target (issue 4): 0 failures; p99 during the deploy under 2x p99 before.
// Run: npx tsx bench/zero-downtime.ts
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearStale, PROXY, removeDir, requireBaseImages, ROOT, startTestServer, stopTestProxy } from '../test/helpers/berth.js';
import { writeResults } from './results.js';
import { startLoad, type LoadResult } from '../test/helpers/load.js';

const PHASE_MS = 5000;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const summary = (r: LoadResult) => ({
  requests: r.sent,
  failed: r.failed,
  p50Ms: Number(pct(r.latenciesMs, 50).toFixed(2)),
  p99Ms: Number(pct(r.latenciesMs, 99).toFixed(2)),
});

async function phase(ms: number, during?: () => Promise<void>): Promise<LoadResult> {
  const load = startLoad(`${PROXY}/`, 'zd-bench.localhost', { workers: 4, maxMs: 120_000, maxRequests: 500_000 });
  if (during) await during();
  else await new Promise((r) => setTimeout(r, ms));
  return load.stop();
}

async function main(): Promise<void> {
  await requireBaseImages();
  await clearStale();
  const work = mkdtempSync(join(tmpdir(), 'berth-zd-bench-'));
  const app = join(work, 'app');
  cpSync(join(ROOT, 'examples', 'node-hello'), app, { recursive: true });
  const server = await startTestServer();
  try {
    const first = await server.cli(['deploy', app, '--app', 'zd-bench']);
    if (first.code !== 0) throw new Error(first.stderr);
    const before = await phase(PHASE_MS);
    // A changed source, so the deploy really builds and starts a new release.
    writeFileSync(join(app, 'server.js'), readFileSync(join(app, 'server.js'), 'utf8').replace('Hello from node-hello', 'Hello, v2'));
    const during = await phase(0, async () => {
      const r = await server.cli(['deploy', app, '--app', 'zd-bench']);
      if (r.code !== 0) throw new Error(r.stderr);
      // The old release drains after the switch: keep measuring until it has stopped.
      await new Promise((res) => setTimeout(res, (5 + 2) * 1000));
    });
    const after = await phase(PHASE_MS);
    const result = {
      benchmark: 'requests through Caddy before, during and after a redeploy (node-hello, 4 workers, loopback)',
      before: summary(before),
      during: summary(during),
      after: summary(after),
      p99DuringOverBefore: Number((pct(during.latenciesMs, 99) / pct(before.latenciesMs, 99)).toFixed(2)),
      target: '0 failures; p99 during < 2x p99 before',
      errors: [...before.errors, ...during.errors, ...after.errors].slice(0, 10),
      date: new Date().toISOString(),
    };
    const row = (name: string, s: ReturnType<typeof summary>) => `| ${name} | ${s.requests} | ${s.failed} | ${s.p50Ms} | ${s.p99Ms} |`;
    writeResults('zero-downtime', result, `# zero-downtime benchmark\n\n${result.benchmark} (${result.date}).\n\n| phase | requests | failed | p50 ms | p99 ms |\n|---|---|---|---|---|\n${row('before', result.before)}\n${row('during', result.during)}\n${row('after', result.after)}\n\np99 during / p99 before: **${result.p99DuringOverBefore}** (target < 2)\n`);
  } finally {
    await server.cli(['destroy', 'zd-bench', '--yes']);
    await server.stop();
    await stopTestProxy();
    removeDir(server.dataDir);
    removeDir(work);
  }
}

await main();
