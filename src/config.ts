// Server configuration: loadConfig() gathers sources (environment, flags); the pure
// parseConfig() validates all of it at once and reports every bad value together.
import { Invalid } from './errors.js';

export interface BaseImages {
  base: string;
  node: string;
  python: string;
  go: string;
  static: string;
}

export interface Config {
  dataDir: string;
  listenHost: string;
  listenPort: number;
  /** Apps answer at <app>.<domain> and <domain>/<owner>/<app>. */
  domain: string;
  /** Port the proxy serves apps on. */
  httpPort: number;
  caddyAdmin: string;
  /** Admin address of the edge Caddy: the one that owns the public port and never reloads on a deploy. */
  caddyEdgeAdmin: string;
  caddyBin: string;
  /**
   * How app hosts get certificates: `acme` (BERTH_ACME_CA, Let's Encrypt by default), `internal`
   * (Caddy's own CA: `berth tls ca` prints its root) or `off` (plain http only). Default:
   * internal for the local domain `localhost`, acme for any other.
   */
  tls: 'acme' | 'internal' | 'off';
  /** Port the proxy serves https on (when tls is not off). */
  httpsPort: number;
  /** Whether plain http answers with a 308 to https (ACME challenges and `tls: false` apps excepted). Default: on with acme. */
  httpsRedirect: boolean;
  /** ACME directory URL. */
  acmeCa: string;
  /** Contact address given to the ACME CA (expiry notices). */
  acmeEmail: string;
  /** A PEM file of CA certificates to trust for the ACME CA's own API (private CAs, tests); '' for the system's. */
  acmeCaRoot: string;
  /** The host the edge routes to Berth's own API, dashboard, git and webhooks, e.g. berth.example.com. */
  apiHost: string;
  /** Loopback address (host:port) of Berth's router: DNS answers (UDP) for the edge's upstream lookups, and the TLS `ask` (TCP). */
  routerAddress: string;
  dockerSocket: string;
  network: string;
  /** IPv4 range each owner's network takes a /24 from. */
  subnetPool: string;
  /** Prefix of every container name Berth creates; lets two instances share an engine. */
  containerPrefix: string;
  images: BaseImages;
  defaultMemoryMb: number;
  defaultCpus: number;
  /** The most an app may ask for per container (berth.yml limits:, `berth settings`). */
  maxMemoryMb: number;
  maxCpus: number;
  maxConcurrentDeploys: number;
  /** A build running longer is stopped and its deploy fails. */
  buildTimeoutSeconds: number;
  /** Memory (and memory + swap) of each build step's container. */
  buildMemoryMb: number;
  /** CPUs each build step's container may use (a CFS quota). */
  buildCpus: number;
  /**
   * Processes a build may run at once: the pids.max of a parent cgroup of its own (the classic
   * builder's API has no pids limit; see infra/docker/build-cgroups.ts), and the nproc ulimit.
   */
  buildProcesses: number;
  /** Each deploy's log keeps its head and its tail within this size; the middle is cut. */
  deployLogMaxMb: number;
  /** How many past deployment images per app are kept for rollbacks. */
  keepImages: number;
  /** After a switch, how long the old release keeps its in-flight requests before SIGTERM. */
  drainSeconds: number;
  /** How often the CPU and memory of running apps is sampled for the dashboard. */
  metricsIntervalSeconds: number;
  /** How long a preview app lives after its last deploy. */
  previewTtlHours: number;
  /**
   * Addresses (IPs or CIDR ranges) of proxies in front of the API whose X-Forwarded-For and
   * X-Forwarded-Proto are believed: the client address for rate limits, https for Secure cookies.
   */
  trustedProxies: string[];
  /**
   * Whether apps also answer at <domain>/<owner>/<app>. Every path-routed app shares that one
   * browser origin (cookies, storage, same-origin reads), so it is on by default only for the
   * local domain `localhost`.
   */
  pathRoutes: boolean;
  /** Hard limits on what one request or app may take, each enforced while the input streams. */
  limits: Limits;
  /** What each owner may have at once unless an admin sets its own (`berth owners quota`). */
  quotas: Quotas;
  /** Lets app containers reach link-local addresses (169.254.0.0/16, cloud instance metadata); by default Berth blocks them and refuses to start if it cannot. */
  allowLinkLocal: boolean;
  /** Lets notification URLs (`berth notify add`) point at loopback and private addresses; link-local ones (cloud metadata) are refused regardless. */
  notifyAllowPrivate: boolean;
  /** Where backups go when no destination is named (default <dataDir>/backups); set by an admin only. */
  backupDir: string;
  /** Lets S3 backup endpoints be loopback or private addresses (a MinIO next door); link-local ones are refused regardless. */
  backupAllowPrivate: boolean;
}

