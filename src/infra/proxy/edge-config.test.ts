import { describe, expect, it } from 'vitest';
import { edgeConfig, type EdgeParams } from './edge-config.js';

const base: EdgeParams = {
  adminListen: '127.0.0.1:2020',
  httpPort: 80,
  httpsPort: 443,
  tls: 'acme',
  redirect: true,
  storageDir: '/var/lib/berth/caddy',
  router: '127.0.0.1:2053',
  api: { host: 'berth.example.com', upstream: '127.0.0.1:7070' },
  domain: 'example.com',
  pathRoutes: false,
  acme: { ca: 'https://acme.test/dir', email: 'ops@example.com', caRoot: '/etc/ca.pem' },
  privateCookies: ['berth_session'],
};

/** The value at a path of keys (a negative index counts from the end of an array). */
function at(o: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => {
    if (Array.isArray(v) && typeof k === 'number') return v.at(k) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>)[String(k)] : undefined;
  }, o);
}
const server = (p: EdgeParams, name: string): unknown => at(edgeConfig(p), 'apps', 'http', 'servers', name);

describe('the edge config', () => {
  it('gets every certificate on demand, asking the router first, from the ACME CA given', () => {
    const c = edgeConfig(base);
    expect(at(c, 'apps', 'tls', 'automation', 'on_demand', 'ask')).toBe('http://127.0.0.1:2053/internal/tls-ask');
    expect(at(c, 'apps', 'tls', 'automation', 'policies')).toEqual([
      {
        on_demand: true,
        issuers: [{ module: 'acme', ca: 'https://acme.test/dir', email: 'ops@example.com', trusted_roots_pem_files: ['/etc/ca.pem'], challenges: { http: { alternate_port: 80 }, 'tls-alpn': { alternate_port: 443 } } }],
      },
    ]);
    expect(c.storage).toEqual({ module: 'file_system', root: '/var/lib/berth/caddy' });
    // Never the host's trust store: Caddy runs as root and would add its internal root to it.
    expect(at(c, 'apps', 'pki', 'certificate_authorities', 'local', 'install_trust')).toBe(false);
  });

  it('uses Caddy own CA with tls internal, and has no https server nor tls app with tls off', () => {
    expect(at(edgeConfig({ ...base, tls: 'internal' }), 'apps', 'tls', 'automation', 'policies', 0, 'issuers')).toEqual([{ module: 'internal' }]);
    const off = edgeConfig({ ...base, tls: 'off' });
    expect(at(off, 'apps', 'tls')).toBeUndefined();
    expect(Object.keys(at(off, 'apps', 'http', 'servers') as object)).toEqual(['berth-http']);
  });

  it('routes the API host to Berth and every other host by a lookup of the request host', () => {
    const https = server(base, 'berth-https');
    expect(at(https, 'listen')).toEqual([':443']);
    expect(at(https, 'routes', 0)).toMatchObject({ match: [{ host: ['berth.example.com'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:7070' }] }] });
    const proxy = at(https, 'routes', -1, 'handle', -1);
    expect(proxy).toMatchObject({
      dynamic_upstreams: { source: 'srv', name: '_web._tcp.{berth.host}.host.berth.', resolver: { addresses: ['udp/127.0.0.1:2053'] } },
      upstreams: [{ dial: '127.0.0.1:2053' }],
      transport: { keep_alive: { enabled: true } },
    });
  });

  it('with the redirect, sends plain http through the plain lookup (tls: false apps, else the 308)', () => {
    const http = server(base, 'berth-http');
    expect(at(http, 'routes')).toHaveLength(1);
    expect(at(http, 'routes', 0, 'handle', -1, 'dynamic_upstreams', 'name')).toBe('_web._tcp.{berth.host}.plain.berth.');
    expect(at(server({ ...base, redirect: false }, 'berth-http'), 'routes', -1, 'handle', -1, 'dynamic_upstreams', 'name')).toBe('_web._tcp.{berth.host}.host.berth.');
  });

  it('routes /<owner>/<app> on the bare domain and IP addresses when path routes are on', () => {
    const path = at(server({ ...base, pathRoutes: true }, 'berth-https'), 'routes', 1);
    expect(at(path, 'match', 0, 'host')).toEqual(['example.com']);
    expect((at(path, 'handle') as { handler: string }[]).map((h) => h.handler)).toEqual(['vars', 'rewrite', 'map', 'reverse_proxy']);
  });

  it('never changes with apps: it is a function of Berth own settings only', () => {
    expect(edgeConfig(base)).toEqual(edgeConfig({ ...base }));
    expect(JSON.stringify(edgeConfig(base))).not.toMatch(/10\.\d+\.\d+\.\d+/);
  });
});
