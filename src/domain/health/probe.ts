// The health check: after a container starts, Berth probes http://<container>:<port><path>
// until it answers below 400, the container exits, or the attempts run out.
import { request } from 'node:http';
import type { HealthCheck } from '../apps/manifest.js';

export interface ProbeTarget {
  /** Returns the container's address, or why it cannot be probed (it exited, say). */
  address(): Promise<{ ip: string } | { gone: string }>;
  port: number;
}

export type ProbeResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: string; fatal: boolean };

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

/** Probes until healthy or out of attempts; `onAttempt` hears each failure, for the deploy log. */
export async function probe(target: ProbeTarget, hc: HealthCheck, onAttempt: (msg: string) => void): Promise<ProbeResult> {
  if (hc.waitMs > 0) await sleep(hc.waitMs);
  let error = 'not probed';
  for (let attempt = 1; attempt <= hc.attempts; attempt++) {
    const addr = await target.address();
    if ('gone' in addr) return { ok: false, attempts: attempt, error: addr.gone, fatal: true };
    const url = `http://${addr.ip}:${target.port}${hc.path}`;
    try {
      const status = await httpStatus(url, hc.timeoutMs);
      if (status < 400) return { ok: true, attempts: attempt };
      error = `GET ${hc.path} answered ${status}`;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      error = `GET ${url}: ${code === 'ECONNREFUSED' ? `connection refused (is the app listening on $PORT=${target.port}?)` : (e as Error).message}`;
    }
    onAttempt(`health check ${attempt}/${hc.attempts}: ${error}`);
    if (attempt < hc.attempts) await sleep(hc.intervalMs);
  }
  return { ok: false, attempts: hc.attempts, error, fatal: false };
}
