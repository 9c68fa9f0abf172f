// Config vars: validated, sealed at rest, and changed only by rolling out a new release, so
// what `berth config` shows is always what the running release has.
import { Invalid } from '../../errors.js';
import { ENV_KEY_RE } from '../apps/manifest.js';
import type { Deps } from '../context.js';

export type ConfigVars = Record<string, string>;

const MAX_VALUE = 32 * 1024;
const RESERVED = new Set(['PORT']);
export const MASK = '********';

/** The app's config vars in clear text. */
export function readConfig(deps: Deps, appId: number): ConfigVars {
  return Object.fromEntries(Object.entries(deps.db.configVars.all(appId)).map(([k, v]) => [k, deps.secrets.open(v)]));
}

/** The whole set sealed as one value, for a release's snapshot. */
export const sealSnapshot = (deps: Deps, cfg: ConfigVars): string => deps.secrets.seal(JSON.stringify(cfg));
export const openSnapshot = (deps: Deps, sealed: string): ConfigVars => JSON.parse(deps.secrets.open(sealed)) as ConfigVars;

/** Stores the set, each value sealed. Call inside the transaction that makes it current. */
export function storeConfig(deps: Deps, appId: number, cfg: ConfigVars): void {
  deps.db.configVars.replace(appId, Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, deps.secrets.seal(v)])));
}

export interface ConfigChange {
  set?: Record<string, string> | undefined;
  unset?: string[] | undefined;
}

/** The config after the change; throws Invalid naming every bad key or value. */
export function applyChange(current: ConfigVars, change: ConfigChange): ConfigVars {
  const problems: string[] = [];
  const set = change.set ?? {};
  const unset = change.unset ?? [];
  if (Object.keys(set).length === 0 && unset.length === 0) throw Invalid('nothing to change: give KEY=VALUE pairs to set or KEY names to unset');
  for (const key of [...Object.keys(set), ...unset]) {
    if (!ENV_KEY_RE.test(key) || key.length > 200) problems.push(`${JSON.stringify(key.slice(0, 60))} is not a valid variable name (letters, digits and _, not starting with a digit)`);
    else if (RESERVED.has(key)) problems.push(`${key} is set by Berth (the port is set with port: in berth.yml)`);
  }
  for (const [key, value] of Object.entries(set)) {
    if (typeof value !== 'string') problems.push(`${key}: the value must be a string`);
    else if (value.length > MAX_VALUE) problems.push(`${key}: the value is ${value.length} bytes; the limit is ${MAX_VALUE}`);
    else if (value.includes('\0')) problems.push(`${key}: the value holds a NUL byte`);
  }
  if (problems.length > 0) throw Invalid(`invalid config change: ${problems.join('; ')}`);
  const next = { ...current, ...set };
  for (const key of unset) delete next[key];
  return next;
}

/** Values masked unless the caller asked to see them. */
export function presentConfig(cfg: ConfigVars, reveal: boolean): ConfigVars {
  return reveal ? cfg : Object.fromEntries(Object.keys(cfg).map((k) => [k, MASK]));
}

/** A release's description for a config change: names the keys, never the values. */
export function describeChange(change: ConfigChange): string {
  const parts = [];
  if (change.set && Object.keys(change.set).length > 0) parts.push(`set ${Object.keys(change.set).join(', ')}`);
  if (change.unset && change.unset.length > 0) parts.push(`unset ${change.unset.join(', ')}`);
  return `config ${parts.join('; ')}`;
}

