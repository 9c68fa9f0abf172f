import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probe } from './probe.js';

// Real sockets on loopback: the probe is tested against actual HTTP, not a fake.
let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

async function listen(handler: (status: { n: number }) => number, port = 0): Promise<number> {
  const seen = { n: 0 };
  const s = createServer((_req, res) => {
    seen.n++;
    res.writeHead(handler(seen)).end();
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const hc = { path: '/health', timeoutMs: 500, attempts: 3, intervalMs: 300, waitMs: 0 };
const local = async () => ({ ip: '127.0.0.1' });

describe('probe', () => {
  it('is healthy on the first 2xx', async () => {
    const port = await listen(() => 204);
    await expect(probe({ port, address: local }, hc, () => undefined)).resolves.toEqual({ ok: true, attempts: 1, ip: '127.0.0.1' });
  });

  it('reports the status of the last attempt when the app answers with errors', async () => {
    const port = await listen(() => 503);
    const heard: string[] = [];
    const r = await probe({ port, address: local }, hc, (m) => heard.push(m));
    expect(r).toMatchObject({ ok: false, attempts: 3, error: `GET http://127.0.0.1:${port}/health answered 503`, fatal: false });
    expect(heard).toHaveLength(3);
  });

  it('names a refused connection and the port the app should listen on', async () => {
    const port = await listen(() => 200);
    await new Promise((r) => servers.pop()!.close(r));
    const r = await probe({ port, address: local }, { ...hc, attempts: 2, intervalMs: 150 }, () => undefined);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(`connection refused (is the app listening on $PORT=${port}?)`);
  });

  it('stops at once when the container is gone', async () => {
    const r = await probe({ port: 1, address: async () => ({ gone: 'the app exited with code 3' }) }, hc, () => undefined);
    expect(r).toEqual({ ok: false, attempts: 1, error: 'the app exited with code 3', fatal: true });
  });
});
