import { describe, expect, it } from 'vitest';
import { Unavailable } from '../errors.js';
import type { ApiClient, SseEvent } from './client.js';
import type { CliContext } from './context.js';
import { followDeploy } from './follow.js';
import { EXIT_CODES, reportError } from './program.js';

function client(events: SseEvent[], broken: boolean): ApiClient {
  return {
    stream: async (_path: string, _q: unknown, onEvent: (e: SseEvent) => void) => {
      for (const e of events) onEvent(e);
      if (broken) throw Unavailable('the connection to the Berth server at http://127.0.0.1:1 broke (ECONNRESET)');
    },
    request: async () => ({ urls: ['http://shop.localhost'] }),
  } as unknown as ApiClient;
}

async function follow(events: SseEvent[], broken = false): Promise<{ out: string[]; err: string[]; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } as unknown as CliContext;
  try {
    await followDeploy(ctx, client(events, broken), { app: 'shop', deployment: { id: 7, status: 'pending', reason: null } }, { since: Date.now(), verb: 'deploy', done: 'deployed' });
    return { out, err, code: 0 };
  } catch (e) {
    return { out, err, code: reportError(e, ctx) };
  }
}

const line = (l: string): SseEvent => ({ event: 'line', data: { line: l } });

describe('followDeploy', () => {
  it('says the outcome is unknown, not that the deploy failed, when the server goes away mid-stream', async () => {
    const r = await follow([line('-----> starting web.1')], true);
    expect(r.err[0]).toBe("error: the server went away; the deploy's outcome is unknown: see `berth deployments shop`");
    expect(r.code).toBe(EXIT_CODES.unavailable);
    expect(r.code).not.toBe(EXIT_CODES.failed);
  });

  it('says the outcome is unknown when the stream ends without its end event', async () => {
    const r = await follow([line('-----> building')]);
    expect(r.err[0]).toMatch(/outcome is unknown/);
    expect(r.code).toBe(EXIT_CODES.unavailable);
  });

  it('still reports a failed deploy as failed', async () => {
    const r = await follow([{ event: 'end', data: { status: 'failed', reason: 'health check failed' } }]);
    expect(r.err[0]).toBe('error: deploy #7 of shop failed: health check failed');
    expect(r.code).toBe(EXIT_CODES.failed);
  });

  it('ends a deploy that went live with the release it became', async () => {
    const out: string[] = [];
    const ctx = { out: (t: string) => out.push(t), err: () => undefined } as unknown as CliContext;
    const c = {
      stream: async (_p: string, _q: unknown, onEvent: (e: SseEvent) => void) => onEvent({ event: 'end', data: { status: 'running', reason: null, urls: [] } }),
      request: async (_m: string, path: string) => (path === '/api/v1/deployments/7' ? { id: 7, release: 3 } : {}),
    } as unknown as ApiClient;
    await followDeploy(ctx, c, { app: 'shop', deployment: { id: 7, status: 'pending', reason: null } }, { since: Date.now(), verb: 'deploy', done: 'deployed' });
    expect(out.join('\n')).toMatch(/=====> shop deployed in [\d.]+s: release v3 is live/);
  });

  it('prints the URLs of a deploy that went live', async () => {
    const r = await follow([{ event: 'end', data: { status: 'running', reason: null, urls: ['http://shop.localhost'] } }]);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain('http://shop.localhost');
  });
});