export interface Limits {
  /** Bytes of an uploaded source tarball (compressed). */
  uploadBytes: number;
  /** Bytes of a source once unpacked (the tar stream), and how many entries it may hold. */
  sourceBytes: number;
  sourceFiles: number;
  /** Bytes of one git push (the receive-pack request body). */
  pushBytes: number;
  /** Containers one app may run in all (the sum of its formation). */
  containersPerApp: number;
}

export interface Quotas {
  apps: number;
  previews: number;
  /** One-off `berth run` containers running at once. */
  runs: number;
}

/** Where each setting comes from, by name; flags win over the environment. */
export type ConfigSource = Partial<Record<keyof typeof KEYS, string | undefined>>;

const KEYS = {
  dataDir: 'BERTH_DATA_DIR',
  listen: 'BERTH_LISTEN',
  domain: 'BERTH_DOMAIN',
  httpPort: 'BERTH_HTTP_PORT',
  caddyAdmin: 'BERTH_CADDY_ADMIN',
  caddyEdgeAdmin: 'BERTH_CADDY_EDGE_ADMIN',
  caddyBin: 'BERTH_CADDY_BIN',
  tls: 'BERTH_TLS',
  httpsPort: 'BERTH_HTTPS_PORT',
  httpsRedirect: 'BERTH_HTTPS_REDIRECT',
  acmeCa: 'BERTH_ACME_CA',
  acmeEmail: 'BERTH_ACME_EMAIL',
  acmeCaRoot: 'BERTH_ACME_CA_ROOT',
  apiHost: 'BERTH_API_HOST',
  router: 'BERTH_ROUTER',
  dockerSocket: 'BERTH_DOCKER_SOCKET',
  network: 'BERTH_NETWORK',
  subnetPool: 'BERTH_SUBNET_POOL',
  containerPrefix: 'BERTH_CONTAINER_PREFIX',
  imageBase: 'BERTH_IMAGE_BASE',
  imageNode: 'BERTH_IMAGE_NODE',
  imagePython: 'BERTH_IMAGE_PYTHON',
  imageGo: 'BERTH_IMAGE_GO',
  imageStatic: 'BERTH_IMAGE_STATIC',
  memoryMb: 'BERTH_DEFAULT_MEMORY_MB',
  cpus: 'BERTH_DEFAULT_CPUS',
  maxMemoryMb: 'BERTH_MAX_MEMORY_MB',
  maxCpus: 'BERTH_MAX_CPUS',
  maxConcurrentDeploys: 'BERTH_MAX_CONCURRENT_DEPLOYS',
  buildTimeoutSeconds: 'BERTH_BUILD_TIMEOUT_SECONDS',
  buildMemoryMb: 'BERTH_BUILD_MEMORY_MB',
  buildCpus: 'BERTH_BUILD_CPUS',
  buildProcesses: 'BERTH_BUILD_PROCESSES',
  deployLogMaxMb: 'BERTH_DEPLOY_LOG_MAX_MB',
  keepImages: 'BERTH_KEEP_IMAGES',
  drainSeconds: 'BERTH_DRAIN_SECONDS',
  metricsIntervalSeconds: 'BERTH_METRICS_INTERVAL',
  previewTtlHours: 'BERTH_PREVIEW_TTL_HOURS',
  trustedProxies: 'BERTH_TRUSTED_PROXIES',
  pathRoutes: 'BERTH_PATH_ROUTES',
  allowLinkLocal: 'BERTH_ALLOW_LINK_LOCAL',
  notifyAllowPrivate: 'BERTH_NOTIFY_ALLOW_PRIVATE',
  backupDir: 'BERTH_BACKUP_DIR',
  backupAllowPrivate: 'BERTH_BACKUP_ALLOW_PRIVATE',
  maxUploadMb: 'BERTH_MAX_UPLOAD_MB',
  maxSourceMb: 'BERTH_MAX_SOURCE_MB',
  maxSourceFiles: 'BERTH_MAX_SOURCE_FILES',
  maxPushMb: 'BERTH_MAX_PUSH_MB',
  maxContainersPerApp: 'BERTH_MAX_CONTAINERS_PER_APP',
  quotaApps: 'BERTH_QUOTA_APPS',
  quotaPreviews: 'BERTH_QUOTA_PREVIEWS',
  quotaRuns: 'BERTH_QUOTA_RUNS',
} as const;

