import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, type TestCa } from '../domain/testing/test-ca.js';
import { BerthError } from '../errors.js';
import { ApiClient, connectError, type SseEvent } from './client.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('ApiClient.stream', () => {
  it('throws Unavailable when the server drops an event stream mid-way', async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('event: line\ndata: {"line":"-----> building"}\n\n', () => setTimeout(() => res.socket?.destroy(), 20));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const events: SseEvent[] = [];
    const err = await new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`).stream('/log', {}, (e) => events.push(e)).catch((e: unknown) => e);
    expect(events).toEqual([{ event: 'line', data: { line: '-----> building' } }]);
    expect(err).toBeInstanceOf(BerthError);
    expect((err as BerthError).code).toBe('unavailable');
    expect((err as BerthError).message).toMatch(/broke/);
  });
});

describe('ApiClient over https', () => {
  let dir: string;
  let ca: TestCa;
  let tlsServer: HttpsServer | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-client-tls-'));
    ca = await makeTestCa(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => new Promise<void>((r) => (tlsServer ? tlsServer.close(() => r()) : r())));

  /** An https server with the test CA's certificate: echoes JSON, or the body of a POST, or one SSE event. */
  async function start(): Promise<string> {
    tlsServer = createHttpsServer({ cert: readFileSync(ca.certFile), key: readFileSync(ca.keyFile) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/log') {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          return res.end('event: end\ndata: {"ok":true}\n\n');
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, bytes: Buffer.concat(chunks).length }));
      });
    });
    await new Promise<void>((r) => tlsServer!.listen(0, '127.0.0.1', r));
    return `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  }

  it('trusts the --ca-file for requests, uploads and event streams', async () => {
    const client = new ApiClient(await start(), 'tok', ca.caFile);
    expect(await client.request('GET', '/x')).toEqual({ method: 'GET', bytes: 0 });
    expect(await client.request('POST', '/up', { file: ca.caFile })).toEqual({ method: 'POST', bytes: readFileSync(ca.caFile).length });
    const events: SseEvent[] = [];
    await client.stream('/log', {}, (e) => events.push(e));
    expect(events).toEqual([{ event: 'end', data: { ok: true } }]);
  });

  it('refuses a certificate it cannot verify and names the fix: --ca-file and berth tls ca', async () => {
    const url = await start();
    const err = (await new ApiClient(url, 'tok').request('GET', '/x').catch((e: unknown) => e)) as BerthError;
    expect(err).toBeInstanceOf(BerthError);
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe(`the Berth server at ${url} presented a certificate this computer does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`);
    expect(err.hint).toContain('berth tls ca > berth-ca.pem');
    expect(err.hint).toContain(`berth login ${url} --ca-file berth-ca.pem`);
  });

  it('says which CA file it cannot read', async () => {
    const err = (await new ApiClient(await start(), 'tok', join(dir, 'missing.pem')).request('GET', '/x').catch((e: unknown) => e)) as BerthError;
    expect(err.code).toBe('invalid');
    expect(err.message).toBe(`cannot read the CA file ${join(dir, 'missing.pem')} (ENOENT)`);
    expect(err.hint).toMatch(/--ca-file/);
  });

  it('tells a certificate for another host name apart from an untrusted one', () => {
    const e = Object.assign(new Error('altname'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(connectError('https://berth.example.com', e, '/tmp/ca.pem').message).toBe('the Berth server at https://berth.example.com presented a certificate for another host name (ERR_TLS_CERT_ALTNAME_INVALID); trusted: the system CAs and /tmp/ca.pem');
    expect(connectError('http://127.0.0.1:7070', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })).message).toBe('cannot reach the Berth server at http://127.0.0.1:7070 (ECONNREFUSED)');
  });
});
