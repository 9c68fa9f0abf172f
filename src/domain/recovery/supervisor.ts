// Keeps current releases running. It follows Docker's event stream: when a container of an
// app's current release dies, the routes are re-synced at once (the proxy only points at
// running containers) and, unless Docker's own restart policy brings it back (it does for
// crashes, not for `docker kill`), Berth starts it again with exponential backoff. Every restart
// of a current container, whoever made it, is counted (crash loops), an out-of-memory kill is
// told as such, and a restarted web container is routed again as soon as its check passes.
import { messageOf } from '../../errors.js';
import type { ContainerEvent } from '../../infra/docker/engine.js';
import { resolveHealthCheck } from '../apps/manifest.js';
import { LABELS, type Deps } from '../context.js';
import { probe } from '../health/probe.js';
import { CRASH_LOOP_RESTARTS, CRASH_WINDOW_MS } from '../processes/crash-loop.js';
import { syncRoutes } from '../routing/sync-routes.js';
import { reconcile } from './reconcile.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export { CRASH_LOOP_RESTARTS, CRASH_WINDOW_MS } from '../processes/crash-loop.js';
/** Docker sends `oom` just before the `die` it causes; one older than this belongs to an earlier death. */
const OOM_MATCH_MS = 10_000;

/** Backoff before the next restart: 0.5 s doubling with each recent restart, at most 30 s. */
export const restartDelayMs = (recentRestarts: number): number => Math.min(30_000, 500 * 2 ** recentRestarts);

/** How events name a container: its process type and instance, e.g. web.1. */
export function processName(labels: Record<string, string>): string {
  const index = /-(\d+)$/.exec(labels.name ?? '')?.[1] ?? '1';
  return `${labels[LABELS.process] ?? 'web'}.${index}`;
}

/** The event told when a current container dies: an out-of-memory kill says so, with the limit. */
export function describeDeath(p: { name: string; exitCode: number | null; oomKilled: boolean; memoryLimitBytes: number }): { kind: string; message: string } {
  if (p.oomKilled) {
    const limit = p.memoryLimitBytes > 0 ? ` (limit ${Math.round(p.memoryLimitBytes / (1024 * 1024))} MB)` : '';
    return { kind: 'process.oom-killed', message: `${p.name} was killed: out of memory${limit}` };
  }
  return { kind: 'process.died', message: `${p.name} exited with code ${p.exitCode ?? '?'}` };
}

export class Supervisor {
  private readonly ac = new AbortController();
  private following: Promise<void> = Promise.resolve();
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();
  /** Containers Berth itself is starting again, so their `start` is told as Berth's. */
  private readonly restarting = new Set<string>();
  /** When Docker last reported an out-of-memory kill in each container. */
  private readonly oomAt = new Map<string, number>();

  constructor(private readonly deps: Deps) {}

  start(): void {
    this.following = this.deps.streams.followEvents({ [LABELS.instance]: this.deps.instanceId }, (e) => this.onEvent(e), this.ac.signal, () => this.afterEngineRestart());
  }

  async stop(): Promise<void> {
    this.ac.abort();
    clearTimeout(this.syncTimer);
    await this.following;
    await Promise.all([...this.pending]);
  }

  /**
   * The event stream broke and is back (dockerd restarted): what happened meanwhile was not
   * seen, so the state is reconciled afresh, once the engine has restarted its containers.
   */
  private afterEngineRestart(): void {
    this.deps.logger.warn('the Docker event stream was lost and is back: reconciling');
    const run = new Promise<void>((r) => setTimeout(r, 1000)).then(async () => {
      if (this.ac.signal.aborted) return;
      await reconcile(this.deps);
    });
    this.pending.add(run);
    void run.catch((e: unknown) => this.deps.logger.error({ err: e }, 'reconciling after the engine came back failed')).finally(() => this.pending.delete(run));
  }

  private onEvent(e: ContainerEvent): void {
    if (e.action === 'oom') this.oomAt.set(e.id, Date.now());
    if (e.action === 'die') {
      this.scheduleSync();
      this.track(this.onDie(e), e, 'supervising a dead container failed');
    }
    if (e.action === 'start') this.track(this.onStart(e), e, 'supervising a restarted container failed');
  }

  private track(p: Promise<void>, e: ContainerEvent, what: string): void {
    const q = p.catch((err: unknown) => this.deps.logger.warn({ err: messageOf(err), container: e.id }, what));
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }

