// bench/backup.ts: backup, check, restore and restore-drill time of a PostgreSQL add-on filled to
// 1 GiB (pg_database_size), against `pg_dump -Fc > /dev/null` by hand in a one-off of the same
// image and limits; with Berth's peak RSS while the bytes stream through it (flat: nothing is
// buffered). Writes bench/results/backup.{json,md}. Docs: docs/research/issue20-backups.md §6.
// Run: flock -o /tmp/berth-docker.lock npx tsx bench/backup.ts [GiB] [backup runs]   (default 1 GiB, 3 runs)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, bootServer, docker, ROOT, run, shutdownServer, TEST, TEST_TOKEN, type TestServer } from '../test/helpers/berth.js';
import { writeResults } from './results.js';

const TARGET_BYTES = Math.round(Number(process.argv[2] ?? 1) * 1024 ** 3);
const RUNS = Number(process.argv[3] ?? 3);
const APP = 'backup-bench';
const ADDON = 'bench-db';
const CONTAINER = `${TEST.prefix}-addon-${ADDON}`;
// ~300 bytes a row with its index: 1 M rows a batch fills 1 GiB in 3-4 batches.
const BATCH = Math.min(1_000_000, Math.max(10_000, Math.round(TARGET_BYTES / 300 / 4)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (n: number) => Number((n / 1024 ** 2).toFixed(1));
const mbps = (bytes: number, ms: number) => Number((bytes / 1024 ** 2 / (ms / 1000)).toFixed(1));
const secs = (ms: number) => Number((ms / 1000).toFixed(1));

interface Backup {
  id: string;
  status: string;
  plainBytes: number;
  cipherBytes: number;
  startedAt: string;
  finishedAt: string;
  counts: Record<string, number>;
  drill: { status: string; summary: string } | null;
}

/** Berth's resident memory: the highest seen while sampling (VmRSS), and the kernel's peak (VmHWM). */
class Rss {
  private max = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => (this.max = Math.max(this.max, this.read('VmRSS'))), 100);
  }
  read(field: 'VmRSS' | 'VmHWM'): number {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  }
  /** The highest RSS since the last call, and VmHWM now, in MiB. */
  phase(): { rssMaxMiB: number; hwmMiB: number } {
    const out = { rssMaxMiB: mib(Math.max(this.max, this.read('VmRSS'))), hwmMiB: mib(this.read('VmHWM')) };
    this.max = 0;
    return out;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

async function ok(server: TestServer, args: string[]): Promise<{ stdout: string; ms: number }> {
  const t0 = performance.now();
  // server.cli stops a command after 5 minutes: a 1 GiB restore may take longer on 2 cores.
  const r = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, BERTH_URL: server.url, BERTH_TOKEN: TEST_TOKEN }, timeoutMs: 60 * 60_000 });
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`berth ${args.join(' ')}: ${(r.stdout + r.stderr).slice(-2000)}`);
  return { stdout: r.stdout, ms };
}

const psql = (server: TestServer, sql: string) => ok(server, ['addons', 'psql', ADDON, '--', '-tAc', sql]);
const one = async (server: TestServer, sql: string) => (await psql(server, sql)).stdout.trim();
const dbSize = async (server: TestServer) => Number(await one(server, 'SELECT pg_database_size(current_database())'));
const counts = async (server: TestServer) => one(server, 'SELECT (SELECT count(*) FROM events) || \' \' || (SELECT count(*) FROM tags)');
const backupOf = async (server: TestServer, id: string) => (await (await server.fetch(`/api/v1/backups/${id}`)).json()) as Backup;

async function psqlUntilUp(server: TestServer): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if ((await server.cli(['addons', 'psql', ADDON, '--', '-tAc', 'SELECT 1'])).code === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the add-on never accepted connections');
}

/**
 * The baseline: what an admin would type, `pg_dump -Fc > /dev/null`, in a one-off of the add-on's
 * image on its network with the limits of Berth's backup one-offs (1 CPU, 512 MiB); stdout goes
 * through `docker run` to the host's /dev/null, as Berth's does through Docker to Berth.
 */
