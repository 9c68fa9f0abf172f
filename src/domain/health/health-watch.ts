// Keeps app.json's liveness and readiness checks running after the switch: every running
// container of the current release whose type has such a check is probed every `wait` seconds.
// A liveness check failing `attempts` times in a row restarts the container; a readiness check
// doing so takes a web container out of the proxy until it passes again. Each is an event.
import { messageOf } from '../../errors.js';
import type { ProcessCheckSettings } from '../../infra/db/rows.js';
import { LABELS, type Deps } from '../context.js';
import { afterProbe, type CheckAction, type CheckState, initialState } from './monitor.js';
import { checkOnce } from './probe.js';
import { describeCheck } from './startup-checks.js';

export interface HealthWatchParams {
  deps: Pick<Deps, 'db' | 'scheduler' | 'config' | 'logger'>;
  /** Restarts a container (stop, then start: Docker's restart). */
  restart(containerId: string): Promise<void>;
  /** Puts the routes in force again (routing/sync-routes.ts), after a container left or came back. */
  resync(): Promise<void>;
  /** How often due probes are looked for. */
  tickMs?: number;
  now?: () => number;
}

interface Watched {
  appId: number;
  containerId: string;
  check: ProcessCheckSettings;
  state: CheckState;
}

/** What a probe needs of its container, asked of Docker once per round. */
interface Seen {
  type: string;
  name: string;
}

export class HealthWatch {
  /** By `<container id>/<check index>`. */
  private readonly watched = new Map<string, Watched>();
  /** Container id -> its process type and name (labels do not change). */
  private readonly seen = new Map<string, Seen>();
  /** Containers a readiness check took out of the proxy. */
  private readonly out = new Set<string>();
  /** Containers with a probe round under way. */
  private readonly busy = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly ac = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly p: HealthWatchParams) {
    this.now = p.now ?? Date.now;
  }

  /** Web containers the proxy must not route to now (failing readiness). */
  unready(): ReadonlySet<string> {
    return this.out;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.p.tickMs ?? 250);
    this.timer.unref();
  }

  /** Stops probing: requests under way are aborted, and a round (or restart) under way is waited for. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.ac.abort();
    await Promise.allSettled([...this.running]);
  }

  /** Starts a probe round for every container with a due check; forgets containers no longer current. */
  tick(): void {
    if (this.ac.signal.aborted) return;
    const now = this.now();
    const current = new Set<string>();
    for (const app of this.p.deps.db.apps.list()) {
      const checks = (app.healthcheck.checks ?? []).filter((c) => c.type !== 'startup');
      if (checks.length === 0 || app.currentDeploymentId === null) continue;
      const d = this.p.deps.db.deployments.get(app.currentDeploymentId);
      if (!d || d.status !== 'running' || !d.port) continue;
      for (const id of d.containers) {
        current.add(id);
        const seen = this.seen.get(id);
        const due = checks.flatMap((check, i) => {
          if (seen && seen.type !== check.process) return [];
          const key = `${id}/${i}`;
          let w = this.watched.get(key);
          if (!w || JSON.stringify(w.check) !== JSON.stringify(check)) {
            w = { appId: app.id, containerId: id, check, state: initialState(check, now) };
            this.watched.set(key, w);
          }
          return w.state.nextAt <= now ? [w] : [];
        });
        if ((due.length > 0 || !seen) && !this.busy.has(id)) this.round(id, app.name, d.port, due);
      }
    }
    for (const [key, w] of this.watched) if (!current.has(w.containerId)) this.watched.delete(key);
    for (const id of this.seen.keys()) if (!current.has(id)) this.seen.delete(id);
    for (const id of this.out) if (!current.has(id)) this.out.delete(id);
  }

  private round(id: string, appName: string, port: number, due: Watched[]): void {
    this.busy.add(id);
    const run = this.probeAll(id, appName, port, due)
      .catch((e: unknown) => this.p.deps.logger.warn({ err: messageOf(e), container: id }, 'a health check round failed'))
      .finally(() => {
        this.busy.delete(id);
        this.running.delete(run);
      });
    this.running.add(run);
  }

  /** One round on one container: inspect it once, probe each due check of its type, act on the outcomes. */
  private async probeAll(id: string, appName: string, appPort: number, due: Watched[]): Promise<void> {
    const info = await this.p.deps.scheduler.inspect(id);
    // Not running (crashed, restarting): the supervisor's business; probed again once it runs.
    if (!info || info.state !== 'running' || !info.ip) return;
    const type = info.labels[LABELS.process] ?? 'web';
    const seen: Seen = { type, name: `${type}.${/-(\d+)$/.exec(info.name)?.[1] ?? '1'}` };
    this.seen.set(id, seen);
    const mine = due.filter((w) => w.check.process === type);
    const outcomes = await Promise.all(
      mine.map(async (w) => {
        const port = w.check.port ?? appPort;
        const outcome = await checkOnce({
          url: `http://${info.ip}:${port}${w.check.path}`,
          timeoutMs: w.check.timeoutMs,
          host: `${appName}.${this.p.deps.config.domain}`,
          signal: this.ac.signal,
          ...(w.check.content !== undefined ? { content: w.check.content } : {}),
        });
        return { w, port, outcome };
      }),
    );
    if (this.ac.signal.aborted) return;
    const wasOut = this.out.has(id);
    let restart = false;
    for (const { w, port, outcome } of outcomes) {
      const { state, action } = afterProbe(w.check, w.state, outcome, this.now());
      w.state = state;
      this.act(seen, w, port, action);
      if (action.kind === 'restart') restart = true;
    }
    const readinessOut = [...this.watched.values()].some((w) => w.containerId === id && w.check.type === 'readiness' && !w.state.ready);
    if (readinessOut) this.out.add(id);
    else this.out.delete(id);
    if (wasOut !== readinessOut) await this.p.resync();
    if (restart) {
      await this.p.restart(id);
      // Every check of the restarted process starts over, its initial delay included.
      for (const w of this.watched.values()) if (w.containerId === id) w.state = { ...initialState(w.check, this.now(), true), ready: w.state.ready };
    }
  }

  /** The event an action is told by. */
  private act(seen: Seen, w: Watched, port: number, action: CheckAction): void {
    if (action.kind === 'none') return;
    const what = `${seen.name} ${describeCheck(w.check, port)}`;
    const message =
      action.kind === 'restart'
        ? `${what} failed ${w.check.attempts} time(s) in a row (liveness): ${action.error}; restarting it`
        : action.kind === 'unready'
          ? `${what} failed ${w.check.attempts} time(s) in a row (readiness): ${action.error}; out of the proxy until it passes`
          : `${what} passes again (readiness): back in the proxy`;
    const kind = action.kind === 'restart' ? 'process.unhealthy' : action.kind === 'unready' ? 'process.unready' : 'process.ready';
    this.p.deps.db.events.add({ appId: w.appId, subject: `container:${w.containerId}`, kind, message });
  }
}
