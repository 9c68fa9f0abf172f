// Procfile and Heroku app.json: what processes an app runs and how, so apps written for
// Heroku or Dokku deploy unchanged. Parsing is pure.
import { Invalid } from '../../errors.js';
import { checkCommand, type HealthCheck } from './manifest.js';

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
  healthcheck?: Partial<HealthCheck>;
  predeploy?: string;
  postdeploy?: string;
  env: Record<string, string>;
}

/** Reads the parts of Heroku's app.json Berth honours: formation, healthchecks, scripts, env defaults. */
export function parseAppJson(text: string): AppJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw Invalid(`app.json: cannot be parsed: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw Invalid('app.json: expected an object');
  const j = raw as {
    formation?: Record<string, { quantity?: unknown }>;
    healthchecks?: Record<string, { path?: unknown; attempts?: unknown; timeout?: unknown; wait?: unknown; interval?: unknown }[]>;
    scripts?: { predeploy?: unknown; postdeploy?: unknown };
    env?: Record<string, unknown>;
  };
  const out: AppJson = { formation: {}, env: {} };
  const types = Object.keys(j.formation ?? {});
  if (types.length > MAX_PROCESS_TYPES) throw Invalid(`app.json: formation names ${types.length} process types; an app may declare at most ${MAX_PROCESS_TYPES}`);
  for (const [type, f] of Object.entries(j.formation ?? {})) {
    const q = f?.quantity ?? 1;
    if (!TYPE_RE.test(type) || !Number.isInteger(q) || (q as number) < 0 || (q as number) > 100) throw Invalid(`app.json: formation.${type} needs a quantity from 0 to 100`);
    out.formation[type] = q as number;
  }
  const web = j.healthchecks?.web?.[0];
  if (web) {
    const hc: Partial<HealthCheck> = {};
    if (typeof web.path === 'string' && web.path.startsWith('/')) hc.path = web.path;
    if (typeof web.attempts === 'number') hc.attempts = web.attempts;
    if (typeof web.timeout === 'number') hc.timeoutMs = web.timeout * 1000;
    if (typeof web.wait === 'number') hc.waitMs = web.wait * 1000;
    if (typeof web.interval === 'number') hc.intervalMs = web.interval * 1000;
    out.healthcheck = hc;
  }
  if (typeof j.scripts?.predeploy === 'string') out.predeploy = checkCommand(j.scripts.predeploy, 'app.json: scripts.predeploy');
  if (typeof j.scripts?.postdeploy === 'string') out.postdeploy = checkCommand(j.scripts.postdeploy, 'app.json: scripts.postdeploy');
  for (const [k, v] of Object.entries(j.env ?? {})) {
    const value = typeof v === 'string' ? v : (v as { value?: unknown } | null)?.value;
    if (typeof value === 'string') out.env[k] = value;
  }
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
