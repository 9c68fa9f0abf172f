// Server-Sent Events over a hijacked Fastify reply: the log and event streams use it. A stream
// stays only as long as its caller may read it: credentials and access are checked again every
// few seconds, and a revoked token, ended session or removed membership closes the stream.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../domain/context.js';
import { messageOf } from '../errors.js';
import { stillAllowed } from './access.js';
import { errorInfo } from './error-body.js';

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

/** What a streamed job ends with: its exit code and whatever else its `exit` event carries. */
export type StreamExit = { code: number } & Record<string, unknown>;

/**
 * Runs `work` with an SSE stream of its lines, ending with `exit` {code, error?, hint?, ...result}:
 * the long jobs (add-on creation, client runs, backups) answer this way.
 */
export async function streamed(deps: Deps, req: FastifyRequest, reply: FastifyReply, work: (line: (l: string) => void, signal: AbortSignal) => Promise<StreamExit>): Promise<FastifyReply> {
  const sse = openSse(deps, req, reply);
  try {
    sse.send('exit', await work((line) => sse.send('line', { line }), sse.signal));
  } catch (e) {
    const { message, hint } = errorInfo(req, e);
    sse.send('exit', { code: 1, error: message, ...(hint ? { hint } : {}) });
  }
  sse.end();
  return reply;
}
