// The app the current folder belongs to: the name and owner in its berth.yml (berth.yaml,
// berth.json). `berth deploy` deploys that app; every other command that takes an APP uses it
// when the APP is left out (see infer-app.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateAppName, validateOwnerName } from '../domain/apps/names.js';
import { Invalid } from '../errors.js';

export const MANIFEST_FILES = ['berth.yml', 'berth.yaml', 'berth.json'];
const IDENTITY_KEYS = ['name', 'app_name', 'owner', 'owner_id'];

/**
 * The identity keys of a berth.yml whose identity lines are plain `key: value` scalars (the
 * usual case), without loading the YAML parser, which costs every command ~30 ms of start-up.
 * Returns undefined when a key is written any other way, and the real parser decides.
 */
export function plainIdentity(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const key = /^([a-z_]+)\s*:/.exec(line)?.[1];
    if (!key || !IDENTITY_KEYS.includes(key)) continue;
    const m = /^[a-z_]+\s*:\s*(["']?)([A-Za-z0-9][A-Za-z0-9_.-]*)\1\s*(#.*)?$/.exec(line);
    if (!m) return undefined;
    out[key] = m[2]!;
  }
  return out;
}

/**
 * The name and owner the folder's manifest gives, if any. Only these are read here; the server
 * validates the whole manifest when it builds (the full schema validator is heavy).
 */
export async function manifestIdentity(dir: string): Promise<{ name?: string; owner?: string; file?: string }> {
  for (const f of MANIFEST_FILES) {
    const p = join(dir, f);
    if (!existsSync(p)) continue;
    const text = readFileSync(p, 'utf8');
    let raw: unknown = f.endsWith('.json') ? undefined : plainIdentity(text);
    try {
      if (raw === undefined) raw = f.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text);
    } catch (e) {
      throw Invalid(`${f}: cannot be parsed: ${(e as Error).message.split('\n')[0]}`);
    }
    const m = (raw ?? {}) as Record<string, unknown>;
    const name = m.name ?? m.app_name;
    const owner = m.owner ?? m.owner_id;
    return {
      file: f,
      ...(name !== undefined ? { name: validateAppName(name) } : {}),
      ...(owner !== undefined ? { owner: validateOwnerName(owner) } : {}),
    };
  }
  return {};
}

/** The app a folder's manifest names, as commands take it: `owner/name`, or `name` without an owner. */
export async function folderApp(dir: string): Promise<string | undefined> {
  const m = await manifestIdentity(dir);
  if (!m.name) return undefined;
  return m.owner ? `${m.owner}/${m.name}` : m.name;
}
