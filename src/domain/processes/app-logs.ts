// An app's runtime output as `berth logs` and the dashboard show it: every line with its time
// and process (web.1, worker.1), from the current release's containers (running or exited)
// and from the containers a failed start left behind, whose output is kept when they go.
import { Invalid } from '../../errors.js';
import type { AppRow } from '../../infra/db/rows.js';
import { LABELS, type Deps } from '../context.js';
import { exitedOutputKey } from '../log-keys.js';



export interface LogEntry {
  /** When Docker received the line, RFC 3339 in UTC (nanoseconds as Docker gives them). */
  time: string;
  /** The process instance that wrote it, e.g. web.1. */
  process: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export const DEFAULT_TAIL = 100;
export const MAX_TAIL = 10_000;
/** Lines of a container kept when a failed start removes it. */
const KEPT_ON_FAILURE = 200;

/** The log-store key of the output kept from a deployment's containers that failed to start. */

/** `tail` as the user gave it (a query string, a CLI option): a whole number of lines, or a readable error. */
export function parseTail(raw: string | number | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_TAIL;
  const s = String(raw).trim();
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n > MAX_TAIL) throw Invalid(`the number of lines must be a whole number from 0 to ${MAX_TAIL}, got ${JSON.stringify(s)}`, { hint: 'e.g. berth logs APP -n 200' });
  return n;
}

/** A container's process instance name, web.1, from its labels and its name's trailing index. */
export function processNameOf(c: { name: string; labels: Record<string, string> }): string {
  return `${c.labels[LABELS.process] ?? 'web'}.${/-(\d+)$/.exec(c.name)?.[1] ?? '1'}`;
}

/**
 * A UTC time with exactly nine fractional digits, so that times compare as strings (Docker
 * trims trailing zeros: 05.1Z would sort after 05.12Z).
 */
export function normalTime(t: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(t);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}Z` : t;
}

/** Splits Docker's `timestamps` prefix off a line; a line without one gets `fallback` as its time. */
export function splitTimestamp(raw: string, fallback: string): { time: string; text: string } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?(.*)$/s.exec(raw);
  return { time: normalTime(m ? m[1]! : fallback), text: m ? m[2]! : raw };
}

/** One line as `berth logs` prints it: `2026-11-23T15:04:05Z web.1  listening`. */
export function formatEntry(e: LogEntry): string {
  const t = e.time.replace(/\.\d+Z$/, 'Z');
  return `${t} ${e.process.padEnd(6)} ${e.text}`;
}

/** Entries in time order (stable for equal times), the last `tail` of them. */
export function lastEntries(entries: LogEntry[], tail: number): LogEntry[] {
  const sorted = entries.map((e, i) => ({ e, i })).sort((a, b) => (a.e.time < b.e.time ? -1 : a.e.time > b.e.time ? 1 : a.i - b.i));
  return tail === 0 ? [] : sorted.slice(-tail).map((x) => x.e);
}

function parseKept(line: string): LogEntry | null {
  try {
    const e = JSON.parse(line) as Partial<LogEntry>;
    if (typeof e.time !== 'string' || typeof e.process !== 'string' || typeof e.text !== 'string') return null;
    return { time: e.time, process: e.process, stream: e.stream === 'stderr' ? 'stderr' : 'stdout', text: e.text };
  } catch {
    return null;
  }
}

/** The last lines of a container as entries; none when it is gone. */
async function containerEntries(deps: Deps, id: string, tail: number): Promise<LogEntry[]> {
  const info = await deps.scheduler.inspect(id);
  if (!info) return [];
  const process = processNameOf(info);
  const now = new Date().toISOString();
  const out: LogEntry[] = [];
  await deps.streams
    .streamLogs(id, { follow: false, tail, timestamps: true, onLine: (raw, stream) => out.push({ ...splitTimestamp(raw, now), process, stream }) })
    .catch((e: unknown) => deps.logger.warn({ err: e, container: id }, 'cannot read container output'));
  return out;
}

/**
 * Keeps the last output of a container that failed to start, before it is removed: what
 * `berth logs` shows of an app that crashed at start.
 */
export async function keepExitedOutput(deps: Deps, deploymentId: number, containerId: string): Promise<void> {
  const entries = await containerEntries(deps, containerId, KEPT_ON_FAILURE);
  for (const e of entries) deps.logs.append(exitedOutputKey(deploymentId), JSON.stringify(e));
}

/** The deployments whose output `berth logs` shows: the current one, and a newer one that failed. */
function deploymentsOf(deps: Deps, app: AppRow): number[] {
  const latest = deps.db.deployments.latestForApp(app.id);
  const ids = app.currentDeploymentId !== null ? [app.currentDeploymentId] : [];
  if (latest && !ids.includes(latest.id)) ids.push(latest.id);
  return ids;
}

/** The app's last `tail` lines of output, oldest first, from all its containers and kept output. */
export async function readAppLogs(deps: Deps, app: AppRow, tail: number): Promise<LogEntry[]> {
  const ids = deploymentsOf(deps, app);
  const kept = ids.flatMap((id) => deps.logs.read(exitedOutputKey(id)).map(parseKept)).filter((e): e is LogEntry => e !== null);
  const current = app.currentDeploymentId !== null ? (deps.db.deployments.get(app.currentDeploymentId)?.containers ?? []) : [];
  const live = (await Promise.all(current.map((id) => containerEntries(deps, id, tail)))).flat();
  return lastEntries([...kept, ...live], tail);
}

/**
 * Streams the app's output until `signal` aborts: first the last `tail` lines (as readAppLogs),
 * then new lines of the current release's containers as they come, none twice.
 */
export async function followAppLogs(deps: Deps, app: AppRow, tail: number, onEntry: (e: LogEntry) => void, signal: AbortSignal): Promise<void> {
  const start = normalTime(new Date().toISOString());
  const history = await readAppLogs(deps, app, tail);
  for (const e of history) onEntry(e);
  const current = app.currentDeploymentId !== null ? (deps.db.deployments.get(app.currentDeploymentId)?.containers ?? []) : [];
  await Promise.all(
    current.map(async (id) => {
      const info = await deps.scheduler.inspect(id);
      if (!info) return;
      const process = processNameOf(info);
      // From the last line already shown (or the start, when the tail showed none of it) on.
      const seen = history.filter((e) => e.process === process).at(-1)?.time ?? start;
      await deps.streams
        .streamLogs(
          id,
          {
            follow: true,
            tail: -1,
            since: Math.floor(Date.parse(seen) / 1000),
            timestamps: true,
            onLine: (raw, stream) => {
              const e = { ...splitTimestamp(raw, new Date().toISOString()), process, stream };
              if (e.time > seen) onEntry(e);
            },
          },
          signal,
        )
        .catch((e: unknown) => {
          if (!signal.aborted) onEntry({ time: new Date().toISOString(), process, stream: 'stderr', text: `berth: log stream ended: ${String(e)}` });
        });
    }),
  );
}
