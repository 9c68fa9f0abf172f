// The proxy's processes (the edge Caddy, Berth's router) run detached from Berth, so apps keep
// being served while it restarts. How one is started, found again by its pid file, and ended.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * The pid in `pidFile`, if that process is alive and still ours (`ours` checks its command
 * line): a pid file can outlive its process, and the pid be reused by another program.
 */
export function livePid(pidFile: string, ours: (argv: string[]) => boolean): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) return null;
    return ours(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')) ? pid : null;
  } catch {
    return null;
  }
}

/** SIGKILL, then waits (at most 2 s) until the pid file names no live process of ours. */
export async function killAndWait(pid: number, current: () => number | null): Promise<void> {
  process.kill(pid, 'SIGKILL');
  const end = Date.now() + 2000;
  while (current() === pid && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/** Starts `cmd` detached, its output appended to `logFile`, its pid written to `pidFile` (0600). */
export function spawnDetached(cmd: string, args: string[], o: { logFile: string; pidFile: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  const logFd = openSync(o.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { detached: true, stdio: ['ignore', logFd, logFd], ...(o.env ? { env: o.env } : {}) });
  } finally {
    closeSync(logFd);
  }
  child.unref();
  if (child.pid) writeFileSync(o.pidFile, String(child.pid), { mode: 0o600 });
  return child;
}

/**
 * Polls `up` (every 25 ms: while a killed process is started again, requests wait for it) until
 * it answers, the child exits or fails to spawn, or `timeoutMs` passes.
 */
export async function waitUntilUp(child: ChildProcess, up: () => Promise<boolean>, timeoutMs: number): Promise<'up' | 'gone' | Error> {
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const err = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 25))]);
    if (err) return err;
    if (child.exitCode !== null) return 'gone';
    if (await up()) return 'up';
  }
  return 'gone';
}

/** The last lines of a log, for an error message. */
export function tailLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ').slice(0, 600);
  } catch {
    return 'no log';
  }
}
