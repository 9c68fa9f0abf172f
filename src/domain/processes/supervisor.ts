// Keeps current releases running. It follows Docker's event stream: when a container of an
// app's current release dies, the routes are re-synced at once (the proxy only points at
// running containers) and, unless Docker's own restart policy brings it back (it does for
// crashes, not for `docker kill`), Berth starts it again with exponential backoff. Restarts
// and crash loops are recorded as events, which `berth ps` and `berth status` show.
import { messageOf } from '../../errors.js';
import type { ContainerEvent } from '../../infra/docker/engine.js';
import { LABELS, type Deps } from '../context.js';
import { syncRoutes } from '../routing/sync-routes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Restarts within this window count towards the backoff and the crash-loop verdict. */
export const CRASH_WINDOW_MS = 120_000;
export const CRASH_LOOP_RESTARTS = 3;

/** Backoff before the next restart: 0.5 s doubling with each recent restart, at most 30 s. */
export const restartDelayMs = (recentRestarts: number): number => Math.min(30_000, 500 * 2 ** recentRestarts);

export class Supervisor {
  private readonly ac = new AbortController();
  private following: Promise<void> = Promise.resolve();
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: Deps) {}

  start(): void {
    this.following = this.deps.docker.followEvents({ [LABELS.instance]: this.deps.instanceId }, (e) => this.onEvent(e), this.ac.signal);
  }

  async stop(): Promise<void> {
    this.ac.abort();
    clearTimeout(this.syncTimer);
    await this.following;
    await Promise.all([...this.pending]);
  }

  private onEvent(e: ContainerEvent): void {
    if (e.action === 'die' || e.action === 'start') this.scheduleSync();
    if (e.action === 'die') {
      const p = this.onDie(e).catch((err: unknown) => this.deps.logger.warn({ err: messageOf(err), container: e.id }, 'supervising a dead container failed'));
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
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
    const name = e.labels.name ?? e.id.slice(0, 12);
    this.deps.db.events.add({ appId: d.appId, subject, kind: 'process.died', message: `${name} exited with code ${e.exitCode ?? '?'}` });
    // Docker's restart policy restarts crashed processes itself; give it a moment to.
    await sleep(1000);
    if (this.ac.signal.aborted || !this.isCurrent(e.id, deploymentId)) return;
    const info = await this.deps.docker.inspect(e.id);
    if (!info || info.state === 'running' || info.state === 'restarting') return;
    const since = new Date(Date.now() - CRASH_WINDOW_MS).toISOString();
    const recent = this.deps.db.events.count(subject, 'process.restarted', since);
    if (recent >= CRASH_LOOP_RESTARTS) {
      this.deps.db.events.add({ appId: d.appId, subject, kind: 'process.crash-loop', message: `${name} is crash-looping: ${recent} restarts in ${CRASH_WINDOW_MS / 60_000} minutes` });
    }
    await sleep(restartDelayMs(recent));
    if (this.ac.signal.aborted || !this.isCurrent(e.id, deploymentId)) return;
    await this.deps.docker.start(e.id);
    this.deps.db.events.add({ appId: d.appId, subject, kind: 'process.restarted', message: `${name} restarted by Berth` });
  }
}
