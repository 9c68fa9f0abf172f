// What each kind of add-on is (image, port, data directory, the config var it sets, its URL),
// and how add-ons, their containers and volumes are named. Pure: no I/O (addon-service.ts does it).
import { randomBytes } from 'node:crypto';
import { Invalid } from '../../errors.js';
import type { AddonType } from '../../infra/db/addons-repo.js';

export type { AddonType };

export interface AddonKind {
  /** The folder of its image's recipe under images/, and the image's repository name. */
  image: string;
  version: string;
  port: number;
  /** Where the image keeps its data: the add-on's volume is mounted here. */
  dataDir: string;
  /** The config var its URL is set as on the apps it is attached to. */
  envVar: string;
  /** The client `berth addons psql|redis-cli` runs. */
  client: string;
}

export const ADDON_KINDS: Record<AddonType, AddonKind> = {
  postgres: { image: 'postgres', version: '15', port: 5432, dataDir: '/var/lib/postgresql/data', envVar: 'DATABASE_URL', client: 'psql' },
  redis: { image: 'redis', version: '7', port: 6379, dataDir: '/var/lib/redis/data', envVar: 'REDIS_URL', client: 'redis-cli' },
};

export const ADDON_TYPES = Object.keys(ADDON_KINDS) as AddonType[];

export function addonType(value: string): AddonType {
  if (!(ADDON_TYPES as string[]).includes(value)) throw Invalid(`unknown add-on type ${JSON.stringify(value.slice(0, 40))}; choose from ${ADDON_TYPES.join(', ')}`);
  return value as AddonType;
}

/** The app-name rule: 2-30 lowercase letters, digits and single dashes. */
const NAME_RE = /^[a-z][a-z0-9-]{0,28}[a-z0-9]$/;

export function validateAddonName(value: string): string {
  if (!NAME_RE.test(value) || value.includes('--')) {
    throw Invalid(`add-on name ${JSON.stringify(value.slice(0, 40))} is not allowed: use 2-30 lowercase letters, digits and single dashes, starting with a letter and ending with a letter or digit`);
  }
  return value;
}

/** A name when none is given: the type and six random hex digits, e.g. postgres-3f9a1c. */
export const defaultAddonName = (type: AddonType, random = randomBytes(3).toString('hex')): string => `${type}-${random}`;

/**
 * The add-on's container: also its host name on the owner's network (Docker's DNS answers
 * container names there, and only there). Add-on names are unique across owners, so the
 * owner is not needed to tell them apart.
 */
export const addonContainerName = (prefix: string, name: string): string => `${prefix}-addon-${name}`;
export const addonVolumeName = (prefix: string, name: string): string => `${prefix}-addon-${name}-data`;

/** The database and user of a PostgreSQL add-on: its name with _ for - (no quoting needed anywhere). */
export const pgIdentifier = (name: string): string => name.replace(/-/g, '_');

/** A password for URLs: hex, so it never needs escaping. */
export const generatePassword = (): string => randomBytes(24).toString('hex');

/** The URL an app gets, e.g. postgres://shop_db:PASS@berth-addon-shop-db:5432/shop_db. */
export function addonUrl(a: { type: AddonType; name: string }, host: string, password: string): string {
  const k = ADDON_KINDS[a.type];
  if (a.type === 'postgres') return `postgres://${pgIdentifier(a.name)}:${password}@${host}:${k.port}/${pgIdentifier(a.name)}`;
  return `redis://:${password}@${host}:${k.port}`;
}

export const MASKED_PASSWORD = '********';

/** The URL with its password masked, for lists and info. */
export const maskedUrl = (a: { type: AddonType; name: string }, host: string): string => addonUrl(a, host, MASKED_PASSWORD);

/** The container's environment: what its start script reads to make the database on first start. */
export function addonEnv(a: { type: AddonType; name: string }, password: string): Record<string, string> {
  if (a.type === 'postgres') return { POSTGRES_USER: pgIdentifier(a.name), POSTGRES_DB: pgIdentifier(a.name), POSTGRES_PASSWORD: password };
  return { REDIS_PASSWORD: password };
}

/**
 * The client's argument vector and environment for `berth addons psql|redis-cli NAME -- ARGS`:
 * the password goes in the environment (PGPASSWORD, REDISCLI_AUTH), not on the command line.
 */
export function clientCommand(a: { type: AddonType; name: string }, host: string, password: string, args: string[]): { cmd: string[]; env: Record<string, string> } {
  const k = ADDON_KINDS[a.type];
  if (a.type === 'postgres') {
    return { cmd: ['psql', '-h', host, '-p', String(k.port), '-U', pgIdentifier(a.name), '-d', pgIdentifier(a.name), '-v', 'ON_ERROR_STOP=1', ...args], env: { PGPASSWORD: password } };
  }
  return { cmd: ['redis-cli', '-h', host, '-p', String(k.port), ...args], env: { REDISCLI_AUTH: password } };
}
