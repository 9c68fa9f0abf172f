// Scheduled jobs from app.json's `cron`, as Dokku reads it: a `* * * * *` job runs within 70 s
// of the deploy with the app's config and its output shows in `berth cron list`; a job still
// running at the next tick has that tick skipped with an event; `berth cron run` runs a job now
// and exits with its code; a bad schedule fails the deploy naming the entry. One app, the cases
// waiting for the first minute tick side by side.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, ROOT, shutdownServer, type TestServer } from '../helpers/berth.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-cron-'));
const good = join(work, 'cron-app');
const bad = join(work, 'cron-bad');

interface Job {
  id: string;
  command: string;
  schedule: string;
}
interface Event {
  kind: string;
  message: string;
}
const events = async (app: string) => (await (await server.fetch(`/api/v1/apps/${app}/events`)).json()) as Event[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 2 s until it returns something, or fails after `ms`. */
async function within<T>(ms: number, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within ${ms / 1000} s: ${what}`);
    await sleep(2000);
  }
}

beforeAll(async () => {
  server = await bootServer();
  cpSync(join(ROOT, 'test', 'fixtures', 'cron-app'), good, { recursive: true });
  cpSync(good, bad, { recursive: true });
  const json = JSON.parse(readFileSync(join(bad, 'app.json'), 'utf8')) as { cron: { schedule: string }[] };
  json.cron[1]!.schedule = '61 * * * *';
  writeFileSync(join(bad, 'app.json'), JSON.stringify(json));
});

afterAll(() => shutdownServer(server, work));

describe('app.json cron', () => {
  it('fails the deploy of a bad schedule, naming the entry', async () => {
    const r = await server.cli(['deploy', bad, '--app', 'cron-bad']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('app.json: cron[1].schedule "61 * * * *": minute must be 0-59');
  });

  it('runs a * * * * * job within 70 s of the deploy, skips a tick while a slow run goes on, and runs a job now', async () => {
    const d = await server.cli(['deploy', good, '--app', 'cron-app']);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    const deployed = Date.now();
    const jobs = (await (await server.fetch('/api/v1/apps/cron-app/cron')).json()) as Job[];
    expect(jobs.map((j) => [j.schedule, j.command])).toEqual([
      ['* * * * *', 'node task.js'],
      ['* * * * *', 'node slow.js'],
      ['@yearly', 'node task.js 3'],
    ]);
    const [task, slow, failing] = jobs as [Job, Job, Job];

    await Promise.all([
      (async () => {
        // Run now: the job's output and its exit code become the CLI's; a failed run is an event.
        const r = await server.cli(['cron', 'run', 'cron-app', failing.id]);
        expect(r.code, r.stderr).toBe(3);
        expect(r.stdout).toContain('with GREETING=hello from app.json');
        expect(r.stderr).toMatch(/run #\d+: exit 3/);
        expect((await events('cron-app')).some((e) => e.kind === 'cron.failed' && e.message.includes(`cron job ${failing.id} (node task.js 3) failed: exit code 3`))).toBe(true);
      })(),
      (async () => {
        await within(70_000 - (Date.now() - deployed), 'the every-minute job ran', async () => {
          const now = JSON.parse((await server.cli(['cron', 'list', 'cron-app', '--json'])).stdout) as (Job & { lastRun: { status: string } | null })[];
          return now.find((j) => j.id === task.id)?.lastRun?.status === 'succeeded' ? true : undefined;
        });
        const list = (await server.cli(['cron', 'list', 'cron-app'])).stdout;
        expect(list).toMatch(new RegExp(`${task.id}\\s+\\* \\* \\* \\* \\*\\s+node task\\.js\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\s+\\d+s ago\\s+exit 0`));
        expect(list).toMatch(new RegExp(`${task.id} last output:\\n  cron task ran at \\S+ with GREETING=hello from app.json`));
        const runs = await server.cli(['cron', 'runs', 'cron-app', task.id]);
        expect(runs.stdout).toMatch(/run #\d+ \(schedule\) started .*: exit 0/);
      })(),
      (async () => {
        // The slow job, started now (through the API: it answers at once), is still going at the next minute's tick.
        const started = await server.fetch(`/api/v1/apps/cron-app/cron/${slow.id}/run`, { method: 'POST' });
        // 409 only when the first minute came between the deploy and this request: its run is the one going.
        expect([202, 409]).toContain(started.status);
        const again = await server.fetch(`/api/v1/apps/cron-app/cron/${slow.id}/run`, { method: 'POST' });
        expect(again.status).toBe(409);
        expect(((await again.json()) as { error: { message: string } }).error.message).toContain('never runs twice at once');
        const skipped = await within((started.status === 202 ? 70_000 : 135_000) - (Date.now() - deployed), 'the slow job skipped a tick', async () =>
          (await events('cron-app')).find((e) => e.kind === 'cron.skipped'),
        );
        expect(skipped.message).toContain(`cron job ${slow.id} (node slow.js): the run due`);
        expect(skipped.message).toContain('is still going');
        const r = await server.cli(['cron', 'list', 'cron-app']);
        expect(r.stdout).toMatch(new RegExp(`${slow.id}\\s+.*node slow\\.js.*running`));
        expect(r.stdout).not.toContain('slow task done');
      })(),
    ]);
  }, 180_000);
});
