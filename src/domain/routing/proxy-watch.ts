// Keeps the proxy's two processes serving (the edge Caddy and Berth's router): each is asked every
// half second whether it answers, and one that does not is started again with its last config. Knows the proxy only as isUp/restart.
import { messageOf } from '../../errors.js';
import type { ProxyRole } from '../../infra/proxy/caddy.js';
import type { Logger } from '../context.js';

export type { ProxyRole };
export type ProxyState = 'up' | 'down' | 'restarting';
export type ProxyStatus = Record<ProxyRole, ProxyState>;

/** What the watch needs of the proxy (CaddyProxy in production, a fake in tests). */
export interface WatchedProxy {
  isUp(role: ProxyRole): Promise<boolean>;
  restart(role: ProxyRole): Promise<void>;
}

export interface ProxyWatchParams {
  proxy: WatchedProxy;
  logger: Logger;
  /** Records what happened (an event row), e.g. `proxy.down` / `proxy.restarted`. */
  record(kind: 'proxy.down' | 'proxy.restarted' | 'proxy.restart-failed', role: ProxyRole, message: string): void;
  /** Runs after a restart: the router gets the current route table (its file may be a moment old). */
  afterRestart?(role: ProxyRole): Promise<void>;
  /** Pause between two checks of one Caddy. */
  intervalMs?: number;
}

const ROLES: ProxyRole[] = ['edge', 'router'];
const NAMES: Record<ProxyRole, string> = { edge: 'the edge Caddy (public ports)', router: "Berth's router (the edge's upstream lookups)" };

/** Pause before the next check after `failures` failed restarts in a row: the interval, then doubling to 30 s. */
export const nextCheckMs = (failures: number, intervalMs: number): number => Math.min(30_000, intervalMs * 2 ** failures);

export class ProxyWatch {
  private readonly states: ProxyStatus = { edge: 'up', router: 'up' };
  private readonly timers = new Map<ProxyRole, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly failures: Record<ProxyRole, number> = { edge: 0, router: 0 };
  private stopped = false;

  constructor(private readonly p: ProxyWatchParams) {}

  /** Both Caddies as last seen: `up`, `down` (not answering) or `restarting`. */
  status(): ProxyStatus {
    return { ...this.states };
  }

  start(): void {
    for (const role of ROLES) this.schedule(role, 0);
  }

  /** Stops checking and waits for a check or restart under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.running]);
  }

  private schedule(role: ProxyRole, ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      const run = this.check(role).catch((e: unknown) => this.p.logger.warn({ err: messageOf(e), proxy: role }, 'checking the proxy failed'));
      this.running.add(run);
      void run.finally(() => {
        this.running.delete(run);
        this.schedule(role, nextCheckMs(this.failures[role], this.p.intervalMs ?? 500));
      });
    }, ms);
    timer.unref();
    this.timers.set(role, timer);
  }

  /** One check of one Caddy; restarts it when it does not answer. */
  async check(role: ProxyRole): Promise<void> {
    if (await this.p.proxy.isUp(role)) {
      this.states[role] = 'up';
      this.failures[role] = 0;
      return;
    }
    if (this.stopped) return;
    if (this.states[role] === 'up') {
      this.states[role] = 'down';
      this.p.logger.warn({ proxy: role }, `${NAMES[role]} does not answer; starting it again`);
      this.p.record('proxy.down', role, `${NAMES[role]} stopped answering`);
    }
    this.states[role] = 'restarting';
    const t0 = Date.now();
    try {
      await this.p.proxy.restart(role);
      this.states[role] = 'up';
      this.failures[role] = 0;
      this.p.logger.warn({ proxy: role, ms: Date.now() - t0 }, `${NAMES[role]} started again`);
      this.p.record('proxy.restarted', role, `${NAMES[role]} started again with its last config in ${Date.now() - t0} ms`);
    } catch (e) {
      this.states[role] = 'down';
      this.failures[role]++;
      this.p.logger.error({ proxy: role, err: messageOf(e) }, `${NAMES[role]} could not be started again`);
      if (this.failures[role] === 1) this.p.record('proxy.restart-failed', role, `${NAMES[role]} could not be started again: ${messageOf(e)}`);
      return;
    }
    await this.p.afterRestart?.(role).catch((e: unknown) => this.p.logger.warn({ proxy: role, err: messageOf(e) }, 'applying the routes after a proxy restart failed'));
  }
}
