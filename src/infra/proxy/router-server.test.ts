// The router process's three faces on real sockets: DNS over UDP as the edge's resolver asks
// it, the TLS `ask` and fallback pages over HTTP, and the control socket Berth puts tables in.
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlSocket, Router } from './router-server.js';
import { routerTable, type RoutedApp } from './router-table.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-router-'));
const PORT = 20_000 + Math.floor(Math.random() * 20_000);
let router: Router;

function call(opts: { socketPath?: string; port?: number; method: string; path: string; headers?: Record<string, string> }, body?: unknown): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', ...opts, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function ask(name: string, type: 'SRV' | 'A' | 'AAAA' | 'TXT'): Promise<dnsPacket.Packet> {
  const sock = createSocket('udp4');
  return new Promise((resolve, reject) => {
    sock.once('message', (m) => {
      sock.close();
      resolve(dnsPacket.decode(m));
    });
    sock.once('error', reject);
    sock.send(dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), PORT, '127.0.0.1');
  });
}

/** The response code, which dns-packet decodes but does not declare. */
const rcode = (p: dnsPacket.Packet): unknown => (p as { rcode?: string }).rcode;

const put = (apps: RoutedApp[], version: number) => call({ socketPath: controlSocket(dir), method: 'PUT', path: '/table' }, routerTable(apps, { certHosts: ['berth.localhost'], version }));
const shop = (upstreams: string[]): RoutedApp => ({ name: 'default/shop', hosts: ['shop.localhost'], pathPrefix: '/default/shop', upstreams, tls: true, hsts: false });

beforeAll(async () => {
  router = new Router({ listen: `127.0.0.1:${PORT}`, stateDir: dir, redirect: true, httpsPort: 8443 });
  await router.start();
});
afterAll(async () => {
  await router.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the router', () => {
  it('answers the SRV question of a routed host with its containers, and A for their names', async () => {
    expect((await put([shop(['10.213.1.2:3000'])], 1)).status).toBe(200);
    const r = await ask('_web._tcp.shop.localhost.host.berth.', 'SRV');
    expect(r.id).toBe(4242);
    expect(r.answers).toEqual([expect.objectContaining({ type: 'SRV', data: { priority: 0, weight: 1, port: 3000, target: '10-213-1-2.ip.berth' } })]);
    const a = await ask('10-213-1-2.ip.berth.', 'A');
    expect(a.answers).toEqual([expect.objectContaining({ type: 'A', data: '10.213.1.2' })]);
    const aaaa = await ask('10-213-1-2.ip.berth.', 'AAAA');
    expect([rcode(aaaa), aaaa.answers]).toEqual(['NOERROR', []]);
  });

  it('says NXDOMAIN for a host nobody routes', async () => {
    const r = await ask('_web._tcp.nope.localhost.host.berth.', 'SRV');
    expect([rcode(r), r.answers]).toEqual(['NXDOMAIN', []]);
  });

  it('tells how long until the edge drops an answer it asked for, once the table changes it', async () => {
    await ask('_web._tcp.shop.localhost.host.berth.', 'SRV');
    const changed = JSON.parse((await put([shop(['10.213.1.3:3000'])], 2)).text) as { settleMs: number };
    expect(changed.settleMs).toBeGreaterThan(500);
    expect(changed.settleMs).toBeLessThanOrEqual(1000);
    const same = JSON.parse((await put([shop(['10.213.1.3:3000'])], 3)).text) as { settleMs: number };
    expect(same.settleMs).toBe(0);
    expect((await ask('version.berth.', 'TXT')).answers?.[0]).toMatchObject({ type: 'TXT' });
  });

  it('allows a certificate only for a routed host or its own, asked without X-Forwarded-For', async () => {
    const ok = await call({ port: PORT, method: 'GET', path: '/internal/tls-ask?domain=shop.localhost' });
    const own = await call({ port: PORT, method: 'GET', path: '/internal/tls-ask?domain=berth.localhost' });
    const no = await call({ port: PORT, method: 'GET', path: '/internal/tls-ask?domain=evil.example.com' });
    expect([ok.status, own.status, no.status]).toEqual([200, 200, 403]);
    // Through an app's URL (the edge sets X-Forwarded-For) it is just a page.
    const proxied = await call({ port: PORT, method: 'GET', path: '/internal/tls-ask?domain=evil.example.com', headers: { 'X-Forwarded-For': '1.2.3.4', Host: 'x.localhost' } });
    expect(proxied.status).toBe(404);
  });

  it('serves the 308 to https, the 503 and the 404 pages for what the edge could not route', async () => {
    await put([shop([])], 4);
    const redirect = await call({ port: PORT, method: 'GET', path: '/a?b=1', headers: { 'X-Forwarded-For': '1.2.3.4', 'X-Forwarded-Proto': 'http', Host: 'shop.localhost' } });
    expect([redirect.status, redirect.headers.location]).toEqual([308, 'https://shop.localhost:8443/a?b=1']);
    const down = await call({ port: PORT, method: 'GET', path: '/', headers: { 'X-Forwarded-For': '1.2.3.4', 'X-Forwarded-Proto': 'https', Host: 'shop.localhost' } });
    expect(down.status).toBe(503);
    expect(down.text).toContain('default/shop');
    const none = await call({ port: PORT, method: 'GET', path: '/', headers: { 'X-Forwarded-For': '1.2.3.4', 'X-Forwarded-Proto': 'https', Host: 'nope.localhost' } });
    expect(none.status).toBe(404);
  });

  it('keeps its table across a restart', async () => {
    await put([shop(['10.213.1.7:3000'])], 5);
    await router.stop();
    router = new Router({ listen: `127.0.0.1:${PORT}`, stateDir: dir, redirect: true, httpsPort: 8443 });
    await router.start();
    const r = await ask('_web._tcp.shop.localhost.host.berth.', 'SRV');
    expect(r.answers?.[0]).toMatchObject({ data: { port: 3000, target: '10-213-1-7.ip.berth' } });
  });

  it('fits a large answer into what the asker can take', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `10.213.1.${i + 2}:3000`);
    await put([shop(many)], 6);
    const r = await ask('_web._tcp.shop.localhost.host.berth.', 'SRV');
    expect(r.answers!.length).toBeGreaterThan(5);
    expect(r.answers!.length).toBeLessThan(40);
  });
});
