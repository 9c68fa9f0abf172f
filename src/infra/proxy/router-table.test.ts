import { describe, expect, it } from 'vitest';
import { answer, fallbackFor, mayHaveCertificate, routerTable, settleMs, type RoutedApp } from './router-table.js';

const P = { fallback: { ip: '127.0.0.1', port: 2053 } };
const app = (name: string, o: Partial<RoutedApp> = {}): RoutedApp => ({
  name,
  hosts: [`${name.split('/')[1]}.localhost`],
  pathPrefix: `/${name}`,
  upstreams: ['10.213.1.2:3000'],
  tls: true,
  hsts: false,
  ...o,
});
const table = routerTable([app('default/shop', { hosts: ['shop.localhost', 'Shop.Example.com'], upstreams: ['10.213.1.2:3000', '10.213.1.3:3000'] }), app('acme/plain', { tls: false }), app('acme/down', { upstreams: [] })], {
  certHosts: ['berth.localhost'],
  version: 7,
});

describe('the router answers the edge', () => {
  it('gives a host every web container as SRV records, whatever the case of the name', () => {
    expect(answer(table, '_web._tcp.shop.example.com.host.berth.', 'SRV', P)).toEqual({
      kind: 'srv',
      targets: [
        { ip: '10.213.1.2', port: 3000 },
        { ip: '10.213.1.3', port: 3000 },
      ],
    });
    expect(answer(table, '_WEB._TCP.SHOP.LOCALHOST.HOST.BERTH', 'SRV', P)).toMatchObject({ kind: 'srv' });
  });

  it('points an app with no container up at the router itself (its 503 page), and does not know an unknown host (404)', () => {
    expect(answer(table, '_web._tcp.nope.localhost.host.berth.', 'SRV', P)).toEqual({ kind: 'nxdomain' });
    expect(answer(table, '_web._tcp.down.localhost.host.berth.', 'SRV', P)).toEqual({ kind: 'srv', targets: [P.fallback] });
  });

  it('on plain http, gives containers only to an app with tls: false; the others get the router (a 308)', () => {
    expect(answer(table, '_web._tcp.plain.localhost.plain.berth.', 'SRV', P)).toEqual({ kind: 'srv', targets: [{ ip: '10.213.1.2', port: 3000 }] });
    expect(answer(table, '_web._tcp.shop.localhost.plain.berth.', 'SRV', P)).toEqual({ kind: 'srv', targets: [P.fallback] });
  });

  it('names the containers of an app with HSTS so that the edge adds the header', () => {
    const t = routerTable([app('default/strict', { hsts: true })], { certHosts: [], version: 1 });
    expect(answer(t, '_web._tcp.strict.localhost.host.berth.', 'SRV', P)).toEqual({ kind: 'srv', targets: [{ ip: '10.213.1.2', port: 3000, hsts: true }] });
  });

  it('routes /<owner>/<app> by the two path segments', () => {
    expect(answer(table, '_web._tcp.acme.plain.path.berth.', 'SRV', P)).toMatchObject({ kind: 'srv', targets: [{ ip: '10.213.1.2' }] });
    expect(answer(table, '_web._tcp.acme.nope.path.berth.', 'SRV', P)).toEqual({ kind: 'nxdomain' });
  });

  it('resolves the targets from their names alone, with no AAAA, and answers nothing outside its zone', () => {
    expect(answer(table, '10-213-1-2.ip.berth.', 'A', P)).toEqual({ kind: 'a', ip: '10.213.1.2' });
    expect(answer(table, '10-213-1-2.ip.berth.', 'AAAA', P)).toEqual({ kind: 'nodata' });
    expect(answer(table, '10-213-1-2.hsts.berth.', 'A', P)).toEqual({ kind: 'a', ip: '10.213.1.2' });
    expect(answer(table, '10-213-1-299.ip.berth.', 'A', P)).toEqual({ kind: 'nxdomain' });
    expect(answer(table, 'example.com.', 'A', P)).toEqual({ kind: 'nxdomain' });
    expect(answer(table, 'version.berth.', 'TXT', P)).toEqual({ kind: 'txt', text: '7' });
  });
});

describe('certificates', () => {
  it('are allowed only for a routed host with tls, and Berth own host', () => {
    const now = Date.now();
    expect(mayHaveCertificate(table, 'shop.example.com', now).ok).toBe(true);
    expect(mayHaveCertificate(table, 'berth.localhost', now).ok).toBe(true);
    expect(mayHaveCertificate(table, 'evil.example.com', now)).toEqual({ ok: false, why: 'no app is routed at this host' });
    expect(mayHaveCertificate(table, 'plain.localhost', now)).toEqual({ ok: false, why: 'the app has tls: false' });
  });

  it('are refused while a host backs off after a failure', () => {
    const t = routerTable([app('default/shop')], { certHosts: [], version: 1, refused: { 'shop.localhost': 2000 } });
    expect(mayHaveCertificate(t, 'shop.localhost', 1000)).toEqual({ ok: false, why: 'backing off after a failed certificate request' });
    expect(mayHaveCertificate(t, 'shop.localhost', 3000).ok).toBe(true);
  });
});

describe('the pages the router serves', () => {
  const p = { redirect: true, httpsPort: 443 };
  it('redirects plain http to https for a host with a certificate, keeping path and query', () => {
    expect(fallbackFor(table, { host: 'shop.localhost:80', path: '/a?b=1', proto: 'http', prefix: null }, p)).toEqual({ status: 308, location: 'https://shop.localhost/a?b=1' });
    expect(fallbackFor(table, { host: 'shop.localhost', path: '/', proto: 'http', prefix: null }, { redirect: true, httpsPort: 8443 })).toEqual({ status: 308, location: 'https://shop.localhost:8443/' });
  });
  it('does not redirect an unknown host (it has no certificate): 404', () => {
    expect(fallbackFor(table, { host: 'nope.localhost', path: '/', proto: 'http', prefix: null }, p)).toEqual({ status: 404 });
  });
  it('says 503 for an app with no container up, by host or by path', () => {
    expect(fallbackFor(table, { host: 'down.localhost', path: '/', proto: 'https', prefix: null }, p)).toEqual({ status: 503, app: 'acme/down' });
    expect(fallbackFor(table, { host: 'localhost', path: '/', proto: 'https', prefix: '/acme/down' }, p)).toEqual({ status: 503, app: 'acme/down' });
  });
});

describe('settling', () => {
  it('waits for the edge to drop only the answers that changed, for what is left of their refresh', () => {
    const before = routerTable([app('default/shop')], { certHosts: [], version: 1 });
    const after = routerTable([app('default/shop', { upstreams: ['10.213.1.9:3000'] })], { certHosts: [], version: 2 });
    const asked = new Map([
      ['_web._tcp.shop.localhost.host.berth', { type: 'SRV', at: 10_000 }],
      ['_web._tcp.other.localhost.host.berth', { type: 'SRV', at: 10_000 }],
    ]);
    expect(settleMs(before, after, asked, 10_400, P)).toBe(600);
    expect(settleMs(before, before, asked, 10_400, P)).toBe(0);
    expect(settleMs(before, after, asked, 11_500, P)).toBe(0);
  });
});
