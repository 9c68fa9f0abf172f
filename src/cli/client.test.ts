import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BerthError } from '../errors.js';
import { ApiClient, type SseEvent } from './client.js';

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
