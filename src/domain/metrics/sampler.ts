// Samples CPU and memory of every running app from Docker's stats into SQLite, so the
// dashboard can chart the last hour and show "now" for 200 apps without asking Docker.
import type { MetricSample } from '../../infra/db/metrics-repo.js';
import { now } from '../../infra/db/time.js';
import type { Deps } from '../context.js';

const KEEP_MS = 24 * 3_600_000;
const CONCURRENCY = 8;

/** One sample of every app with a running release: its containers' CPU and memory summed. */
export async function sampleOnce(deps: Deps): Promise<number> {
  const at = now();
  const work = deps.db.apps
    .list()
    .map((a) => ({ app: a, d: a.currentDeploymentId !== null ? deps.db.deployments.get(a.currentDeploymentId) : undefined }))
    .filter((x) => x.d?.status === 'running' && x.d.containers.length > 0);
  const samples: MetricSample[] = [];
  // A few at a time: each stats call takes Docker about a second.
  for (let i = 0; i < work.length; i += CONCURRENCY) {
    await Promise.all(
      work.slice(i, i + CONCURRENCY).map(async ({ app, d }) => {
        const stats = await Promise.all(d!.containers.map((id) => deps.scheduler.stats(id).catch(() => null)));
        const live = stats.filter((s) => s !== null);
        if (live.length === 0) return;
        samples.push({ appId: app.id, at, cpuPercent: live.reduce((n, s) => n + s.cpuPercent, 0), memoryBytes: live.reduce((n, s) => n + s.memoryBytes, 0) });
      }),
    );
  }
  deps.db.tx(() => {
    // Apps destroyed while sampling are skipped, not inserted under a dangling id.
    deps.db.metrics.add(samples.filter((s) => deps.db.apps.get(s.appId)));
    deps.db.metrics.prune(new Date(Date.now() - KEEP_MS).toISOString());
  });
  return samples.length;
}

/** Samples every `intervalSeconds` until stopped; a failed round is logged and the next one runs. */
export function startSampler(deps: Deps, intervalSeconds: number): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sampleOnce(deps).catch((e: unknown) => deps.logger.warn({ err: e }, 'sampling app metrics failed'));
  }, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
