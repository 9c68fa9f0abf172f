// An in-memory route applier for unit tests: records each route table the domain puts in force
// (one change at a time, as the router takes them) and can fail on demand, as a router that
// refuses a table does (the previous table stays in force).
import { Unavailable } from '../../errors.js';
import type { RouteApplier, RoutedApp } from '../ports.js';

/** One app's host route as a test reads it: `upstreams` empty means the 503 "not running" page. */
export interface AppRoute {
  /** owner/name */
  app: string;
  hosts: string[];
  upstreams: string[];
}

export type FailureMode = 'refuse' | 'after-apply';

export class FakeProxy implements RouteApplier {
  /** Every table that was put in force, in order (a refused one is not here). */
  readonly applied: AppRoute[][] = [];
  /** Called with each table as it is applied (or refused), before apply() returns: for looking at other state at that moment. */
  onApply?: (routes: AppRoute[], outcome: 'applied' | 'refused') => void;
  private failures: { reason: string; mode: FailureMode }[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * The next apply (after any already asked to fail) fails with this reason: `refuse` leaves the
   * previous table in force (the router refused it); `after-apply` leaves the new one in force
   * and still throws (it was put in force, but the edge could not be made to serve by it).
   */
  failNext(reason = 'the proxy refused the routes', mode: FailureMode = 'refuse'): void {
    this.failures.push({ reason, mode });
  }

  /** The table in force: the last one applied. */
  get current(): AppRoute[] {
    return this.applied.at(-1) ?? [];
  }

  /** Same contract as CaddyProxy's (infra/proxy/caddy.ts): changes run one at a time, each table built when its turn comes. */
  apply(build: () => Promise<RoutedApp[]>): Promise<void> {
    const run = this.queue.then(async () => {
      const routes = routesOf(await build());
      const failure = this.failures.shift();
      this.onApply?.(routes, failure?.mode === 'refuse' ? 'refused' : 'applied');
      if (failure?.mode !== 'refuse') this.applied.push(routes);
      if (failure) throw Unavailable(`could not apply the routes: ${failure.reason}`);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The host routes of a table, one per app with hosts, sorted by app. */
export function routesOf(apps: RoutedApp[]): AppRoute[] {
  return apps
    .filter((a) => a.hosts.length > 0)
    .map((a) => ({ app: a.name, hosts: [...a.hosts], upstreams: [...a.upstreams] }))
    .sort((a, b) => a.app.localeCompare(b.app));
}
