// A release's spec: what its containers run with besides the image and the config vars. A
// build makes one from the app's source (berth.yml over app.json over what the app had); a
// config change, restart, settings change or rollback takes the running one (or the rolled-back
// release's) and changes what it says. The spec is stored with the deployment and applied to the
// app's row only in the transaction that makes the deployment live, so a deploy that fails
// changes nothing the running app shows. Pure: no I/O.
import { Invalid } from '../../errors.js';
import type { AppRow, HealthCheckSettings, LimitSettings, ReleaseSpec } from '../../infra/db/rows.js';
import type { Manifest } from './manifest.js';
import { type AppJson, type Processes, quantityOf } from './procfile.js';

export type { ReleaseSpec } from '../../infra/db/rows.js';

/** The spec the app runs with now (its row holds the applied spec), with these processes. */
export function specOfApp(app: AppRow, processes: Processes): ReleaseSpec {
  return {
    processes,
    formation: app.formation,
    port: app.port,
    healthcheck: app.healthcheck,
    env: app.env,
    domains: app.domains,
    capabilities: app.capabilities,
    limits: app.limits,
    tls: app.tls,
    hsts: app.hsts,
    cron: app.cron,
    volumes: app.volumes,
  };
}

/**
 * The spec a build of this source makes: berth.yml over app.json over what the app has. Env is
 * the manifests' own (config vars are the place for values set by hand); domains and
 * capabilities the manifest leaves out stay as they are; app.json's formation fills in the
 * quantities nobody chose with `berth scale`.
 */
export function specOfSource(app: AppRow, processes: Processes, m: Manifest | null, j: AppJson | undefined): ReleaseSpec {
  // Scheduled jobs are app.json's own: an entry (or the file) removed is a job gone.
  const base = { ...specOfApp(app, processes), cron: j?.cron ?? [] };
  // app.json's health checks are its own too: a check (or the file) removed is a check gone.
  if (!m && !j) return { ...base, healthcheck: withChecks(app.healthcheck, undefined) };
  return {
    ...base,
    port: m?.port ?? app.port,
    healthcheck: withChecks(m?.healthcheck ?? j?.healthcheck ?? app.healthcheck, j?.checks),
    env: { ...(j?.env ?? {}), ...(m?.env ?? {}) },
    domains: m?.domains ?? app.domains,
    capabilities: m ? (m.capabilities ?? []) : app.capabilities,
    formation: j && Object.keys(j.formation).length > 0 ? { ...j.formation, ...app.formation } : app.formation,
    limits: m?.limits ? { ...app.limits, ...m.limits } : app.limits,
    // The manifest's own, like env: a `tls: false` removed from berth.yml brings https back.
    tls: m ? (m.tls ?? true) : app.tls,
    hsts: m ? (m.hsts ?? false) : app.hsts,
    // The manifest's own too: a volume removed from berth.yml is no longer mounted (its data stays in Docker).
    volumes: m ? (m.volumes ?? {}) : app.volumes,
  };
}

/** Health check settings with app.json's checks (none: no `checks` key). */
function withChecks(hc: HealthCheckSettings, checks: HealthCheckSettings['checks']): HealthCheckSettings {
  const { checks: _, ...rest } = hc;
  return checks && checks.length > 0 ? { ...rest, checks } : rest;
}

/** The app as it runs with `spec`: what the containers of a release not yet live are made from. */
export function appWithSpec(app: AppRow, spec: ReleaseSpec): AppRow {
  const { processes: _, ...fields } = spec;
  return { ...app, ...fields };
}

/** What a user may change by hand (`berth settings`, the dashboard); null: back to the default. */
export interface SettingsChange {
  port?: number | null;
  healthcheck?: HealthCheckSettings | null;
  limits?: LimitSettings | null;
}

/** The settings a user may change by hand; app.json's `checks` come with the source. */
type HealthSetting = Exclude<keyof HealthCheckSettings, 'checks'>;

const HEALTH_BOUNDS: Record<HealthSetting, [min: number, max: number, unit: string]> = {
  path: [0, 0, ''],
  timeoutMs: [1, 120_000, 'ms'],
  attempts: [1, 1000, ''],
  intervalMs: [0, 60_000, 'ms'],
  waitMs: [0, 600_000, 'ms'],
};

/** Checks a settings change against the server's ceilings; throws Invalid listing every problem. */
export function checkSettings(c: SettingsChange, max: { memoryMb: number; cpus: number }): void {
  const problems: string[] = [];
  if (c.port !== undefined && c.port !== null && !(Number.isInteger(c.port) && c.port >= 1 && c.port <= 65535)) problems.push('port must be a whole number from 1 to 65535');
  for (const [k, v] of Object.entries(c.healthcheck ?? {}) as [HealthSetting, unknown][]) {
    if (!(k in HEALTH_BOUNDS)) problems.push(`health check has no setting ${k}`);
    else if (k === 'path') {
      if (typeof v !== 'string' || !/^\/[^\s]{0,1023}$/.test(v)) problems.push('health check path must start with / and contain no spaces');
    } else {
      const [lo, hi, unit] = HEALTH_BOUNDS[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) problems.push(`health check ${k} must be a whole number from ${lo} to ${hi}${unit ? ` ${unit}` : ''}`);
    }
  }
  const l = c.limits ?? {};
  for (const k of Object.keys(l)) if (k !== 'memoryMb' && k !== 'cpus') problems.push(`limits have no setting ${k}`);
  if (l.memoryMb !== undefined && l.memoryMb !== null && !(Number.isInteger(l.memoryMb) && l.memoryMb >= 16 && l.memoryMb <= max.memoryMb)) {
    problems.push(`memory must be a whole number of MB from 16 to ${max.memoryMb} (this server's BERTH_MAX_MEMORY_MB)`);
  }
  if (l.cpus !== undefined && l.cpus !== null && !(typeof l.cpus === 'number' && l.cpus >= 0.01 && l.cpus <= max.cpus)) {
    problems.push(`cpus must be from 0.01 to ${max.cpus} (this server's BERTH_MAX_CPUS)`);
  }
  if (problems.length > 0) throw Invalid(problems.join('; '));
}

