import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSender } from './http-sender.js';

let server: Server | undefined;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

afterEach(async () => {
  received.length = 0;
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

const allowAll = httpSender({ timeoutMs: 1000, refuseAddress: () => null });

describe('the notification sender', () => {
  it('POSTs the body with its headers and answers with the status', async () => {
    const base = await listen((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(202).end('accepted');
      });
    });
    expect(await allowAll({ url: `${base}/hook`, body: '{"a":1}', headers: { 'Content-Type': 'application/json', 'X-Test': 'y' } })).toEqual({ status: 202 });
    expect(received[0]).toMatchObject({ body: '{"a":1}', headers: { 'content-type': 'application/json', 'x-test': 'y' } });
  });

  it('does not follow a redirect', async () => {
    let hits = 0;
    const base = await listen((_req, res) => {
      hits++;
      res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' }).end();
    });
    expect(await allowAll({ url: `${base}/hook`, body: '{}', headers: {} })).toEqual({ status: 302 });
    expect(hits).toBe(1);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const base = await listen(() => undefined);
    const slow = httpSender({ timeoutMs: 200, refuseAddress: () => null });
    await expect(slow({ url: `${base}/hook`, body: '{}', headers: {} })).rejects.toThrow('no answer within 0.2 s');
  });

  it('refuses a literal address or a name that resolves to a refused one, without connecting', async () => {
    let hits = 0;
    const base = await listen((_req, res) => {
      hits++;
      res.end();
    });
    const strict = httpSender({ timeoutMs: 1000, refuseAddress: (ip) => (ip.startsWith('127.') || ip === '::1' ? `${ip} is loopback` : null) });
    await expect(strict({ url: `${base}/hook`, body: '{}', headers: {} })).rejects.toThrow('refused: 127.0.0.1 is loopback');
    await expect(strict({ url: base.replace('127.0.0.1', 'localhost'), body: '{}', headers: {} })).rejects.toThrow(/refused: localhost resolves to/);
    expect(hits).toBe(0);
  });

  it('says a refused connection in a few words', async () => {
    const base = await listen(() => undefined);
    const port = new URL(base).port;
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    await expect(allowAll({ url: `http://127.0.0.1:${port}/`, body: '{}', headers: {} })).rejects.toThrow(`connection refused by 127.0.0.1:${port}`);
  });
});
