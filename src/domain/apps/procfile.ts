// Procfile and Heroku app.json: what processes an app runs and how, so apps written for
// Heroku or Dokku deploy unchanged. Parsing is pure.
import { Invalid } from '../../errors.js';
import type { ProcessCheckSettings } from '../../infra/db/rows.js';
import { parseHealthchecks, parseJsonc } from './app-json.js';
import { checkCommand, type HealthCheck } from './manifest.js';
import { parseCron, type CronJobSpec } from './cron-schedule.js';

/** type -> shell command, e.g. { web: 'node server.js', worker: 'node worker.js' } */
export type Processes = Record<string, string>;

const TYPE_RE = /^[a-z][a-z0-9_-]{0,29}$/;

/** Process types one app may declare (Procfile, app.json formation): each one runs containers. */
export const MAX_PROCESS_TYPES = 20;

/** Cuts a trailing ` # comment` that is not inside quotes. */
function stripInlineComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** Parses a Procfile; throws Invalid naming the line of any malformed entry. */
export function parseProcfile(text: string): Processes {
  const out: Processes = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripInlineComment(raw).trim();
    if (line === '') return;
    const m = /^([^:\s]+)\s*:\s*(.*)$/s.exec(line); // s: a stray \r is the command's, and refused below
    if (!m) throw Invalid(`Procfile line ${i + 1}: expected "type: command"`);
    const [, type, command] = m as unknown as [string, string, string];
    if (!TYPE_RE.test(type)) throw Invalid(`Procfile line ${i + 1}: process type ${JSON.stringify(type)} must be lowercase letters, digits, - or _`);
    if (command.trim() === '') throw Invalid(`Procfile line ${i + 1}: process type ${type} has no command`);
    if (out[type] !== undefined) throw Invalid(`Procfile line ${i + 1}: process type ${type} is defined twice`);
    if (Object.keys(out).length >= MAX_PROCESS_TYPES) throw Invalid(`Procfile line ${i + 1}: more than ${MAX_PROCESS_TYPES} process types; an app may declare at most ${MAX_PROCESS_TYPES}`);
    out[type] = checkCommand(command.trim(), `Procfile line ${i + 1}: ${type}`);
  });
  return out;
}

export interface AppJson {
  formation: Record<string, number>;
  /** The first startup check of web, as the deploy's own health check (path and timing). */
  healthcheck?: Partial<HealthCheck>;
  /** Every `healthchecks` entry (Dokku's): startup ones gate the deploy, liveness/readiness run after it. */
  checks?: ProcessCheckSettings[];
  /** Heroku's top-level scripts.predeploy: the release command when the Procfile has none. */
  predeploy?: string;
  /** Heroku's scripts.postdeploy: once, after the app's first successful deploy. */
  postdeploy?: string;
  /** Dokku's scripts.dokku.predeploy / postdeploy: every deploy, before the start / after the switch. */
  dokku?: { predeploy?: string; postdeploy?: string };
  /** What Berth leaves out of the file, for the build log. */
  notes?: string[];
  env: Record<string, string>;
  /** Dokku's `cron`: scheduled jobs, validated here (domain/apps/cron-schedule.ts). */
  cron?: CronJobSpec[];
}

/**
 * Reads the parts of Heroku's and Dokku's app.json Berth honours: formation, healthchecks,
 * scripts, env defaults. Comments and trailing commas are accepted, as Dokku does.
 */
export function parseAppJson(text: string): AppJson {
  const doc = parseJsonc(text, 'app.json');
  const raw = doc.value;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw Invalid('app.json: expected an object');
  const j = raw as {
    formation?: Record<string, { quantity?: unknown }>;
    scripts?: { predeploy?: unknown; postdeploy?: unknown; dokku?: { predeploy?: unknown; postdeploy?: unknown } };
    env?: Record<string, unknown>;
  };
  const { checks, notes } = parseHealthchecks(doc, 'app.json');
  const out: AppJson = { formation: {}, checks, dokku: {}, notes, env: {} };
  const types = Object.keys(j.formation ?? {});
  if (types.length > MAX_PROCESS_TYPES) throw Invalid(`app.json: formation names ${types.length} process types; an app may declare at most ${MAX_PROCESS_TYPES}`);
  for (const [type, f] of Object.entries(j.formation ?? {})) {
    const q = f?.quantity ?? 1;
    if (!TYPE_RE.test(type) || !Number.isInteger(q) || (q as number) < 0 || (q as number) > 100) throw Invalid(`app.json: formation.${type} needs a quantity from 0 to 100`);
    out.formation[type] = q as number;
  }
  // The deploy's own check waits for web to answer on the first startup check's path, with its timing.
  const web = checks.find((c) => c.process === 'web' && c.type === 'startup' && c.port === undefined);
  if (web) out.healthcheck = { path: web.path, attempts: web.attempts, timeoutMs: web.timeoutMs, intervalMs: Math.max(web.intervalMs, 250), waitMs: web.initialDelayMs };
  if (typeof j.scripts?.predeploy === 'string') out.predeploy = checkCommand(j.scripts.predeploy, 'app.json: scripts.predeploy');
  if (typeof j.scripts?.postdeploy === 'string') out.postdeploy = checkCommand(j.scripts.postdeploy, 'app.json: scripts.postdeploy');
  for (const when of ['predeploy', 'postdeploy'] as const) {
    const command = j.scripts?.dokku?.[when];
    if (command === undefined) continue;
    if (typeof command !== 'string' || command.trim() === '') throw Invalid(`app.json line ${doc.lineOf(['scripts', 'dokku', when])}: scripts.dokku.${when} must be a command`);
    (out.dokku ??= {})[when] = checkCommand(command, `app.json: scripts.dokku.${when}`);
  }
  for (const [k, v] of Object.entries(j.env ?? {})) {
    const value = typeof v === 'string' ? v : (v as { value?: unknown } | null)?.value;
    if (typeof value === 'string') out.env[k] = value;
  }
  out.cron = parseCron((raw as { cron?: unknown }).cron);
  return out;
}

/**
 * How many containers of a type run when nobody chose a number: Heroku's and Dokku's rule, web
 * one and every other type none (a `console:` or `task:` type is there to be run, not kept up).
 */
export function quantityOf(type: string, formation: Record<string, number>): number {
  return formation[type] ?? (type === 'web' ? 1 : 0);
}

/** The kept-running process types (every type but `release`), web first. */
export function processTypes(processes: Processes): string[] {
  return Object.keys(processes)
    .filter((t) => t !== 'release')
    .sort((a, b) => (a === 'web' ? -1 : b === 'web' ? 1 : a.localeCompare(b)));
}

/** Containers a release runs: every kept-running process type at its quantity. */
export function containerCount(processes: Processes, formation: Record<string, number>): number {
  return processTypes(processes).reduce((n, t) => n + quantityOf(t, formation), 0);
}

/** Throws Invalid, naming the limit, when the app would run more than `max` containers in all. */
export function checkContainerCount(processes: Processes, formation: Record<string, number>, max: number): void {
  const n = containerCount(processes, formation);
  if (n > max) {
    const parts = processTypes(processes)
      .map((t) => `${t}=${quantityOf(t, formation)}`)
      .join(' ');
    throw Invalid(`${parts} is ${n} containers; an app may run at most ${max}`, { hint: 'scale some process types down, or an admin can raise BERTH_MAX_CONTAINERS_PER_APP' });
  }
}
