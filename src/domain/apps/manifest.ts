// The app manifest, berth.yml or berth.json: what an app says about itself. Parsing is pure;
// it accepts the seed platform's backenderer.yml keys (app_name, owner_id, container_port) too.
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { Invalid, messageOf } from '../../errors.js';
import { normalizeCapabilities } from '../policy/grants.js';
import { validateAppName, validateOwnerName } from './names.js';
import { volumeProblems } from './volumes.js';

export interface HealthCheck {
  path: string;
  timeoutMs: number;
  attempts: number;
  intervalMs: number;
  waitMs: number;
}

export interface Manifest {
  /** Forces the stack when there is no Dockerfile. */
  runtime?: 'node' | 'python' | 'go' | 'static';
  /** The app's folder inside the repository (monorepos), e.g. services/api. */
  root?: string;
  /** The web command, over the Procfile and package.json. */
  start?: string;
  /** A build command run in the image, over package.json scripts.build. */
  build?: string;
  name?: string;
  owner?: string;
  port?: number;
  healthcheck?: Partial<HealthCheck>;
  env: Record<string, string>;
  /** Custom domains; absent means "leave the app's domains as they are". */
  domains?: string[];
  /** Linux capabilities the app needs (granted only where an admin allows its owner them). */
  capabilities?: string[];
  /** Per-container limits (memory in MB); absent: leave the app's as they are. */
  limits?: { memoryMb?: number; cpus?: number };
  /** false: no certificate, plain http only. Absent: https. */
  tls?: boolean;
  /** Strict-Transport-Security on every https response. Absent: off. */
  hsts?: boolean;
  /** Named volumes kept across deploys: name -> absolute mount path (apps/volumes.ts). */
  volumes?: Record<string, string>;
}

export const DEFAULT_HEALTHCHECK: HealthCheck = { path: '/', timeoutMs: 3000, attempts: 20, intervalMs: 1000, waitMs: 0 };

export const MANIFEST_FILES = ['berth.yml', 'berth.yaml', 'berth.json'] as const;

export const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** C0 (newline, carriage return and tab included), DEL and C1: none belongs in a command. */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\x00-\x1f\x7f-\x9f]/;
const commandProblem = (where: string) => `${where} must be one line without control characters`;

/**
 * Refuses a command with a control character: a newline in `build:` would start a new line of
 * the generated Dockerfile. `where` names the file and key, e.g. "berth.yml: start".
 */
export function checkCommand(command: string, where: string): string {
  if (CONTROL_RE.test(command)) throw Invalid(commandProblem(where));
  return command;
}

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Seconds = (max: number) => Type.Number({ minimum: 0, maximum: max });

const ManifestSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    app_name: Type.Optional(Type.String()),
    owner: Type.Optional(Type.String()),
    owner_id: Type.Optional(Type.String()),
    port: Type.Optional(Port),
    container_port: Type.Optional(Port),
    healthcheck: Type.Optional(
      Type.Object(
        {
          path: Type.Optional(Type.String({ pattern: '^/[^\\s]*$', maxLength: 1024 })),
          timeout: Type.Optional(Seconds(120)),
          attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          interval: Type.Optional(Seconds(60)),
          wait: Type.Optional(Seconds(600)),
        },
        { additionalProperties: false },
      ),
    ),
    env: Type.Optional(Type.Record(Type.String(), Scalar)),
    runtime: Type.Optional(Type.Union([Type.Literal('node'), Type.Literal('python'), Type.Literal('go'), Type.Literal('static')])),
    root: Type.Optional(Type.String({ pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9._/-]{1,200}$' })),
    start: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    build: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    domains: Type.Optional(Type.Array(Type.String({ pattern: '^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$' }), { maxItems: 50 })),
    capabilities: Type.Optional(Type.Array(Type.String({ pattern: '^(CAP_)?[A-Za-z_]{2,30}$' }), { maxItems: 20 })),
    tls: Type.Optional(Type.Boolean()),
    hsts: Type.Optional(Type.Boolean()),
    volumes: Type.Optional(Type.Record(Type.String(), Type.String())),
    limits: Type.Optional(
      Type.Object(
        { memory: Type.Optional(Type.Integer({ minimum: 16, maximum: 1_048_576 })), cpus: Type.Optional(Type.Number({ minimum: 0.01, maximum: 256 })) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
type RawManifest = Static<typeof ManifestSchema>;

/** Parses manifest text; `file` names the source in every error. Throws Invalid listing all problems. */
export function parseManifest(text: string, file: string): Manifest {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw Invalid(`${file}: cannot be parsed: ${messageOf(e).split('\n')[0]}`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw Invalid(`${file}: expected a mapping of settings`);

  const problems = [...Value.Errors(ManifestSchema, raw)]
    .filter((e) => e.keyword !== 'boolean')
    .map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` (${(e.params).additionalProperties.join(', ')})` : '';
      return `${e.instancePath === '' ? '(top level)' : e.instancePath.slice(1).replaceAll('/', '.')}: ${e.message}${extra}`;
    });
  const env = (raw as { env?: unknown }).env;
  if (env && typeof env === 'object') {
    for (const key of Object.keys(env)) {
      if (!ENV_KEY_RE.test(key)) problems.push(`env.${key}: not a valid variable name (letters, digits and _, not starting with a digit)`);
    }
  }
  const volumes = (raw as { volumes?: unknown }).volumes;
  if (volumes && typeof volumes === 'object' && !Array.isArray(volumes)) problems.push(...volumeProblems(volumes as Record<string, unknown>));
  for (const key of ['start', 'build'] as const) {
    const command = (raw as Record<string, unknown>)[key];
    if (typeof command === 'string' && CONTROL_RE.test(command)) problems.push(commandProblem(key));
  }
  if (problems.length > 0) throw Invalid(`${file}: ${problems.join('; ')}`);
  const m = raw as RawManifest;

  const out: Manifest = {
    env: Object.fromEntries(Object.entries(m.env ?? {}).map(([k, v]) => [k, String(v)])),
  };
  if (m.domains) out.domains = m.domains;
  try {
    if (m.capabilities) out.capabilities = normalizeCapabilities(m.capabilities);
  } catch (e) {
    throw Invalid(`${file}: capabilities: ${messageOf(e)}`);
  }
  const name = m.name ?? m.app_name;
  const owner = m.owner ?? m.owner_id;
  const port = m.port ?? m.container_port;
  try {
    if (name !== undefined) out.name = validateAppName(name);
    if (owner !== undefined) out.owner = validateOwnerName(owner);
  } catch (e) {
    throw Invalid(`${file}: ${messageOf(e)}`);
  }
  if (port !== undefined) out.port = port;
  if (m.runtime !== undefined) out.runtime = m.runtime;
  if (m.root !== undefined) out.root = m.root.replace(/\/+$/, '');
  if (m.start !== undefined) out.start = m.start;
  if (m.build !== undefined) out.build = m.build;
  if (m.healthcheck) {
    const h = m.healthcheck;
    const hc: Partial<HealthCheck> = {};
    if (h.path !== undefined) hc.path = h.path;
    if (h.timeout !== undefined) hc.timeoutMs = Math.round(h.timeout * 1000);
    if (h.attempts !== undefined) hc.attempts = h.attempts;
    if (h.interval !== undefined) hc.intervalMs = Math.round(h.interval * 1000);
    if (h.wait !== undefined) hc.waitMs = Math.round(h.wait * 1000);
    out.healthcheck = hc;
  }
  if (m.tls !== undefined) out.tls = m.tls;
  if (m.hsts !== undefined) out.hsts = m.hsts;
  if (m.volumes !== undefined) out.volumes = m.volumes;
  if (m.tls === false && m.hsts === true) throw Invalid(`${file}: hsts: true needs https; it cannot go with tls: false`);
  if (m.limits) out.limits = { ...(m.limits.memory !== undefined ? { memoryMb: m.limits.memory } : {}), ...(m.limits.cpus !== undefined ? { cpus: m.limits.cpus } : {}) };
  return out;
}

/** The health check an app gets: its own settings over the defaults. */
export function resolveHealthCheck(partial: (Partial<HealthCheck> & { checks?: unknown }) | undefined): HealthCheck {
  // app.json's checks (settings.checks) are run apart from this one: health/startup-checks.ts.
  const { checks: _, ...own } = partial ?? {};
  return { ...DEFAULT_HEALTHCHECK, ...own };
}
