// What every CLI command gets: the API client, output streams, and the host-side operations
// the composition root provides (starting the server, building base images).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConfigSource } from '../config.js';
import { ApiClient } from './client.js';

export interface HostOps {
  startServer(flags: ConfigSource): Promise<{ url: string; close(): Promise<void> }>;
  bootstrapImages(p: { mirror?: string | undefined; caFile?: string | undefined; only?: string[] | undefined; force?: boolean; log: (l: string) => void }): Promise<{ built: string[]; cached: string[] }>;
}

export interface CliContext {
  client(): ApiClient;
  out(text: string): void;
  err(text: string): void;
  ops: HostOps;
}

export interface CliConfig {
  url?: string;
  token?: string;
  /** Absolute path of the PEM file `berth login --ca-file` was given: https to `url` also trusts it. */
  caFile?: string;
}

export const configFile = (env: NodeJS.ProcessEnv = process.env): string => join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'berth', 'config.json');

export function readCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const file = configFile(env);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CliConfig) : {};
}

/** The server URL: BERTH_URL, else the user's config file, else the local default. */
export function serverUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_URL ?? readCliConfig(env).url ?? 'http://127.0.0.1:7070';
}

/** The API token: BERTH_TOKEN, else the one `berth login` stored. */
export function serverToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.BERTH_TOKEN ?? readCliConfig(env).token;
}

/**
 * The extra CA file for https: BERTH_CA_FILE, else the one `berth login --ca-file` stored, which
 * belongs to the stored URL only (a BERTH_URL naming another server does not get it).
 */
export function serverCaFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.BERTH_CA_FILE) return env.BERTH_CA_FILE;
  const cfg = readCliConfig(env);
  return env.BERTH_URL === undefined || env.BERTH_URL === cfg.url ? cfg.caFile : undefined;
}