async function plainDump(level: number | null): Promise<number> {
  const [inspect] = JSON.parse((await docker('inspect', CONTAINER)).stdout) as { Config: { Image: string; Env: string[] }; NetworkSettings: { Networks: Record<string, unknown> } }[];
  const password = inspect!.Config.Env.find((e) => e.startsWith('POSTGRES_PASSWORD='))!.split('=')[1]!;
  const network = Object.keys(inspect!.NetworkSettings.Networks)[0]!;
  const db = ADDON.replace(/-/g, '_');
  const args = ['run', '--rm', '--name', `${TEST.prefix}-bench-pgdump`, '--network', network, '--cpus', '1', '--memory', '512m', '-e', 'PGPASSWORD', inspect!.Config.Image];
  const cmd = ['pg_dump', '-Fc', ...(level === null ? [] : [`-Z${level}`]), '-h', CONTAINER, '-U', db, '-d', db];
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const p = spawn('docker', [...args, ...cmd], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PGPASSWORD: password } });
    p.once('error', reject);
    p.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`pg_dump exited ${code}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const server = await bootServer({ env: { BERTH_DEFAULT_MEMORY_MB: '1024' } });
  const rss = new Rss(server.proc.pid!);
  try {
    await ok(server, ['deploy', join(ROOT, 'examples', 'python-hello'), '--app', APP]);
    await ok(server, ['addons', 'create', 'postgres', '--app', APP, '--name', ADDON]);
    await psqlUntilUp(server);
    const idle = rss.phase();

    // The fill: md5 hex of distinct strings (gzip about 2:1, as real text; no repeats within its window), then a second, narrow table.
    await psql(server, 'CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, kind int, body text); CREATE TABLE tags (id int PRIMARY KEY, event_id bigint, label text)');
    const fill0 = performance.now();
    let rows = 0;
    const body = ['a', 'b', 'c', 'd', 'e', 'f'].map((s) => `md5(g || '${s}')`).join(' || ');
    while ((await dbSize(server)) < TARGET_BYTES) {
      await psql(server, `SET synchronous_commit = off; INSERT INTO events SELECT g, now() - g * interval '1 s', g % 17, ${body} FROM generate_series(${rows + 1}, ${rows + BATCH}) g`);
      rows += BATCH;
      process.stderr.write(`fill: ${rows} rows, ${mib(await dbSize(server))} MiB\n`);
    }
    const tagRows = Math.round(rows / 10);
    await psql(server, `SET synchronous_commit = off; INSERT INTO tags SELECT g, (g * 7) % ${rows} + 1, 'tag-' || (g % 100) FROM generate_series(1, ${tagRows}) g`);
    await psql(server, 'CHECKPOINT; ANALYZE');
    const fillMs = performance.now() - fill0;
    const dbBytes = await dbSize(server);
    const before = await counts(server);
    const fill = rss.phase();

    const plainMs: number[] = [];
    for (let i = 0; i < RUNS; i++) plainMs.push(await plainDump(null));
    const plainZ1Ms = await plainDump(1);
    const baseline = rss.phase();

    const createMs: number[] = [];
    const backups: Backup[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await ok(server, ['backups', 'create', ADDON, '--json']);
      createMs.push(r.ms);
      const b = await backupOf(server, (JSON.parse(r.stdout) as { backup: Backup }).backup.id);
      if (b.status !== 'ok') throw new Error(`backup ${b.id}: ${b.status}`);
      backups.push(b);
    }
    const create = rss.phase();
    const b = backups[createMs.indexOf(median(createMs))]!;

    const check = await ok(server, ['backups', 'check', b.id]);
    const checkRss = rss.phase();
    const restore = await ok(server, ['backups', 'restore', ADDON, '--backup', b.id, '--no-safety-backup', '--yes']);
    const after = await counts(server);
    if (after !== before) throw new Error(`counts after the restore ${after} != ${before}`);
    const restoreRss = rss.phase();
    const drill = await ok(server, ['backups', 'drill', ADDON, '--backup', b.id]);
    const drilled = await backupOf(server, b.id);
    if (drilled.drill?.status !== 'ok') throw new Error(`drill: ${JSON.stringify(drilled.drill)}`);
    const drillRss = rss.phase();

    const createMed = median(createMs);
    const plainMed = median(plainMs);
    const result = {
      benchmark: 'backup of a PostgreSQL 15 add-on (pg_dump -Fc, encrypted, stored locally, read back and checked), check, restore (one transaction) and restore drill',
      host: '2 cores; add-on 1024 MiB (BERTH_DEFAULT_MEMORY_MB); backup one-offs 1 CPU, 512 MiB',
      database: { bytes: dbBytes, mib: mib(dbBytes), events: rows, tags: tagRows, fillMs: Math.round(fillMs) },
      backup: { plainBytes: b.plainBytes, cipherBytes: b.cipherBytes, plainMiB: mib(b.plainBytes), cipherMiB: mib(b.cipherBytes), dbOverPlain: Number((dbBytes / b.plainBytes).toFixed(2)) },
      createMs: createMs.map(Math.round),
      createMedianMs: Math.round(createMed),
      createMBps: mbps(dbBytes, createMed),
      createRecordedMs: backups.map((x) => Date.parse(x.finishedAt) - Date.parse(x.startedAt)),
      baselinePgDumpMs: plainMs.map(Math.round),
      baselinePgDumpMedianMs: Math.round(plainMed),
      baselinePgDumpZ1Ms: Math.round(plainZ1Ms),
      createOverBaseline: Number((createMed / plainMed).toFixed(2)),
      dumpPartOverBaseline: Number(((createMed - check.ms) / plainMed).toFixed(2)),
      checkMs: Math.round(check.ms),
      restoreMs: Math.round(restore.ms),
      restoreMBps: mbps(dbBytes, restore.ms),
      drillMs: Math.round(drill.ms),
      drill: drilled.drill.summary,
      countsAfterRestore: after,
      berthRss: { idle, fill, baseline, create, check: checkRss, restore: restoreRss, drill: drillRss },
      date: new Date().toISOString(),
    };
    const r = result.berthRss;
    writeResults(
      'backup',
      result,
      `# backup benchmark

