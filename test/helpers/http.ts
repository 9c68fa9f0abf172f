// Plain HTTP GETs for tests, with an explicit Host header (fetch cannot set one).
import { request } from 'node:http';

export interface Got {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function get(url: string, opts: { host?: string; timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<Got> {
  const u = new URL(url);
  return send(u, `${u.pathname}${u.search}`, { method: 'GET', headers: { ...opts.headers, ...(opts.host ? { Host: opts.host } : {}) }, timeoutMs: opts.timeoutMs ?? 5000 });
}

function send(u: URL, target: string, o: { method: string; headers: Record<string, string>; timeoutMs: number; body?: string }): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: o.method, path: target, headers: o.headers, timeout: o.timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Polls until `check` passes or the time is up; returns the last value. Bounded in count and time. */
export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (check(last)) return last;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  if (last !== undefined) return last;
  throw lastErr instanceof Error ? lastErr : new Error('eventually: no value');
}

/**
 * One request with the request target sent exactly as given (fetch normalizes `/./`, `//` and
 * percent-encoding; this does not): `target` may be a path or an absolute-form URL.
 */
export function rawRequest(base: string, target: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Got> {
  const headers = { ...opts.headers, ...(opts.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}) };
  return send(new URL(base), target, { method: opts.method ?? 'GET', headers, timeoutMs: 5000, ...(opts.body !== undefined ? { body: opts.body } : {}) });
}

/**
 * Reads a Server-Sent Events response while `act` runs, until the server ends it or `maxMs`
 * passes; says which of the two happened.
 */
export async function readUntilClosed(res: Response, ac: AbortController, act: () => Promise<void>, maxMs = 10_000): Promise<{ text: string; closedByServer: boolean }> {
  const timer = setTimeout(() => ac.abort(), maxMs);
  const reader = res.body!.getReader();
  let text = '';
  let closedByServer = false;
  const reading = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return void (closedByServer = true);
        text += new TextDecoder().decode(value);
      }
    } catch {
      // aborted by the timer: the stream stayed open
    }
  })();
  await act();
  await reading;
  clearTimeout(timer);
  return { text, closedByServer };
}
