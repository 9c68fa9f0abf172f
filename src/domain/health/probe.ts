// The health check: after a container starts, Berth probes http://<container>:<port><path>
// until it answers below 400, the container exits, or the attempts run out.
import { request } from 'node:http';
import type { HealthCheck } from '../apps/manifest.js';

export interface ProbeTarget {
  /** Returns the container's address, or why it cannot be probed (it exited, say). */
  address(): Promise<{ ip: string } | { gone: string }>;
  port: number;
  /** The Host header sent, as the proxy would: the app's own host name. */
  host?: string;
}

/** `ip` is the address that answered healthy: what the proxy should route to. */
export type ProbeResult = { ok: true; attempts: number; ip: string } | { ok: false; attempts: number; error: string; fatal: boolean };

/** One HTTP GET with a timeout: resolves to the status code, rejects with the connection error. */
export function httpStatus(url: string, timeoutMs: number, hostHeader?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, headers: { 'User-Agent': 'berth-health', ...(hostHeader ? { Host: hostHeader } : {}) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * While an app is still starting (connection refused), re-poll this often within an attempt.
 * A refused connection on the local bridge costs microseconds, and every poll saved is
 * time the user waits for a deploy.
 */
const STARTUP_POLL_MS = 25;

/**
 * Probes until healthy or out of attempts; `onAttempt` hears each failure, for the deploy log.
 * An attempt lasts up to `intervalMs`: a refused connection (the app is not listening yet) is
 * retried every 25 ms within it, so a fast app is seen healthy at once, while the total
 * patience stays attempts x interval.
 */
export async function probe(target: ProbeTarget, hc: HealthCheck, onAttempt: (msg: string) => void): Promise<ProbeResult> {
  if (hc.waitMs > 0) await sleep(hc.waitMs);
  let error = 'not probed';
  for (let attempt = 1; attempt <= hc.attempts; attempt++) {
    const attemptEnds = Date.now() + hc.intervalMs;
    for (;;) {
      const addr = await target.address();
      if ('gone' in addr) return { ok: false, attempts: attempt, error: addr.gone, fatal: true };
      const url = `http://${addr.ip}:${target.port}${hc.path}`;
      let refused = false;
      try {
        const status = await httpStatus(url, hc.timeoutMs, target.host);
        if (status < 400) return { ok: true, attempts: attempt, ip: addr.ip };
        error = `GET ${url}${target.host ? ` (Host: ${target.host})` : ''} answered ${status}`;
      } catch (e) {
        refused = (e as NodeJS.ErrnoException).code === 'ECONNREFUSED';
        error = `GET ${url}${target.host ? ` (Host: ${target.host})` : ''}: ${refused ? `connection refused (is the app listening on $PORT=${target.port}?)` : (e as Error).message}`;
      }
      if (!refused || Date.now() + STARTUP_POLL_MS >= attemptEnds) break;
      await sleep(STARTUP_POLL_MS);
    }
    onAttempt(`health check ${attempt}/${hc.attempts}: ${error}`);
    const rest = attemptEnds - Date.now();
    if (attempt < hc.attempts && rest > 0) await sleep(rest);
  }
  return { ok: false, attempts: hc.attempts, error, fatal: false };
}

/** One probe of an app.json check: where, and what the answer must hold. */
export interface CheckRequest {
  url: string;
  timeoutMs: number;
  /** The Host header, as the proxy would send it. */
  host?: string;
  /** A string the body must contain (Dokku's `content`). */
  content?: string;
  /** Ends the request at once (Berth shutting down). */
  signal?: AbortSignal;
}

export type CheckOutcome = { ok: true } | { ok: false; error: string; refused: boolean };

/** Bodies are read up to this much for `content`: a health endpoint's answer is small. */
const MAX_BODY_BYTES = 1024 * 1024;

/** One GET: healthy when it answers below 400 and its body holds `content`; never throws. */
export function checkOnce(r: CheckRequest): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    const done = (o: CheckOutcome) => {
      resolve(o);
      req.destroy();
    };
    const req = request(r.url, { method: 'GET', timeout: r.timeoutMs, signal: r.signal, headers: { 'User-Agent': 'berth-health', ...(r.host ? { Host: r.host } : {}) } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 400) return done({ ok: false, error: `answered ${status}`, refused: false });
      if (r.content === undefined) return done({ ok: true });
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(b);
        size += b.length;
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
        done(body.includes(r.content!) ? { ok: true } : { ok: false, error: `body does not contain ${JSON.stringify(r.content)}`, refused: false });
      });
      res.on('error', (e) => done({ ok: false, error: e.message, refused: false }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${r.timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code === 'ECONNREFUSED' ? 'connection refused' : e.message, refused: e.code === 'ECONNREFUSED' }));
    req.end();
  });
}