export const DEFAULT_IMAGES: BaseImages = {
  base: 'berth/base:bookworm',
  node: 'berth/node:bookworm',
  python: 'berth/python:bookworm',
  go: 'berth/go:bookworm',
  static: 'berth/static:bookworm',
};

/** Reads the environment, then lets explicitly given flags override it. */
export function loadConfig(env: NodeJS.ProcessEnv, flags: ConfigSource = {}): Config {
  const src: ConfigSource = {};
  for (const [key, envName] of Object.entries(KEYS) as [keyof typeof KEYS, string][]) {
    src[key] = flags[key] ?? env[envName];
  }
  return parseConfig(src);
}

const MB = 1024 * 1024;
const NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const IP_OR_CIDR_RE = /^(?:(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?|[0-9a-fA-F:]+(?:\/\d{1,3})?)$/;
const HOST_RE = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
/** Let's Encrypt's production directory; its staging one is https://acme-staging-v02.api.letsencrypt.org/directory. */
export const LETS_ENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';

/** Validates every setting and throws one Invalid error listing all bad values. */
export function parseConfig(src: ConfigSource): Config {
  const problems: string[] = [];
  const int = (key: keyof ConfigSource, fallback: number, min: number, max: number): number => {
    const raw = src[key];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${KEYS[key]}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const num = (key: keyof ConfigSource, fallback: number, min: number, max: number): number => {
    const raw = src[key];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      problems.push(`${KEYS[key]}=${JSON.stringify(raw)}: expected a number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const str = (key: keyof ConfigSource, fallback: string, re?: RegExp, allowed?: string): string => {
    const raw = src[key];
    if (raw === undefined || raw === '') return fallback;
    if (re && !re.test(raw)) {
      problems.push(`${KEYS[key]}=${JSON.stringify(raw)}: expected ${allowed ?? re.source}`);
      return fallback;
    }
    return raw;
  };

  const listen = str('listen', '127.0.0.1:7070', /^[^\s:]+:\d{1,5}$/, 'HOST:PORT, e.g. 127.0.0.1:7070');
  const [listenHost = '127.0.0.1', portText = '7070'] = listen.split(':');
  const listenPort = Number(portText);
  if (listenPort < 0 || listenPort > 65535) problems.push(`${KEYS.listen}=${JSON.stringify(listen)}: port out of range`);

  const bool = (key: keyof ConfigSource, fallback: boolean): boolean => {
    const raw = src[key];
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    problems.push(`${KEYS[key]}=${JSON.stringify(raw)}: expected true or false`);
    return fallback;
  };
  const trustedProxies = (src.trustedProxies ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const t of trustedProxies) {
    if (!IP_OR_CIDR_RE.test(t)) problems.push(`${KEYS.trustedProxies}: ${JSON.stringify(t)} is not an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, ::1)`);
  }
  const domain = str('domain', 'localhost', HOST_RE, 'a host name such as example.com or localhost').toLowerCase();

  const tls = str('tls', domain === 'localhost' ? 'internal' : 'acme', /^(acme|internal|off)$/, 'acme, internal or off') as Config['tls'];

  const dataDir = str('dataDir', '/var/lib/berth', /^\//, 'an absolute path');
  const config: Config = {
    dataDir,
    backupDir: str('backupDir', `${dataDir.replace(/\/+$/, '')}/backups`, /^\//, 'an absolute path'),
    listenHost,
    listenPort,
    domain,
    httpPort: int('httpPort', 80, 1, 65535),
    caddyAdmin: str('caddyAdmin', '127.0.0.1:2019', /^[^\s:/]+:\d{1,5}$/, 'HOST:PORT, e.g. 127.0.0.1:2019'),
    caddyEdgeAdmin: str('caddyEdgeAdmin', '127.0.0.1:2020', /^[^\s:/]+:\d{1,5}$/, 'HOST:PORT, e.g. 127.0.0.1:2020'),
    caddyBin: str('caddyBin', 'caddy'),
    tls,
    httpsPort: int('httpsPort', 443, 1, 65535),
    httpsRedirect: bool('httpsRedirect', tls === 'acme'),
    acmeCa: str('acmeCa', LETS_ENCRYPT, /^https:\/\/\S+$/, 'an https:// ACME directory URL'),
    acmeEmail: str('acmeEmail', '', /^[^\s@]+@[^\s@]+$/, 'an email address'),
    acmeCaRoot: str('acmeCaRoot', '', /^\//, 'an absolute path to a PEM file'),
    apiHost: str('apiHost', `berth.${domain}`, HOST_RE, 'a host name such as berth.example.com').toLowerCase(),
    routerAddress: str('router', '127.0.0.1:2053', /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/, 'a loopback HOST:PORT, e.g. 127.0.0.1:2053'),
    dockerSocket: str('dockerSocket', '/var/run/docker.sock', /^\//, 'an absolute path to the Docker socket'),
    network: str('network', 'berth', NAME_RE, 'a Docker network name (lowercase letters, digits, _ . -)'),
    subnetPool: str('subnetPool', '10.213.0.0/16', /^(\d{1,3}\.){3}\d{1,3}\/(8|9|1\d|2[0-4])$/, 'an IPv4 range of /24 or larger, e.g. 10.213.0.0/16'),
    containerPrefix: str('containerPrefix', 'berth', /^[a-z][a-z0-9-]{0,19}$/, 'lowercase letters, digits and -, at most 20'),
    images: {
      base: str('imageBase', DEFAULT_IMAGES.base),
      node: str('imageNode', DEFAULT_IMAGES.node),
      python: str('imagePython', DEFAULT_IMAGES.python),
      go: str('imageGo', DEFAULT_IMAGES.go),
      static: str('imageStatic', DEFAULT_IMAGES.static),
    },
    defaultMemoryMb: int('memoryMb', 512, 16, 1_048_576),
    defaultCpus: num('cpus', 1, 0.01, 256),
    maxMemoryMb: int('maxMemoryMb', 4096, 16, 1_048_576),
    maxCpus: num('maxCpus', 2, 0.01, 256),
    maxConcurrentDeploys: int('maxConcurrentDeploys', 2, 1, 64),
    buildTimeoutSeconds: int('buildTimeoutSeconds', 900, 5, 86_400),
    buildMemoryMb: int('buildMemoryMb', 2048, 64, 1_048_576),
    buildCpus: num('buildCpus', 1, 0.01, 256),
    buildProcesses: int('buildProcesses', 4096, 64, 1_048_576),
    deployLogMaxMb: int('deployLogMaxMb', 5, 1, 1024),
    keepImages: int('keepImages', 3, 1, 100),
    drainSeconds: int('drainSeconds', 5, 0, 3600),
    metricsIntervalSeconds: int('metricsIntervalSeconds', 30, 1, 3600),
    previewTtlHours: num('previewTtlHours', 72, 0.001, 8760),
    trustedProxies,
    pathRoutes: bool('pathRoutes', domain === 'localhost'),
    allowLinkLocal: bool('allowLinkLocal', false),
    notifyAllowPrivate: bool('notifyAllowPrivate', false),
    backupAllowPrivate: bool('backupAllowPrivate', false),
    limits: {
      uploadBytes: int('maxUploadMb', 512, 1, 1_048_576) * MB,
      sourceBytes: int('maxSourceMb', 2048, 1, 1_048_576) * MB,
      sourceFiles: int('maxSourceFiles', 100_000, 1, 100_000_000),
      pushBytes: int('maxPushMb', 512, 1, 1_048_576) * MB,
      containersPerApp: int('maxContainersPerApp', 20, 1, 1000),
    },
    quotas: {
      apps: int('quotaApps', 50, 0, 1_000_000),
      previews: int('quotaPreviews', 10, 0, 1_000_000),
      runs: int('quotaRuns', 5, 0, 1_000_000),
    },
  };
  if (problems.length > 0) {
    throw Invalid(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return config;
}
