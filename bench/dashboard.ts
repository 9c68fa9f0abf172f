// bench/dashboard.ts: how long the dashboard's apps overview takes to render 200 apps in
// headless Chromium: from navigation start (performance.now() = 0) until the table holds all
// 200 rows — page, bundle, session check, /apps and /metrics, and render included. Each app
// has a CPU/memory sample, as on a live server. Writes bench/results/dashboard.{json,md}.
// Target (issue 7): under 1 s. Run: npx tsx bench/dashboard.ts [rounds]
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { clearStale, removeDir, startTestServer, stopTestProxy, TEST_TOKEN } from '../test/helpers/berth.js';
import { writeResults } from './results.js';
import { launchBrowser } from '../test/helpers/browser.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const APPS = 200;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  await clearStale();
  const server = await startTestServer();
  const browser = await launchBrowser();
  const times: number[] = [];
  try {
    for (let i = 0; i < APPS; i++) {
      const res = await server.fetch('/api/v1/apps', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: `bench-app-${i}`, owner: `team-${i % 10}` }) });
      if (res.status !== 201) throw new Error(`creating app ${i}: ${res.status} ${await res.text()}`);
    }
    // One CPU/memory sample per app, written as the sampler would.
    const db = new Database(join(server.dataDir, 'berth.db'));
    const insert = db.prepare('INSERT INTO metrics (app_id, at, cpu_percent, memory_bytes) SELECT id, ?, ?, ? FROM apps');
    insert.run(new Date().toISOString(), 1.5, 64 * 1024 * 1024);
    db.close();

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Log in with an API token' }).click();
    await page.getByLabel('API token').fill(TEST_TOKEN);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.waitForSelector(`table.apps[data-count="${APPS}"]`);
    for (let r = 0; r < ROUNDS; r++) {
      await page.goto(`${server.url}/#/`, { waitUntil: 'commit' });
      await page.reload({ waitUntil: 'commit' });
      await page.waitForFunction((n) => document.querySelectorAll('table.apps tbody tr').length === n && document.querySelectorAll('table.apps td.num')[1]?.textContent !== '-', APPS);
      times.push(Math.round(await page.evaluate(() => performance.now())));
    }
    const result = {
      benchmark: `apps overview with ${APPS} apps (each with a metrics sample) in headless Chromium: navigation start until every row is rendered`,
      rounds: ROUNDS,
      runsMs: times,
      medianMs: median(times),
      maxMs: Math.max(...times),
      target: 'under 1000 ms',
      date: new Date().toISOString(),
    };
    writeResults('dashboard', result, `# dashboard benchmark\n\n${result.benchmark}, ${ROUNDS} page loads (${result.date}).\n\n| median ms | max ms | runs (ms) |\n|---|---|---|\n| ${result.medianMs} | ${result.maxMs} | ${times.join(', ')} |\n\nTarget: under 1000 ms.\n`);
  } finally {
    await browser.close();
    await server.stop();
    await stopTestProxy();
    removeDir(server.dataDir);
  }
}

await main();
