// The shapes of rows as the rest of Berth sees them (camelCase, JSON columns parsed).
// The status unions live here because rows carry them; their transitions live in domain/.

export type BuildStatus = 'pending' | 'fetching' | 'building' | 'succeeded' | 'failed';
export type DeploymentStatus = 'pending' | 'starting' | 'running' | 'unhealthy' | 'failed' | 'stopped';
export type SourceKind = 'upload' | 'git' | 'image';

export interface HealthCheckSettings {
  path?: string;
  timeoutMs?: number;
  attempts?: number;
  intervalMs?: number;
  waitMs?: number;
  /** app.json `healthchecks` (Dokku's): every check of every process type; absent: none. */
  checks?: ProcessCheckSettings[];
}

/** One app.json health check, as parsed (domain/apps/procfile.ts parseAppJson); times in ms. */
export interface ProcessCheckSettings {
  /** The process type whose containers it probes (the key it is listed under). */
  process: string;
  /** startup: gates the deploy; liveness: restarts a container failing it; readiness: takes a web container out of the proxy. */
  type: 'startup' | 'liveness' | 'readiness';
  name: string;
  description?: string;
  path: string;
  /** A string the response body must contain. */
  content?: string;
  initialDelayMs: number;
  /** Between attempts (Dokku's `wait`). */
  intervalMs: number;
  timeoutMs: number;
  attempts: number;
  /** The container port probed; absent: $PORT. */
  port?: number;
}

/** Per-container resource limits; null or absent: the server's default (BERTH_DEFAULT_MEMORY_MB, BERTH_DEFAULT_CPUS). */
export interface LimitSettings {
  memoryMb?: number | null;
  cpus?: number | null;
}

/**
 * Everything a release's containers run with besides the image and the config vars. A build
 * makes one; it is stored with the deployment and the release, and applied to the app's row in
 * the transaction that makes the deployment live (domain/releases/release-spec.ts).
 */
export interface ReleaseSpec {
  /** Process type -> command ('' = the image's own CMD); `release` runs once per deploy. */
  processes: Record<string, string>;
  formation: Record<string, number>;
  /** The port the app says it listens on; null: the image's EXPOSE, else 8080. */
  port: number | null;
  healthcheck: HealthCheckSettings;
  /** Env from the manifests (berth.yml over app.json); config vars override it. */
  env: Record<string, string>;
  domains: string[];
  capabilities: string[];
  limits: LimitSettings;
  /** false: the app opted out of https (berth.yml `tls: false`); absent in specs from before. */
  tls?: boolean;
  /** Whether responses carry Strict-Transport-Security (berth.yml `hsts: true`). */
  hsts?: boolean;
  /** Scheduled jobs (app.json `cron`); absent in specs from before them: the app's stay as they are. */
  cron?: CronJobSpec[];
  /** Named volumes (berth.yml `volumes`): name -> absolute mount path; absent in specs from before them: the app's stay. */
  volumes?: Record<string, string>;
}

/** One scheduled job of a release (app.json `cron`), its id derived from schedule and command (domain/apps/cron-schedule.ts). */
export interface CronJobSpec {
  id: string;
  /** 5-field cron or @hourly/@daily/@weekly/@monthly/@yearly, in UTC. */
  schedule: string;
  command: string;
}

export type CronRunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** One run of a scheduled job: its exit code and the tail of its output. */
export interface CronRunRow {
  id: number;
  appId: number;
  jobId: string;
  /** schedule: a due time came; manual: `berth cron run`. */
  trigger: 'schedule' | 'manual';
  status: CronRunStatus;
  exitCode: number | null;
  /** Why it failed besides its exit code (could not start, timed out, Berth stopped). */
  error: string | null;
  /** The last CRON_OUTPUT_BYTES of what it printed. */
  output: string;
  startedAt: string;
  finishedAt: string | null;
}