${result.benchmark} (${result.date}). ${result.host}.

Database: **${result.database.mib} MiB** (pg_database_size): ${rows} rows in \`events\` (id, timestamptz, int, 192 hex chars), ${tagRows} in \`tags\`; filled in ${secs(fillMs)} s.
Dump: ${result.backup.plainMiB} MiB plaintext (pg_dump -Fc, gzip 6), ${result.backup.cipherMiB} MiB stored encrypted.

| step | time | MiB/s of the database | runs |
|---|---|---|---|
| \`pg_dump -Fc > /dev/null\` by hand (baseline) | ${secs(plainMed)} s | ${mbps(dbBytes, plainMed)} | ${plainMs.map(secs).join(', ')} s |
| same with \`-Z1\` | ${secs(plainZ1Ms)} s | ${mbps(dbBytes, plainZ1Ms)} | 1 |
| \`berth backups create\` (dump, encrypt, store, read back, check) | **${secs(createMed)} s** | ${result.createMBps} | ${createMs.map(secs).join(', ')} s |
| \`berth backups check\` alone | ${secs(check.ms)} s | ${mbps(b.plainBytes, check.ms)} (MiB/s of the dump) | 1 |
| \`berth backups restore --no-safety-backup\` (one transaction) | **${secs(restore.ms)} s** | ${result.restoreMBps} | 1 |
| \`berth backups drill\` (throwaway container, restore, exact counts) | **${secs(drill.ms)} s** | ${mbps(dbBytes, drill.ms)} | 1 (${result.drill}) |

create / baseline: **${result.createOverBaseline}**; create without its check (create - check) / baseline: **${result.dumpPartOverBaseline}**.

Berth server's resident memory (MiB; highest VmRSS sampled every 100 ms in the step / VmHWM after it):

| after | idle | fill | baseline | create x${RUNS} | check | restore | drill |
|---|---|---|---|---|---|---|---|
| RSS max | ${r.idle.rssMaxMiB} | ${r.fill.rssMaxMiB} | ${r.baseline.rssMaxMiB} | ${r.create.rssMaxMiB} | ${r.check.rssMaxMiB} | ${r.restore.rssMaxMiB} | ${r.drill.rssMaxMiB} |
| VmHWM | ${r.idle.hwmMiB} | ${r.fill.hwmMiB} | ${r.baseline.hwmMiB} | ${r.create.hwmMiB} | ${r.check.hwmMiB} | ${r.restore.hwmMiB} | ${r.drill.hwmMiB} |

Run: \`flock -o /tmp/berth-docker.lock npx tsx bench/backup.ts [GiB] [runs]\` after \`npm run build\`.
`,
    );
  } finally {
    rss.stop();
    await shutdownServer(server);
  }
}

await main();
