// Server-Sent Events over a hijacked Fastify reply: the log and event streams use it. A stream
// stays only as long as its caller may read it: credentials and access are checked again every
// few seconds, and a revoked token, ended session or removed membership closes the stream.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../domain/context.js';
import { messageOf } from '../errors.js';
import { stillAllowed } from './access.js';

export interface SseStream {
  send(event: string, data: unknown): void;
  end(): void;
  /** Aborted when the client goes away or loses access. */
  signal: AbortSignal;
}

/** How often an open stream re-checks that its caller may still read it. */
export const RECHECK_MS = 2_000;

export function openSse(deps: Deps, req: FastifyRequest, reply: FastifyReply): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write(': stream open\n\n');
  const ac = new AbortController();
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  const recheck = setInterval(() => {
    try {
      stillAllowed(deps, req);
    } catch (e) {
      stream.send('end', { status: 'closed', reason: `access ended: ${messageOf(e)}` });
      stream.end();
    }
  }, RECHECK_MS);
  const close = () => {
    clearInterval(keepAlive);
    clearInterval(recheck);
    ac.abort();
  };
  req.raw.on('close', close);
  res.on('close', close);
  const stream: SseStream = {
    send(event, data) {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      close();
      if (!res.writableEnded) res.end();
    },
    signal: ac.signal,
  };
  return stream;
}
