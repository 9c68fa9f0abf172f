// The words of `berth settings set|unset` (port=8080 memory=512 health.path=/up ...) as the body
// of PATCH /apps/:app/settings, and the settings as `berth settings APP` prints them. Pure.
import type { SettingsChange } from '../domain/apps/release-spec.js';
import type { SettingsView } from '../domain/releases/release-service.js';
import { Invalid } from '../errors.js';

/** The body of PATCH /api/v1/apps/:app/settings; null puts a setting back to its default. */
export type SettingsPatch = SettingsChange;
export type { SettingsView };

type Health = NonNullable<SettingsPatch['healthcheck']>;

const bad = (key: string, what: string, raw: string, example: string) => Invalid(`${key} must be ${what}, got ${JSON.stringify(raw)}`, { hint: `e.g. ${key}=${example}` });

function whole(key: string, raw: string, example: string): number {
  if (!/^\d+$/.test(raw)) throw bad(key, 'a whole number', raw, example);
  return Number(raw);
}

/** Seconds as `5`, `0.5`, `5s` or `500ms`, in milliseconds. */
function millis(key: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?$/i.exec(raw);
  if (!m) throw bad(key, 'a number of seconds', raw, '5');
  const n = Number(m[1]);
  return Math.round(m[2]?.toLowerCase() === 'ms' ? n : n * 1000);
}

/** Megabytes as `512`, `512M`, `512 MB` or `1G`. */
function megabytes(key: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(m|mb|mib|g|gb|gib)?$/i.exec(raw);
  if (!m) throw bad(key, 'a number of megabytes (512, 1G)', raw, '512');
  const n = Number(m[1]) * (/^g/i.test(m[2] ?? '') ? 1024 : 1);
  if (!Number.isInteger(n)) throw bad(key, 'a whole number of megabytes', raw, '512');
  return n;
}

function decimal(key: string, raw: string): number {
  if (!/^(\d+(\.\d+)?|\.\d+)$/.test(raw)) throw bad(key, 'a number', raw, '0.5');
  return Number(raw);
}

/** What each `set` key does to the patch, in the order `berth settings APP` prints them. */
const SETTERS: Record<string, (p: SettingsPatch, raw: string) => void> = {
  port: (p, raw) => (p.port = whole('port', raw, '8080')),
  'health.path': (p, raw) => {
    if (!raw.startsWith('/')) throw bad('health.path', 'a path starting with /', raw, '/up');
    health(p).path = raw;
  },
  'health.timeout': (p, raw) => (health(p).timeoutMs = millis('health.timeout', raw)),
  'health.attempts': (p, raw) => (health(p).attempts = whole('health.attempts', raw, '10')),
  'health.interval': (p, raw) => (health(p).intervalMs = millis('health.interval', raw)),
  memory: (p, raw) => ((p.limits ??= {}).memoryMb = megabytes('memory', raw)),
  cpus: (p, raw) => ((p.limits ??= {}).cpus = decimal('cpus', raw)),
};

function health(p: SettingsPatch): Health {
  return (p.healthcheck ??= {});
}

/** What `unset` takes: the health check goes back to its defaults as a whole. */
const UNSETTERS: Record<string, (p: SettingsPatch) => void> = {
  port: (p) => (p.port = null),
  health: (p) => (p.healthcheck = null),
  memory: (p) => ((p.limits ??= {}).memoryMb = null),
  cpus: (p) => ((p.limits ??= {}).cpus = null),
};

const SET_KEYS = Object.keys(SETTERS);
const UNSET_KEYS = Object.keys(UNSETTERS);

/** Whether a word names a setting (so it is not an app's name in `berth settings unset port`). */
export const isSettingsKey = (word: string): boolean => word in SETTERS || word in UNSETTERS;

/** `port=8080 health.path=/up memory=512` as a patch; each key at most once. */
export function parseSettingsSet(words: string[]): SettingsPatch {
  if (words.length === 0) throw Invalid('name what to set, e.g. port=8080', { hint: `settings: ${SET_KEYS.join(', ')}` });
  const patch: SettingsPatch = {};
  const seen = new Set<string>();
  for (const w of words) {
    const i = w.indexOf('=');
    if (i <= 0) throw Invalid(`expected SETTING=VALUE, got ${JSON.stringify(w)}`, { hint: `settings: ${SET_KEYS.join(', ')}` });
    const key = w.slice(0, i);
    const set = SETTERS[key];
    if (!set) throw Invalid(`unknown setting ${JSON.stringify(key)}`, { hint: `settings: ${SET_KEYS.join(', ')}` });
    if (seen.has(key)) throw Invalid(`${key} is given twice`);
    seen.add(key);
    set(patch, w.slice(i + 1).trim());
  }
  return patch;
}

/** `port memory health` as a patch putting each back to its default. */
export function parseSettingsUnset(words: string[]): SettingsPatch {
  if (words.length === 0) throw Invalid('name what to unset, e.g. port', { hint: `settings: ${UNSET_KEYS.join(', ')}` });
  const patch: SettingsPatch = {};
  for (const w of words) {
    const unset = UNSETTERS[w];
    if (unset) unset(patch);
    else if (w.startsWith('health.')) throw Invalid(`the health check goes back to its defaults as a whole: unset health, not ${w}`, { hint: `or set ${w} to the value you want` });
    else throw Invalid(`unknown setting ${JSON.stringify(w)}`, { hint: `settings: ${UNSET_KEYS.join(', ')}` });
  }
  return patch;
}

const seconds = (ms: number) => `${ms / 1000}s`;

/**
 * The settings as `berth settings APP` prints them, in the words `set` takes: name, value, and
 * whether it is the app's own or the server's default.
 */
export function settingsLines(s: SettingsView): [string, string, string][] {
  const from = (own: boolean) => (own ? 'set' : 'default');
  const hc = (k: keyof SettingsView['healthcheck']) => from(s.own.healthcheck.includes(k));
  return [
    ['port', s.port === null ? "- (the image's EXPOSE)" : String(s.port), from(s.own.port)],
    ['health.path', s.healthcheck.path, hc('path')],
    ['health.timeout', seconds(s.healthcheck.timeoutMs), hc('timeoutMs')],
    ['health.attempts', String(s.healthcheck.attempts), hc('attempts')],
    ['health.interval', seconds(s.healthcheck.intervalMs), hc('intervalMs')],
    ['memory', `${s.limits.memoryMb}MB`, from(s.own.memoryMb)],
    ['cpus', String(s.limits.cpus), from(s.own.cpus)],
  ];
}
