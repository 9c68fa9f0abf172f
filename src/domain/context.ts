// What domain services receive from the composition root (src/main.ts): every collaborator
// is passed in, none is constructed at import time.
import type { Config } from '../config.js';
import type { Db } from '../infra/db/database.js';
import type { CronRunRow } from '../infra/db/rows.js';
import type { LogStore } from '../infra/logs/log-store.js';
import type { SecretBox } from '../infra/secrets/secret-box.js';
import type { JobQueue } from './job-queue.js';
import type { BackupDestination, BackupStore, EdgeCertificates, ImageStore, LogStreams, Networks, RouteApplier, Scheduler } from './ports.js';

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface Deps {
  config: Config;
  db: Db;
  /** Runs the processes (the local Docker Engine today). */
  scheduler: Scheduler;
  images: ImageStore;
  streams: LogStreams;
  networks: Networks;
  /** The proxy: routes put in force at the edge. */
  proxy: RouteApplier;
  /** The edge's certificates; absent where nothing serves https (unit tests). */
  certificates?: EdgeCertificates;
  logs: LogStore;
  jobs: JobQueue;
  logger: Logger;
  /** Seals config vars at rest. */
  secrets: SecretBox;
  /** Identifies what this Berth created on a shared Docker Engine (label berth.instance). */
  instanceId: string;
  /** The edge Caddy and the router as the proxy watch (routing/proxy-watch.ts) last saw them; absent while nothing watches. */
  proxyStatus?: () => Record<'edge' | 'router', 'up' | 'down' | 'restarting'>;
  /** The last certificate failure of a host (tls/tls-watch.ts); absent while nothing watches. */
  tlsFailure?: (host: string) => { error: string; at: string; retryAt: number } | undefined;
  /** Web containers failing an app.json readiness check (health/health-watch.ts): not routed. Absent while nothing watches. */
  unreadyContainers?: () => ReadonlySet<string>;
  /** Starts a scheduled job now (cron/cron-runner.ts); absent while no scheduler runs. */
  cronRunNow?: (appName: string, jobId: string) => Promise<CronRunRow>;
  /** POSTs one notification (infra/notify/http-sender.ts: no redirects, a deadline, addresses checked as they resolve); absent where nothing sends. */
  /** The store of a backup destination (infra/backup-store); absent where nothing keeps backups (unit tests). */
  backupStore?: (d: BackupDestination) => BackupStore;
  notifySend?: (r: { url: string; body: string; headers: Record<string, string>; signal?: AbortSignal }) => Promise<{ status: number }>;
}

/** Labels every Berth container and image carries. */
export const LABELS = {
  instance: 'berth.instance',
  app: 'berth.app',
  owner: 'berth.owner',
  deployment: 'berth.deployment',
  process: 'berth.process',
} as const;