export interface AppRow {
  id: number;
  name: string;
  owner: string;
  port: number | null;
  healthcheck: HealthCheckSettings;
  env: Record<string, string>;
  domains: string[];
  /** Linux capabilities the app declares (granted only while its owner is allowed them). */
  capabilities: string[];
  /** Desired containers per process type, e.g. { web: 3, worker: 1 }; types not named run 1. */
  formation: Record<string, number>;
  limits: LimitSettings;
  /** false: no certificate, served on plain http only (berth.yml `tls: false`). */
  tls: boolean;
  /** Responses over https carry Strict-Transport-Security (berth.yml `hsts: true`). */
  hsts: boolean;
  /**
   * The deployment the proxy routes the app to while a deploy's switch is not yet recorded
   * (null: the current one). Durable, so a restart mid-switch routes by it, then clears it.
   */
  routingDeploymentId: number | null;
  /** The branch whose pushes (and webhook events) deploy the app. */
  deployBranch: string;
  /** The webhook secret, sealed (SecretBox); null until one is made. */
  webhookSecret: string | null;
  /** Previews: the app this one previews, its pull request, and when it goes away. */
  parentAppId: number | null;
  prNumber: number | null;
  expiresAt: string | null;
  /** The next stage of the app's pipeline (`berth promote` deploys its image there). */
  promoteToAppId: number | null;
  /** Whether previews of pull requests from forks get this app's config (an admin's choice). */
  forkConfig: boolean;
  /** The scheduled jobs of the live release (app.json `cron`). */
  cron: CronJobSpec[];
  /** The named volumes of the live release (berth.yml `volumes`): name -> mount path in every container. */
  volumes: Record<string, string>;
  currentDeploymentId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface BuildRow {
  id: number;
  appId: number;
  sourceKind: SourceKind;
  source: string;
  status: BuildStatus;
  image: string | null;
  error: string | null;
  /** sha256 of the source and the build inputs; equal digests build equal images. */
  sourceDigest: string | null;
  createdAt: string;
  finishedAt: string | null;
  /** Ids of the images the build's steps made, as the builder named them. */
  stepImages: string[];
}

export interface DeploymentRow {
  id: number;
  appId: number;
  buildId: number;
  image: string | null;
  port: number | null;
  status: DeploymentStatus;
  reason: string | null;
  containers: string[];
  /** Process type -> command ('' = the image's own CMD). */
  processes: Record<string, string>;
  /** What the release runs with; null for deployments made before specs existed, or not yet built. */
  spec: ReleaseSpec | null;
  createdAt: string;
  updatedAt: string;
}

export interface EventRow {
  id: number;
  appId: number | null;
  /** The owner an event of no app is about (add-on backups); null for most events. */
  owner: string | null;
  subject: string;
  kind: string;
  message: string;
  createdAt: string;
}

export interface ReleaseRow {
  id: number;
  appId: number;
  version: number;
  deploymentId: number | null;
  image: string;
  /** Sealed JSON of the config vars this release runs with. */
  config: string;
  description: string;
  /** What the release ran with; null for releases made before specs existed. */
  spec: ReleaseSpec | null;
  createdAt: string;
}

export type Role = 'admin' | 'member' | 'viewer';

export interface UserRow {
  id: number;
  name: string;
  role: Role;
  createdAt: string;
}

export interface TokenRow {
  id: number;
  userId: number;
  name: string;
  /** SHA-256 of the token, hex: the token itself is never stored. */
  hash: string;
  /** The first characters, so a user can tell tokens apart. */
  prefix: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface OwnerRow {
  name: string;
  /** Custom domains the owner's apps may use: each entry allows itself and its subdomains. */
  domains: string[];
  /** Linux capabilities the owner's apps may declare (all others stay dropped). */
  capabilities: string[];
  /** Quotas an admin set for this owner; null: the server's default. */
  quotas: OwnerQuotas;
  createdAt: string;
}

export interface OwnerQuotas {
  apps: number | null;
  previews: number | null;
  /** One-off runs at once. */
  runs: number | null;
}

export interface SessionRow {
  id: number;
  userId: number;
  hash: string;
  csrf: string;
  expiresAt: string;
  createdAt: string;
  /** The API token the session was opened with (null: a password login); it ends with the token. */
  tokenId: number | null;
}
