import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../ports.js';
import { fakeDeps, type FakeDeps } from '../testing/deps.js';
import { CronRunner, OutputTail } from './cron-runner.js';
import { cronJobs } from './cron-service.js';
import { parseCron } from '../apps/cron-schedule.js';

let f: FakeDeps;
let clock: Date;
let appId: number;
/** What the fake engine's one-off containers do: print lines, then end with the promise's exit code. */
let behave: (spec: ContainerSpec, onLine: (l: string) => void, signal?: AbortSignal) => Promise<number>;

const JOBS = parseCron([
  { command: 'node task.js', schedule: '* * * * *' },
  { command: 'node slow.js', schedule: '@hourly' },
]);
const [EVERY_MINUTE, HOURLY] = JOBS as [(typeof JOBS)[0], (typeof JOBS)[0]];
const settle = () => new Promise((r) => setTimeout(r, 20));
beforeEach(() => {
  f = fakeDeps();
  clock = new Date('2026-01-01T00:00:30Z');
  f.engine.addImage(['berth-app:d1']);
  const app = f.deps.db.apps.insert({ name: 'shop', owner: 'default' });
  appId = app.id;
  const build = f.deps.db.builds.insert({ appId, sourceKind: 'image', source: 'x' });
  const d = f.deps.db.deployments.insert({ appId, buildId: build.id });
  f.deps.db.deployments.update(d.id, 'running', { image: 'berth-app:d1', port: 8080, processes: { web: '' } });
  f.deps.db.apps.setCurrentDeployment(appId, d.id);
  f.deps.db.apps.update(appId, { cron: JOBS });
  behave = async (_s, onLine) => {
    onLine('hello from cron');
    return 0;
  };
  f.engine.runOnce = (spec, onLine, _t, signal) => behave(spec, onLine, signal);
});
afterEach(() => f.cleanup());

const runner = (timeoutMs?: number) => new CronRunner(f.deps, { now: () => clock, ...(timeoutMs ? { timeoutMs } : {}) });
const kinds = () => cronEvents().map((e) => e.kind);
const cronEvents = () => f.deps.db.events.listForApp(appId, 100).filter((e) => e.subject.startsWith('cron:'));

describe('the cron runner', () => {
  it('runs a due job in a one-off container and keeps its output and exit code', async () => {
    const r = runner();
    r.tick(); // first sight: due from now on
    expect(f.deps.db.cron.list(appId, EVERY_MINUTE.id)).toEqual([]);
    clock = new Date('2026-01-01T00:01:00.100Z');
    r.tick();
    await settle();
    const [run] = f.deps.db.cron.list(appId, EVERY_MINUTE.id);
    expect(run).toMatchObject({ status: 'succeeded', exitCode: 0, trigger: 'schedule', output: 'hello from cron' });
    expect(f.deps.db.cron.list(appId, HOURLY.id)).toEqual([]);
    const view = cronJobs(f.deps, 'shop', clock).find((j) => j.id === EVERY_MINUTE.id)!;
    expect(view).toMatchObject({ nextRunAt: '2026-01-01T00:02:00.000Z', running: false, lastRun: { output: 'hello from cron' } });
  });

  it('records a failed run as an event', async () => {
    behave = async () => 3;
    const r = runner();
    r.tick();
    clock = new Date('2026-01-01T00:01:01Z');
    r.tick();
    await settle();
    expect(f.deps.db.cron.list(appId, EVERY_MINUTE.id)[0]).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(cronEvents().find((e) => e.kind === 'cron.failed')?.message).toContain(`cron job ${EVERY_MINUTE.id} (node task.js) failed: exit code 3`);
  });

  it('skips a tick while the previous run of the job goes on, with an event, and never runs it twice at once', async () => {
    let finish!: (code: number) => void;
    behave = () => new Promise<number>((resolve) => (finish = resolve));
    const r = runner();
    r.tick();
    clock = new Date('2026-01-01T00:01:00Z');
    r.tick();
    await settle();
    clock = new Date('2026-01-01T00:02:00Z');
    r.tick();
    await settle();
    expect(f.deps.db.cron.list(appId, EVERY_MINUTE.id)).toHaveLength(1);
    expect(kinds()).toContain('cron.skipped');
    await expect(r.runNow('shop', EVERY_MINUTE.id)).rejects.toThrow('is running');
    finish(0);
    await settle();
    expect(f.deps.db.cron.list(appId, EVERY_MINUTE.id)[0]).toMatchObject({ status: 'succeeded' });
  });

  it('after a restart, marks runs left going as interrupted and runs a missed job once', async () => {
    const before = runner();
    before.tick();
    const left = f.deps.db.cron.start(appId, HOURLY.id, 'schedule');
    // Berth is down from 00:00:30 to 03:00:10: three minutes' worth of hours, 170 minute ticks.
    clock = new Date('2026-01-01T03:00:10Z');
    const after = runner();
    expect(after.recover()).toBe(1);
    expect(f.deps.db.cron.get(left.id)).toMatchObject({ status: 'interrupted' });
    after.tick();
    await settle();
    after.tick();
    await settle();
    expect(f.deps.db.cron.list(appId, EVERY_MINUTE.id)).toHaveLength(1);
    expect(f.deps.db.cron.list(appId, HOURLY.id).map((r) => r.status)).toEqual(['succeeded', 'interrupted']);
    expect(kinds()).toContain('cron.interrupted');
  });

  it('stops a run that outlives the timeout and records it as failed', async () => {
    behave = (_s, _l, signal) => new Promise<number>((resolve) => signal?.addEventListener('abort', () => resolve(137)));
    const r = runner(50);
    const run = await r.runNow('shop', HOURLY.id);
    await new Promise((res) => setTimeout(res, 120));
    expect(f.deps.db.cron.get(run.id)).toMatchObject({ status: 'failed', exitCode: 137, trigger: 'manual' });
    expect(f.deps.db.cron.get(run.id)!.error).toContain('timed out');
  });

  it('forgets a job a deploy removed from app.json, and stops cleanly', async () => {
    const r = runner();
    await r.runNow('shop', HOURLY.id);
    await settle();
    f.deps.db.apps.update(appId, { cron: [EVERY_MINUTE] });
    r.tick();
    expect(f.deps.db.cron.list(appId, HOURLY.id)).toEqual([]);
    await r.stop();
  });
});

describe('a run output tail', () => {
  it('keeps the last bytes and says it cut', () => {
    const t = new OutputTail(10);
    for (const l of ['aaaa', 'bbbb', 'cccc']) t.push(l);
    expect(t.text()).toBe('[earlier output cut: only the last 0 KiB are kept]\nbbbb\ncccc');
  });
});
