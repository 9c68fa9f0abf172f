// The offline ACME harness (test/helpers/pebble.ts) against a standalone Caddy 2.6 configured like
// Berth's edge: on-demand TLS guarded by `ask`, real HTTP-01/TLS-ALPN-01 validation by pebble.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/berth.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';

const ALLOWED = new Set(['http.berth.test', 'alpn.berth.test', 'kept.berth.test']);

let pebble: Pebble | undefined;
let ask: Server | undefined;
let caddy: ChildProcess | undefined;
let dir = '';
const ports = { http: 0, https: 0, admin: 0, ask: 0 };
const asked: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berthtest-pebble-harness-'));
  for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
  ask = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://ask').searchParams.get('domain') ?? '';
    asked.push(name);
    res.statusCode = ALLOWED.has(name) ? 200 : 403;
    res.end();
  });
  await new Promise<void>((r) => ask?.listen(ports.ask, '127.0.0.1', r));
  pebble = await startPebble({ httpPort: ports.http, tlsPort: ports.https, dir: join(dir, 'pebble') });
});

afterEach(async () => {
  await stopCaddy();
});

afterAll(async () => {
  await stopCaddy();
  await pebble?.stop();
  await new Promise<void>((r) => (ask ? ask.close(() => r()) : r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('offline ACME with pebble and an on-demand Caddy', () => {
  it.each([
    ['http-01', 'http.berth.test'],
    ['tls-alpn-01', 'alpn.berth.test'],
  ] as const)('issues a pebble certificate on the first handshake when only %s is enabled', async (challenge, host) => {
    await startCaddy({ storage: join(dir, `storage-${challenge}`), only: challenge });
    const got = await handshake(host, await pebble!.issuedRootPem());
    expect(got).toMatchObject({ authorized: true, altNames: `DNS:${host}` });
    expect(got.issuer).toMatch(/Pebble Intermediate CA/);
    expect(pebble!.ordersFor(host)).toBe(1);
  });

  it('gives a name the ask refuses no certificate, and pebble sees no order for it', async () => {
    await startCaddy({ storage: join(dir, 'storage-refused') });
    const before = pebble!.orders();
    const got = await handshake('evil.berth.test', await pebble!.issuedRootPem());
    expect(got.authorized).toBe(false);
    expect(asked).toContain('evil.berth.test');
    expect(pebble!.ordersFor('evil.berth.test')).toBe(0);
    expect(pebble!.orders()).toBe(before);
  });

  it('reuses the stored certificate after a restart instead of ordering a new one', async () => {
    const storage = join(dir, 'storage-kept');
    const root = await pebble!.issuedRootPem();
    await startCaddy({ storage });
    const first = await handshake('kept.berth.test', root);
    expect(first.authorized).toBe(true);
    expect(pebble!.ordersFor('kept.berth.test')).toBe(1);
    await stopCaddy();
    await startCaddy({ storage });
    const again = await handshake('kept.berth.test', root);
    expect(again).toMatchObject({ authorized: true, serial: first.serial });
    expect(pebble!.ordersFor('kept.berth.test')).toBe(1);
  });
});

/** Caddy 2.6 JSON shaped like the edge's TLS part (docs/research/issue18-edge.md, section 1). */
function caddyConfig(storage: string, only?: 'http-01' | 'tls-alpn-01'): object {
  const challenges = {
    http: only === 'tls-alpn-01' ? { disabled: true } : { alternate_port: ports.http },
    'tls-alpn': only === 'http-01' ? { disabled: true } : { alternate_port: ports.https },
  };
  return {
    admin: { listen: `127.0.0.1:${ports.admin}` },
    storage: { module: 'file_system', root: storage },
    apps: {
      http: {
        http_port: ports.http,
        https_port: ports.https,
        servers: {
          https: {
            listen: [`127.0.0.1:${ports.https}`],
            automatic_https: { disable_redirects: true },
            tls_connection_policies: [{}],
            routes: [{ handle: [{ handler: 'static_response', body: 'hello' }] }],
          },
          http: {
            listen: [`127.0.0.1:${ports.http}`],
            routes: [{ handle: [{ handler: 'static_response', status_code: 308, headers: { Location: ['https://{http.request.host}{http.request.uri}'] } }] }],
          },
        },
      },
      tls: {
        automation: {
          on_demand: { ask: `http://127.0.0.1:${ports.ask}/ask` },
          policies: [{
            on_demand: true,
            issuers: [{ module: 'acme', ca: pebble!.directoryUrl, email: 'ops@berth.test', trusted_roots_pem_files: [pebble!.apiCaFile], challenges }],
          }],
        },
      },
    },
  };
}

async function startCaddy(o: { storage: string; only?: 'http-01' | 'tls-alpn-01' }): Promise<void> {
  const file = join(dir, 'caddy.json');
  writeFileSync(file, JSON.stringify(caddyConfig(o.storage, o.only)));
  // XDG dirs in the scratch directory: `caddy run` autosaves its config there.
  const proc = spawn('caddy', ['run', '--config', file], { stdio: 'ignore', env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg'), XDG_DATA_HOME: join(dir, 'xdg') } });
  caddy = proc;
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`caddy exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${ports.admin}/config/`)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('caddy did not start');
}

async function stopCaddy(): Promise<void> {
  const proc = caddy;
  caddy = undefined;
  if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  process.kill(proc.pid, 'SIGTERM');
  await exited;
}

interface Handshake { authorized: boolean; error?: string; issuer?: string; altNames?: string; serial?: string }

/** A TLS handshake to the https port with `servername` as SNI, verified against `ca` only. */
function handshake(servername: string, ca: string): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: ports.https, servername, ca: [ca], rejectUnauthorized: false, timeout: 20_000 }, () => {
      const cert = socket.getPeerX509Certificate();
      resolve({ authorized: socket.authorized, error: String(socket.authorizationError ?? ''), issuer: cert?.issuer, altNames: cert?.subjectAltName, serial: cert?.serialNumber });
      socket.end();
    });
    socket.on('error', (e: Error) => resolve({ authorized: false, error: e.message }));
    socket.on('timeout', () => {
      socket.destroy();
      resolve({ authorized: false, error: 'timeout' });
    });
  });
}