  /** Route changes come in bursts (a release starting, a node dying): apply once per burst. */
  private scheduleSync(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => {
      syncRoutes(this.deps).catch((err: unknown) => this.deps.logger.warn({ err: messageOf(err) }, 'route sync after a container event failed'));
    }, 50);
  }

  /** True while the container belongs to its app's current, running release. */
  private isCurrent(containerId: string, deploymentId: number): boolean {
    const d = this.deps.db.deployments.get(deploymentId);
    if (!d || d.status !== 'running' || !d.containers.includes(containerId)) return false;
    return this.deps.db.apps.get(d.appId)?.currentDeploymentId === d.id;
  }

  private async onDie(e: ContainerEvent): Promise<void> {
    const deploymentId = Number(e.labels[LABELS.deployment]);
    if (!this.isCurrent(e.id, deploymentId)) return; // replaced, scaled away or being removed: expected
    const d = this.deps.db.deployments.get(deploymentId)!;
    const subject = `container:${e.id}`;
    // Asked at once: Docker's restart policy may start it again (and forget the OOM) any moment.
    const info = await this.deps.scheduler.inspect(e.id).catch(() => null);
    const oomAt = this.oomAt.get(e.id);
    this.oomAt.delete(e.id);
    const oomKilled = (oomAt !== undefined && Date.now() - oomAt < OOM_MATCH_MS) || info?.oomKilled === true;
    const death = describeDeath({ name: processName(e.labels), exitCode: e.exitCode, oomKilled, memoryLimitBytes: info?.memoryLimitBytes || this.deps.config.defaultMemoryMb * 1024 * 1024 });
    this.deps.db.events.add({ appId: d.appId, subject, kind: death.kind, message: death.message });
    // Docker's restart policy restarts crashed processes itself; give it a moment to.
    await sleep(1000);
    if (this.ac.signal.aborted || !this.isCurrent(e.id, deploymentId)) return;
    const now = await this.deps.scheduler.inspect(e.id);
    if (!now || now.state === 'running' || now.state === 'restarting') return;
    const recent = this.deps.db.events.count(subject, 'process.restarted', new Date(Date.now() - CRASH_WINDOW_MS).toISOString());
    await sleep(restartDelayMs(recent));
    if (this.ac.signal.aborted || !this.isCurrent(e.id, deploymentId)) return;
    this.restarting.add(e.id);
    try {
      await this.deps.scheduler.start(e.id);
    } catch (err) {
      this.restarting.delete(e.id);
      throw err;
    }
  }

  /**
   * A current container started again, by Docker's restart policy or by Berth: the restart is
   * counted (3 within CRASH_WINDOW_MS is a crash loop), and a web container is routed again
   * once its health check passes (or gives up) — not before it listens, where the proxy would
   * fail requests and keep it out of rotation for its passive window.
   */
  private async onStart(e: ContainerEvent): Promise<void> {
    const byBerth = this.restarting.delete(e.id);
    const deploymentId = Number(e.labels[LABELS.deployment]);
    // A new release's or a scaled-up instance's first start: its deploy checks and routes it.
    if (!this.isCurrent(e.id, deploymentId)) return;
    const d = this.deps.db.deployments.get(deploymentId)!;
    const app = this.deps.db.apps.get(d.appId)!;
    const subject = `container:${e.id}`;
    const name = processName(e.labels);
    this.deps.db.events.add({ appId: app.id, subject, kind: 'process.restarted', message: `${name} restarted by ${byBerth ? 'Berth' : "Docker's restart policy"}` });
    const since = new Date(Date.now() - CRASH_WINDOW_MS).toISOString();
    const recent = this.deps.db.events.count(subject, 'process.restarted', since);
    if (recent >= CRASH_LOOP_RESTARTS && this.deps.db.events.count(subject, 'process.crash-loop', since) === 0) {
      this.deps.db.events.add({ appId: app.id, subject, kind: 'process.crash-loop', message: `${name} is crash-looping: ${recent} restarts in ${CRASH_WINDOW_MS / 60_000} minutes` });
    }
    if ((e.labels[LABELS.process] ?? 'web') !== 'web' || !d.port) return;
    await probe(
      {
        port: d.port,
        host: `${app.name}.${this.deps.config.domain}`,
        address: async () => {
          if (this.ac.signal.aborted) return { gone: 'Berth is stopping' };
          const c = await this.deps.scheduler.inspect(e.id);
          if (!c || c.state !== 'running') return { gone: `it is ${c?.state ?? 'gone'}` };
          return c.ip ? { ip: c.ip } : { gone: "it has no address on its owner's network" };
        },
      },
      resolveHealthCheck(app.healthcheck),
      () => undefined,
    );
    // Routed once healthy; one that never gets healthy is routed all the same (it runs, and
    // this is no deploy to fail), where the proxy's own retries decide.
    if (!this.ac.signal.aborted) await syncRoutes(this.deps);
  }
}
