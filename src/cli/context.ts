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

/** The server URL: BERTH_URL, else the user's config file, else the local default. */
export function serverUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_URL) return env.BERTH_URL;
  const file = join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'berth', 'config.json');
  if (existsSync(file)) {
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as { url?: string };
    if (cfg.url) return cfg.url;
  }
  return 'http://127.0.0.1:7070';
}
