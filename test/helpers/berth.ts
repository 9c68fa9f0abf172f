// Runs real Berth for integration and e2e tests: the server as a child process (so tests can
// SIGKILL it), the CLI as the user would, and Docker through its own CLI for assertions.
// Everything carries the test prefix, and stale leftovers of earlier runs are cleared first.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'berth');
export const TEST = {
  httpPort: 18080,
  httpsPort: 18443,
  router: '127.0.0.1:12053',
  caddyAdmin: '127.0.0.1:12019',
  caddyEdgeAdmin: '127.0.0.1:12020',
  network: 'berth-test',
  prefix: 'berthtest',
} as const;
export const PROXY = `http://127.0.0.1:${TEST.httpPort}`;
/** The admin token every test server is bootstrapped with (BERTH_ADMIN_TOKEN). */
export const TEST_TOKEN = 'berthtest_admin_token_0123456789abcdefghijklmnop';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export const docker = (...args: string[]) => run('docker', args);

/** Names of containers (any state) whose name starts with the prefix. */
export async function containersNamed(prefix: string): Promise<string[]> {
  const r = await docker('ps', '-a', '--format', '{{.Names}}', '--filter', `name=^${prefix}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** repo:tag of images in the repository prefix. */
export async function imagesNamed(prefix: string): Promise<string[]> {
  const r = await docker('images', '--format', '{{.Repository}}:{{.Tag}}');
  return r.stdout.split('\n').filter((l) => l.startsWith(prefix));
}

/** repo:tag of Berth's images of an app (`<prefix>/<owner>/<app>/<instance>:d<N>`), of one deployment when given. */
export async function appImages(owner: string, app: string, deploymentId?: number): Promise<string[]> {
  return (await imagesNamed(`${TEST.prefix}/${owner}/${app}/`)).filter((t) => deploymentId === undefined || t.endsWith(`:d${deploymentId}`));
}

/** Removes containers and images earlier test runs may have left behind. */
export async function clearStale(): Promise<void> {
  const names = await containersNamed(`${TEST.prefix}-`);
  if (names.length > 0) await docker('rm', '-f', ...names);
  const images = await imagesNamed(`${TEST.prefix}/`);
  if (images.length > 0) await docker('rmi', '-f', ...images);
  // Owner networks: each suite starts without them, so it sees them made as a fresh server would.
  const nets = (await docker('network', 'ls', '--filter', `name=^${TEST.network}-`, '--format', '{{.Name}}')).stdout.split('\n').filter(Boolean);
  if (nets.length > 0) await docker('network', 'rm', ...nets);
  // Named volumes of test apps (<prefix>-<owner>.<app>.<name>): after the containers that mount them.
  const vols = (await docker('volume', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter((v) => v.startsWith(`${TEST.prefix}-`));
  if (vols.length > 0) await docker('volume', 'rm', '-f', ...vols);
}

/** Every file under `dir` (recursively), as paths: what a local backup directory holds. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface TestServer {
  url: string;
  dataDir: string;
  proc: ChildProcess;
  output(): string;
  /** Stops the server with the signal and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same data directory and port. */
  restart(): Promise<TestServer>;
  /** The CLI, pointed at this server, logged in as the admin. */
  cli(args: string[], opts?: { cwd?: string; token?: string }): Promise<Run>;
  /** fetch() of an API path, as the admin (or with `token`, or none when null). */
  fetch(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
}

export async function startTestServer(opts: { dataDir?: string; port?: number; env?: Record<string, string> } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-test-'));
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    BERTH_DATA_DIR: dataDir,
    BERTH_LISTEN: `127.0.0.1:${port}`,
    BERTH_HTTP_PORT: String(TEST.httpPort),
    BERTH_HTTPS_PORT: String(TEST.httpsPort),
    BERTH_ROUTER: TEST.router,
    BERTH_CADDY_ADMIN: TEST.caddyAdmin,
    BERTH_CADDY_EDGE_ADMIN: TEST.caddyEdgeAdmin,
    BERTH_NETWORK: TEST.network,
    BERTH_CONTAINER_PREFIX: TEST.prefix,
    BERTH_LOG_LEVEL: 'warn',
    BERTH_ADMIN_TOKEN: TEST_TOKEN,
    ...opts.env,
  };
  const proc = spawn(process.execPath, [BIN, 'server'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`berth server exited ${proc.exitCode}: ${out}`);
    try {
      const r = await fetch(`${url}/api/v1/health`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`berth server did not come up: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const server: TestServer = {
    url,
    dataDir,
    proc,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
    restart: () => startTestServer({ dataDir, port, ...(opts.env ? { env: opts.env } : {}) }),
    cli: (args, o = {}) => run(process.execPath, [BIN, ...args], { cwd: o.cwd ?? ROOT, env: { ...process.env, BERTH_URL: url, BERTH_TOKEN: o.token ?? TEST_TOKEN } }),
    fetch: (path, init = {}) => {
      const { token, ...rest } = init;
      const auth: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token ?? TEST_TOKEN}` };
      return fetch(`${url}${path}`, { ...rest, headers: { ...auth, ...(rest.headers as Record<string, string> | undefined) } });
    },
  };
  return server;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Stops the test Caddies (routing and edge) through their admin APIs (any test server may have started them). */
export async function stopTestProxy(): Promise<void> {
  await Promise.all([TEST.caddyAdmin, TEST.caddyEdgeAdmin].map(stopCaddy));
  await stopTestRouter();
}

/** Ends the router process a test server started (found by its command line: router-main.js on the test address), by PID. */
async function stopTestRouter(): Promise<void> {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => a.endsWith('router-main.js')) && argv.includes(TEST.router);
    } catch {
      return false;
    }
  });
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const end = Date.now() + 5000;
  while (pids.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

async function stopCaddy(admin: string): Promise<void> {
  try {
    await fetch(`http://${admin}/stop`, { method: 'POST', signal: AbortSignal.timeout(5000) });
  } catch {
    return; // not running
  }
  // /stop answers before Caddy has let go of its ports: wait until the admin API is gone.
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    const up = await fetch(`http://${admin}/config/`, { signal: AbortSignal.timeout(500) }).then(() => true, () => false);
    if (!up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Fails fast with a clear message when the base images the examples need are missing. */
export async function requireBaseImages(): Promise<void> {
  const r = await docker('image', 'inspect', 'berth/base:bookworm', 'berth/node:bookworm', 'berth/python:bookworm');
  if (r.code !== 0) throw new Error('base images missing: run `berth images bootstrap` (scripts/test does) before the e2e suites');
}

/** A fresh test server for one suite: base images checked, stale leftovers cleared first. */
export async function bootServer(opts: { images?: boolean; env?: Record<string, string> } = {}): Promise<TestServer> {
  if (opts.images !== false) await requireBaseImages();
  await clearStale();
  return startTestServer(opts.env ? { env: opts.env } : {});
}

/**
 * Stops a suite's server and the proxy, removes the containers, images and owner networks the
 * suite made (at the end too, not only at the next suite's start), its data and any scratch folders.
 */
export async function shutdownServer(server: TestServer | undefined, ...scratch: string[]): Promise<void> {
  await server?.stop();
  await stopTestProxy();
  await clearStale();
  for (const dir of scratch) removeDir(dir);
  if (server) removeDir(server.dataDir);
}
