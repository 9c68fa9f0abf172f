// bench/build-cache.ts: build time of a Node.js app without a Dockerfile (examples/node-npm-dep)
// cold (package.json changed: npm install runs) and warm (only the code changed: the dependency
// layer is reused). Writes bench/results/build-cache.{json,md}. Target (issue 5): warm <= 25% of cold.
// Run: npx tsx bench/build-cache.ts [rounds]
import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearStale, removeDir, requireBaseImages, ROOT, startTestServer, stopTestProxy, type TestServer } from '../test/helpers/berth.js';
import { writeResults } from './results.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Deploys and returns how long the build took (fetch + build), from the build's own record. */
async function buildMs(server: TestServer, dir: string): Promise<number> {
  const r = await server.cli(['deploy', dir, '--app', 'cache-bench']);
  if (r.code !== 0) throw new Error(r.stdout.slice(-1500) + r.stderr);
  const [b] = (await (await server.fetch(`/api/v1/apps/cache-bench/builds`)).json()) as { createdAt: string; finishedAt: string }[];
  return Date.parse(b!.finishedAt) - Date.parse(b!.createdAt);
}

async function main(): Promise<void> {
  await requireBaseImages();
  await clearStale();
  const work = mkdtempSync(join(tmpdir(), 'berth-cache-bench-'));
  const dir = join(work, 'app');
  cpSync(join(ROOT, 'examples', 'node-npm-dep'), dir, { recursive: true });
  const server = await startTestServer();
  const cold: number[] = [];
  const warm: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      // A package.json never built before: the install layer cannot come from the cache.
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      pkg.description = `cache bench ${Date.now()}-${i}`;
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
      cold.push(await buildMs(server, dir));
      // Only the code changes: everything up to the install is reused.
      appendFileSync(join(dir, 'server.js'), `// change ${i}\n`);
      warm.push(await buildMs(server, dir));
    }
    const result = {
      benchmark: 'build of examples/node-npm-dep (no Dockerfile): cold = package.json changed, warm = only code changed',
      rounds: ROUNDS,
      coldMs: cold,
      warmMs: warm,
      coldMedianMs: median(cold),
      warmMedianMs: median(warm),
      warmOverCold: Number((median(warm) / median(cold)).toFixed(2)),
      target: 'warm <= 0.25 x cold',
      date: new Date().toISOString(),
    };
    writeResults('build-cache', result, `# build-cache benchmark\n\n${result.benchmark}, median of ${ROUNDS} rounds (${result.date}).\n\n| build | median ms | runs (ms) |\n|---|---|---|\n| cold | ${result.coldMedianMs} | ${cold.join(', ')} |\n| warm | ${result.warmMedianMs} | ${warm.join(', ')} |\n\nwarm / cold: **${result.warmOverCold}** (target <= 0.25)\n`);
  } finally {
    await server.cli(['destroy', 'cache-bench', '--yes']);
    await server.stop();
    await stopTestProxy();
    removeDir(server.dataDir);
    removeDir(work);
  }
}

await main();
