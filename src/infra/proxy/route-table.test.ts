import { describe, expect, it } from 'vitest';
import { edgeConfig, routeTable, type RoutedApp } from './route-table.js';

const app = (name: string, upstreams: string[] = ['172.18.0.2:3000']): RoutedApp => ({
  name,
  hosts: [`${name}.localhost`],
  pathPrefix: `/default/${name}`,
  upstreams,
});

const SOCKET = 'unix//var/lib/berth/proxy/routes.sock';
const routesOf = (apps: RoutedApp[]) => routeTable({ apps, adminListen: '127.0.0.1:2019', listen: SOCKET, privateCookies: ['berth_session'] }).apps.http.servers.berth!.routes;

describe('routeTable', () => {
  it('keeps the admin address and serves plain HTTP on the edge socket', () => {
    const cfg = routeTable({ apps: [], adminListen: '127.0.0.1:2999', listen: SOCKET, privateCookies: [] });
    expect(cfg.admin.listen).toBe('127.0.0.1:2999');
    expect(cfg.apps.http.servers.berth).toMatchObject({ listen: [SOCKET], automatic_https: { disable: true } });
  });

  it('tells apps the client address the edge saw, and never passes the edge header on', () => {
    const handler = routesOf([app('web')])[0]!.handle[0] as { headers: { request: { set: Record<string, string[]>; delete: string[] } } };
    expect(handler.headers.request.set['X-Forwarded-For']).toEqual(['{http.request.header.X-Berth-Client-Ip}']);
    expect(handler.headers.request.delete).toEqual(['X-Berth-Client-Ip']);
  });

  it('with no apps, answers everything with the 404 page', () => {
    const routes = routesOf([]);
    expect(routes).toHaveLength(1);
    expect(routes[0]!.handle[0]).toMatchObject({ handler: 'static_response', status_code: 404 });
  });

  it('routes by host before path, and ends with the 404 page', () => {
    const routes = routesOf([app('web'), app('api')]);
    expect(routes.map((r) => r['@id'])).toEqual(['host-api', 'host-web', 'path-api', 'path-web', 'not-found']);
    expect(routes[0]!.match).toEqual([{ host: ['api.localhost'] }]);
    expect(routes[0]!.handle[0]).toMatchObject({ handler: 'reverse_proxy', upstreams: [{ dial: '172.18.0.2:3000' }] });
  });

  it('strips the path prefix and tells the app about it', () => {
    const route = routesOf([app('web')]).find((r) => r['@id'] === 'path-web')!;
    expect(route.match).toEqual([{ path: ['/default/web', '/default/web/*'] }]);
    expect(route.handle[0]).toEqual({ handler: 'rewrite', strip_path_prefix: '/default/web' });
    expect(route.handle[1]).toMatchObject({ headers: { request: { set: { 'X-Forwarded-Prefix': ['/default/web'] } } } });
  });

  it('gives an app no path route when path routes are off for it', () => {
    const routes = routesOf([{ ...app('web'), pathPrefix: null }]);
    expect(routes.map((r) => r['@id'])).toEqual(['host-web', 'not-found']);
  });

  it("cuts Berth's own session cookie out of every request an app receives, by host and by path", () => {
    for (const route of routesOf([app('web')]).filter((r) => r['@id'] !== 'not-found')) {
      const proxy = route.handle.find((h) => h.handler === 'reverse_proxy') as { headers: { request: { replace: Record<string, { search_regexp: string; replace: string }[]> } } };
      const cuts = proxy.headers.request.replace.Cookie!;
      // What Caddy will do, with the same regular expressions applied in order.
      const apply = (cookie: string) => cuts.reduce((c, r) => c.replace(new RegExp(r.search_regexp, 'g'), r.replace), cookie);
      expect(apply('a=1; berth_session=secret; b=2')).toBe('a=1; b=2');
      expect(apply('berth_session=secret; b=2')).toBe('b=2');
      expect(apply('a=1; berth_session=secret')).toBe('a=1');
      expect(apply('a=1; not_berth_session=x')).toBe('a=1; not_berth_session=x');
    }
  });

  it('balances over every upstream of an app', () => {
    const route = routesOf([app('web', ['10.0.0.2:80', '10.0.0.3:80'])])[0]!;
    expect(route.handle[0]).toMatchObject({ upstreams: [{ dial: '10.0.0.2:80' }, { dial: '10.0.0.3:80' }] });
  });

  it('keeps an upstream that failed a request out of rotation for a second at most, so a restarted container soon gets traffic again', () => {
    const handler = routesOf([app('web')])[0]!.handle[0] as { health_checks: { passive: { fail_duration: string; max_fails: number } }; load_balancing: { try_duration: string } };
    expect(handler.health_checks.passive).toEqual({ fail_duration: '1s', max_fails: 1 });
    // Requests keep being retried on the others (or the same one, back) for longer than that.
    expect(handler.load_balancing.try_duration).toBe('2s');
  });

  it('answers 503 for an app with no running release instead of proxying nowhere', () => {
    const route = routesOf([app('web', [])])[0]!;
    expect(route.handle[0]).toMatchObject({ handler: 'static_response', status_code: 503 });
  });

  it('is deterministic whatever order apps come in', () => {
    expect(routesOf([app('b'), app('a')])).toEqual(routesOf([app('a'), app('b')]));
  });
});

describe('edgeConfig', () => {
  const cfg = edgeConfig({ adminListen: '127.0.0.1:2020', httpPort: 8080, routes: SOCKET });

  it('owns the public port and sends everything to the routing socket', () => {
    expect(cfg.admin.listen).toBe('127.0.0.1:2020');
    const server = cfg.apps.http.servers['berth-edge']!;
    expect(server.listen).toEqual([':8080']);
    expect(server.routes).toHaveLength(1);
    expect(server.routes[0]!.handle[0]).toMatchObject({ handler: 'reverse_proxy', upstreams: [{ dial: SOCKET }] });
  });

  it('drops the Server header of the routing Caddy, so a response names its server once', () => {
    expect(cfg.apps.http.servers['berth-edge']!.routes[0]!.handle[0]).toMatchObject({ headers: { response: { delete: ['Server'] } } });
  });

  it('overwrites the client-address header with the real peer, whatever the client sent', () => {
    expect(cfg.apps.http.servers['berth-edge']!.routes[0]!.handle[0]).toMatchObject({
      headers: { request: { set: { 'X-Berth-Client-Ip': ['{http.request.remote.host}'] } } },
    });
  });

  it('does not depend on the apps, so a deploy never reloads it', () => {
    expect(edgeConfig({ adminListen: '127.0.0.1:2020', httpPort: 8080, routes: SOCKET })).toEqual(cfg);
  });
});
