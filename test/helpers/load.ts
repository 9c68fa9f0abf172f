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

export interface Serving {
  requests: number;
  failed: number;
  /** The longest time from a failed request to the next answered one: how long nothing served. */
  longestOutageMs: number;
  /** When the last failed request was sent, if any (ms since the epoch). */
  lastFailureAt: number | null;
  bodies: Set<string>;
}

/**
 * One GET after another (20 ms apart, 2 s timeout each) to `url` with Host `host`, each outcome
 * timed, until stopped or two minutes pass: the longest run of failures is how long the app was
 * not served.
 */
export function watchServing(url: string, host: string): { stop(): Promise<Serving> } {
  const outcomes: { at: number; ok: boolean; body: string }[] = [];
  let stopping = false;
  const deadline = Date.now() + 120_000;
  const loop = (async () => {
    while (!stopping && Date.now() < deadline) {
      const at = Date.now();
      try {
        const r = await get(url, { host, timeoutMs: 2000 });
        outcomes.push({ at, ok: r.status === 200, body: r.body });
      } catch {
        outcomes.push({ at, ok: false, body: '' });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      let longest = 0;
      let since: number | null = null;
      for (const o of outcomes) {
        if (!o.ok) since ??= o.at;
        else if (since !== null) {
          longest = Math.max(longest, o.at - since);
          since = null;
        }
      }
      if (since !== null) longest = Math.max(longest, Date.now() - since);
      const failures = outcomes.filter((o) => !o.ok);
      return { requests: outcomes.length, failed: failures.length, longestOutageMs: longest, lastFailureAt: failures.at(-1)?.at ?? null, bodies: new Set(outcomes.filter((o) => o.ok).map((o) => o.body)) };
    },
  };
}
