// A bounded request loop through the proxy on loopback: a few workers send GETs one after
// another until stopped, or until the request or time budget runs out, and tally the answers.
// Nothing is retried: every error or non-200 answer counts as a failed request.
import { get } from './http.js';

export interface LoadResult {
  sent: number;
  failed: number;
  bodies: Map<string, number>;
  errors: string[];
  latenciesMs: number[];
}

export function startLoad(url: string, host: string, opts: { workers?: number; maxRequests?: number; maxMs?: number } = {}): { stop(): Promise<LoadResult> } {
  const maxRequests = opts.maxRequests ?? 20_000;
  const deadline = Date.now() + (opts.maxMs ?? 180_000);
  const result: LoadResult = { sent: 0, failed: 0, bodies: new Map(), errors: [], latenciesMs: [] };
  let stopping = false;
  const worker = async () => {
    while (!stopping && result.sent < maxRequests && Date.now() < deadline) {
      result.sent++;
      const t0 = performance.now();
      try {
        const r = await get(url, { host, timeoutMs: 10_000 });
        result.latenciesMs.push(performance.now() - t0);
        if (r.status !== 200) {
          result.failed++;
          if (result.errors.length < 20) result.errors.push(`status ${r.status}: ${r.body.slice(0, 80)}`);
        } else result.bodies.set(r.body, (result.bodies.get(r.body) ?? 0) + 1);
      } catch (e) {
        result.failed++;
        if (result.errors.length < 20) result.errors.push((e as Error).message);
      }
    }
  };
  const running = Promise.all(Array.from({ length: opts.workers ?? 4 }, worker));
  return {
    async stop() {
      stopping = true;
      await running;
      return result;
    },
  };
}