/** The spec with a settings change applied (null fields go back to the default). */
export function applySettings(spec: ReleaseSpec, c: SettingsChange): ReleaseSpec {
  const limits = c.limits === null ? {} : c.limits ? dropNulls({ ...spec.limits, ...c.limits }) : spec.limits;
  return {
    ...spec,
    ...(c.port !== undefined ? { port: c.port } : {}),
    ...(c.healthcheck !== undefined ? { healthcheck: c.healthcheck === null ? withChecks({}, spec.healthcheck.checks) : { ...spec.healthcheck, ...c.healthcheck } } : {}),
    limits,
  };
}

function dropNulls<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;
}

/** Checks that limits a manifest asks for are within the server's ceilings. */
export function checkLimits(limits: LimitSettings, max: { memoryMb: number; cpus: number }, where: string): void {
  try {
    checkSettings({ limits }, max);
  } catch (e) {
    throw Invalid(`${where}: ${(e as Error).message}`);
  }
}

const HEALTH_WORDS: Record<HealthSetting, string> = { path: 'path', timeoutMs: 'timeout', attempts: 'attempts', intervalMs: 'interval', waitMs: 'wait' };

/**
 * What changed from one release's spec to the next, in a few words each, e.g.
 * `port 3000→8080`, `+DOMAIN a.example`, `env +FOO`, `web 1→2`. Nothing when `prev` is unknown.
 */
export function specChanges(prev: ReleaseSpec | null | undefined, next: ReleaseSpec): string[] {
  if (!prev) return [];
  const out: string[] = [];
  const shown = (v: string | number | null | undefined) => (v === null || v === undefined ? 'default' : String(v));
  if (prev.port !== next.port) out.push(`port ${shown(prev.port)}→${shown(next.port)}`);
  for (const k of Object.keys(HEALTH_WORDS) as HealthSetting[]) {
    if (prev.healthcheck[k] !== next.healthcheck[k]) out.push(`health ${HEALTH_WORDS[k]} ${shown(prev.healthcheck[k])}→${shown(next.healthcheck[k])}`);
  }
  const [checksBefore, checksAfter] = [prev.healthcheck.checks ?? [], next.healthcheck.checks ?? []];
  if (JSON.stringify(checksBefore) !== JSON.stringify(checksAfter)) out.push(checksBefore.length === checksAfter.length ? 'health checks changed' : `health checks ${checksBefore.length}→${checksAfter.length}`);
  if ((prev.limits.memoryMb ?? null) !== (next.limits.memoryMb ?? null)) out.push(`memory ${shown(prev.limits.memoryMb)}→${shown(next.limits.memoryMb)}${next.limits.memoryMb ? ' MB' : ''}`);
  if ((prev.limits.cpus ?? null) !== (next.limits.cpus ?? null)) out.push(`cpus ${shown(prev.limits.cpus)}→${shown(next.limits.cpus)}`);
  if ((prev.tls ?? true) !== (next.tls ?? true)) out.push(`https ${next.tls === false ? 'off' : 'on'}`);
  if ((prev.hsts ?? false) !== (next.hsts ?? false)) out.push(`hsts ${next.hsts ? 'on' : 'off'}`);
  out.push(...setChanges('DOMAIN', prev.domains, next.domains), ...setChanges('CAP', prev.capabilities, next.capabilities));
  const [volsBefore, volsAfter] = [prev.volumes ?? {}, next.volumes ?? {}];
  out.push(...setChanges('VOLUME', Object.keys(volsBefore), Object.keys(volsAfter)));
  for (const v of Object.keys(volsAfter).filter((v) => v in volsBefore && volsBefore[v] !== volsAfter[v])) out.push(`VOLUME ${v} ${volsBefore[v]}→${volsAfter[v]}`);
  const env = [...setChanges('', Object.keys(prev.env), Object.keys(next.env)), ...Object.keys(next.env).filter((k) => k in prev.env && prev.env[k] !== next.env[k]).map((k) => `~${k}`)];
  if (env.length > 0) out.push(`env ${env.join(' ')}`);
  const types = (s: ReleaseSpec) => Object.keys(s.processes).filter((t) => t !== 'release');
  out.push(...setChanges('process', types(prev), types(next)));
  for (const t of types(next).filter((t) => types(prev).includes(t))) {
    const a = quantityOf(t, prev.formation);
    const b = quantityOf(t, next.formation);
    if (a !== b) out.push(`${t} ${a}→${b}`);
  }
  return out;
}

/** `+LABEL x` for each added, `-LABEL x` for each removed (no label: `+x`). */
function setChanges(label: string, before: string[], after: string[]): string[] {
  const sep = label ? ' ' : '';
  return [...after.filter((x) => !before.includes(x)).map((x) => `+${label}${sep}${x}`), ...before.filter((x) => !after.includes(x)).map((x) => `-${label}${sep}${x}`)];
}
