// app.json's startup checks: after a deploy's containers pass Berth's own check, each startup
// check probes every container of its process type; one that never passes fails the deploy.
import { Failed } from '../../errors.js';
import type { ProcessCheckSettings } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';
import { checkOnce } from './probe.js';

/** A container of the release being deployed (domain/processes StartedProcess, by shape). */
export interface CheckedContainer {
  id: string;
  type: string;
  index: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many of a failed container's last output lines a deploy log shows. */
const LOG_TAIL_ON_FAILURE = 15;

/** Shows the last lines of a container's output in a deploy's log, after a failed start or check. */
export async function logOutputTail(deps: Pick<Deps, 'streams'>, containerId: string, log: (l: string) => void): Promise<void> {
  const tail = await deps.streams.tailLogs(containerId, LOG_TAIL_ON_FAILURE);
  if (tail.length === 0) return;
  log('       last lines of the app output:');
  for (const l of tail) log(`       | ${l}`);
}

/** `health check "root" GET / on port 5000`: how a check is named in logs and events. */
export function describeCheck(c: ProcessCheckSettings, port: number): string {
  return `health check "${c.name}" GET ${c.path} on port ${port}`;
}

/**
 * Runs every startup check against the containers of its type, all at once; throws Failed
 * naming the container, the check and its last failure (e.g. `web.1: health check "root" GET /
 * on port 5000: body does not contain "ready"`). Each failed attempt is logged.
 */
export async function runStartupChecks(deps: Deps, p: { appName: string; port: number; containers: CheckedContainer[]; checks: ProcessCheckSettings[] }, log: (l: string) => void): Promise<void> {
  const startup = p.checks.filter((c) => c.type === 'startup');
  const runs = startup.flatMap((check) => p.containers.filter((s) => s.type === check.process).map((s) => ({ check, s })));
  if (runs.length === 0) return;
  log(`-----> app.json startup checks: ${startup.map((c) => `${c.process} "${c.name}"`).join(', ')}`);
  const results = await Promise.all(runs.map(async ({ check, s }) => ({ check, s, error: await runOne(deps, p, check, s, log) })));
  const bad = results.find((r) => r.error !== null);
  if (bad) {
    await logOutputTail(deps, bad.s.id, log).catch(() => undefined);
    throw Failed(`${bad.s.type}.${bad.s.index}: ${describeCheck(bad.check, bad.check.port ?? p.port)}: ${bad.error}`);
  }
  log(`       ${results.length} startup check(s) passed`);
}

/** null when the check passed; else its last failure. */
async function runOne(deps: Deps, p: { appName: string; port: number }, check: ProcessCheckSettings, s: CheckedContainer, log: (l: string) => void): Promise<string | null> {
  const port = check.port ?? p.port;
  if (check.initialDelayMs > 0) await sleep(check.initialDelayMs);
  let error = 'not probed';
  for (let attempt = 1; attempt <= check.attempts; attempt++) {
    const info = await deps.scheduler.inspect(s.id);
    if (!info || info.state !== 'running') return `the container ${info ? `exited with code ${info.exitCode}` : 'was removed'}`;
    if (!info.ip) return "the container has no address on its owner's network";
    const outcome = await checkOnce({ url: `http://${info.ip}:${port}${check.path}`, timeoutMs: check.timeoutMs, host: `${p.appName}.${deps.config.domain}`, ...(check.content !== undefined ? { content: check.content } : {}) });
    if (outcome.ok) return null;
    error = outcome.error;
    log(`       ${s.type}.${s.index}: ${describeCheck(check, port)}: attempt ${attempt}/${check.attempts}: ${error}`);
    if (attempt < check.attempts) await sleep(check.intervalMs);
  }
  return error;
}
