// An in-memory route applier for unit tests: records each route table the domain applies (as
// the routing Caddy would load it, one change at a time) and can fail on demand, as a Caddy
// that refuses a config does (the previous table stays in force).
import { Unavailable } from '../../errors.js';
import type { CaddyConfig } from '../../infra/proxy/route-table.js';
import type { RouteApplier } from '../ports.js';

/** One app's host route as a test reads it: `upstreams` empty means the 503 "not running" page. */
export interface AppRoute {
  /** owner/name */
  app: string;
  hosts: string[];
  upstreams: string[];
}

export type FailureMode = 'refuse' | 'after-apply';

export class FakeProxy implements RouteApplier {
  readonly routesListen = 'unix//tmp/berth-fake-routes.sock';
  /** Every table that was put in force, in order (a refused one is not here). */
  readonly applied: AppRoute[][] = [];
  /** Called with each table as it is applied (or refused), before apply() returns: for looking at other state at that moment. */
  onApply?: (routes: AppRoute[], outcome: 'applied' | 'refused') => void;
  private failures: { reason: string; mode: FailureMode }[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * The next apply (after any already asked to fail) fails with this reason: `refuse` leaves the
   * previous table in force (Caddy rejected the config); `after-apply` leaves the new one in
   * force and still throws (it loaded, but the read-back or the way back failed).
   */
  failNext(reason = 'the proxy refused the config', mode: FailureMode = 'refuse'): void {
    this.failures.push({ reason, mode });
  }

  /** The table in force: the last one applied. */
  get current(): AppRoute[] {
    return this.applied.at(-1) ?? [];
  }

  /** Same contract as the routing Caddy's (infra/proxy/caddy.ts): changes run one at a time, each table built when its turn comes. */
  apply(build: () => Promise<CaddyConfig>): Promise<void> {
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

type Handler = { handler?: string; upstreams?: { dial: string }[] };
type Route = { '@id'?: string; match?: { host?: string[] }[]; handle?: Handler[] };

/** The host routes of a routing Caddy config (route-table.ts), one per app, sorted by app. */
export function routesOf(cfg: CaddyConfig): AppRoute[] {
  const servers = Object.values(cfg.apps.http.servers) as { routes: Route[] }[];
  return servers
    .flatMap((s) => s.routes)
    .filter((r) => r['@id']?.startsWith('host-'))
    .map((r) => ({
      app: r['@id']!.slice('host-'.length).replace('.', '/'),
      hosts: r.match?.flatMap((m) => m.host ?? []) ?? [],
      upstreams: (r.handle ?? []).flatMap((h) => (h.handler === 'reverse_proxy' ? (h.upstreams ?? []).map((u) => u.dial) : [])),
    }))
    .sort((a, b) => a.app.localeCompare(b.app));
}
