// The only door to Caddy. Berth runs two (see route-table.ts for why): the routing Caddy, whose
// whole config Berth applies atomically on every route change (POST /load, read back, the
// previous one put back on failure), and the edge Caddy on the public port, whose fixed config
// only changes with the port. Each is started, detached, when nothing answers on its admin
// address, so apps keep being served while Berth restarts; isUp/restart let the proxy watch
// (domain/routing/proxy-watch.ts) start a dead one again while Berth runs.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, openSync, readFileSync, renameSync, writeFileSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Unavailable, messageOf } from '../../errors.js';
import { edgeConfig, type CaddyConfig } from './route-table.js';

export interface CaddyParams {
  /** The routing Caddy's admin address. */
  adminAddress: string;
  /** The edge Caddy's admin address. */
  edgeAdminAddress: string;
  /** The public HTTP port the edge serves. */
  httpPort: number;
  caddyBin: string;
  /** Where Berth keeps both Caddies' last applied configs, pid files, logs, data and the socket between them. */
  stateDir: string;
  startTimeoutMs?: number;
}

/** Which of the two Caddy processes: `edge` on the public port, `routing` behind the unix socket. */
export type ProxyRole = 'edge' | 'routing';

function readConfigFile(file: string): CaddyConfig {
  return JSON.parse(readFileSync(file, 'utf8')) as CaddyConfig;
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );

/** A unix socket path must fit in sun_path (108 bytes on Linux, with its terminating NUL). */
const MAX_SOCKET_PATH = 107;

/** One Caddy process: its admin API, and the files Berth keeps for it under `name`. */
class CaddyInstance {
  private readonly base: string;
  private readonly configFile: string;
  /** scripts/demo stop reads it: <state>/<name>.pid. */
  private readonly pidFile: string;
  private readonly logFile: string;

  constructor(
    private readonly name: string,
    private readonly adminAddress: string,
    private readonly p: CaddyParams,
  ) {
    this.base = `http://${adminAddress}`;
    this.configFile = join(p.stateDir, `${name}.json`);
    this.pidFile = join(p.stateDir, `${name}.pid`);
    this.logFile = join(p.stateDir, `${name}.log`);
  }

  /**
   * One admin API call on a fresh connection. Caddy replaces its admin server on a config load,
   * closing the connections it had: a kept-alive one reused for the read-back would be reset.
   */
  admin(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.base}${path}`,
        { method, agent: false, timeout: timeoutMs, headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${this.adminAddress} within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async isRunning(timeoutMs = 2000): Promise<boolean> {
    // The admin section only: the whole routing config grows with every app.
    return this.admin('GET', '/config/admin', undefined, timeoutMs).then(
      (r) => r.status === 200,
      () => false,
    );
  }

  /**
   * The process Berth last started for this Caddy, if it is still alive and still that Caddy
   * (its command line names this config file): a pid file can outlive its process, and the pid
   * be reused by another program.
   */
  private livePid(): number | null {
    try {
      const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 1) return null;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmdline.includes(this.configFile) ? pid : null;
    } catch {
      return null;
    }
  }

  /**
   * Starts this Caddy again from `cfg` (or, without one, its last applied config). A process of
   * it that is still alive but no longer answers its admin API is killed first: a second Caddy
   * could not take over its listeners.
   */
  async restart(cfg?: CaddyConfig): Promise<void> {
    if (await this.isRunning()) return;
    const hung = this.livePid();
    if (hung !== null) {
      process.kill(hung, 'SIGKILL');
      const end = Date.now() + 2000;
      while (this.livePid() === hung && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    }
    if (cfg) this.writeConfigFile(cfg);
    await this.ensureRunning(cfg ?? readConfigFile(this.configFile));
  }

  /** The config this Caddy runs now; asked up to three times, as the admin server may be restarting. */
  async current(): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.admin('GET', '/config/');
        if (r.status !== 200) throw Unavailable(`Caddy (${this.name}) admin API answered ${r.status}`);
        return JSON.parse(r.text) as unknown;
      } catch (e) {
        if (attempt >= 3) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Starts this Caddy from its last applied config, or `initial`, unless it is running. */
  async ensureRunning(initial: CaddyConfig): Promise<void> {
    if (await this.isRunning()) return;
    mkdirSync(this.p.stateDir, { recursive: true, mode: 0o700 });
    if (!existsSync(this.configFile)) this.writeConfigFile(initial);
    const logFd = openSync(this.logFile, 'a');
    const home = join(this.p.stateDir, `${this.name}-home`);
    let child;
    try {
      child = spawn(this.p.caddyBin, ['run', '--config', this.configFile], {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: { ...process.env, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config'), HOME: home },
      });
    } finally {
      closeSync(logFd);
    }
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    child.unref();
    if (child.pid) writeFileSync(this.pidFile, String(child.pid), { mode: 0o600 });
    const deadline = Date.now() + (this.p.startTimeoutMs ?? 15_000);
    while (Date.now() < deadline) {
      // Polled often: while a killed Caddy is started again, requests wait for it.
      const err = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 25))]);
      if (err) throw Unavailable(`cannot start Caddy (${this.p.caddyBin}): ${err.message}`, { hint: 'install it with scripts/setup-host' });
      if (child.exitCode !== null) break;
      if (await this.isRunning(1000)) return;
    }
    throw Unavailable(`Caddy (${this.name}) did not start on ${this.adminAddress}: ${this.tailLog()}`, { hint: `see ${this.logFile}` });
  }

  private tailLog(): string {
    try {
      const lines = readFileSync(this.logFile, 'utf8').trim().split('\n');
      return lines.slice(-3).join(' | ').slice(0, 600);
    } catch {
      return 'no log';
    }
  }

  private writeConfigFile(cfg: CaddyConfig): void {
    mkdirSync(this.p.stateDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.configFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(cfg, null, 2), { mode: 0o600 });
    renameSync(tmp, this.configFile);
  }

  /**
   * Makes this Caddy run `cfg`: started with it, or loaded (atomic in Caddy: a config that fails
   * to load leaves the old one running), read back, and the previous one put back on a mismatch.
   */
  async apply(cfg: CaddyConfig): Promise<void> {
    // Asking for the config is also the check that Caddy runs: one round trip per switch.
    let previous = await this.current().catch(() => null);
    if (previous === null) {
      await this.ensureRunning(cfg);
      previous = await this.current().catch(() => null);
    }
    if (previous && canonical(previous) === canonical(cfg)) return;
    const fail = async (why: string): Promise<never> => {
      if (previous) await this.admin('POST', '/load', previous).catch(() => undefined);
      throw Unavailable(`the proxy rejected the new routes: ${why}`);
    };
    let r: { status: number; text: string };
    try {
      r = await this.admin('POST', '/load', cfg);
    } catch (e) {
      return fail(messageOf(e));
    }
    if (r.status !== 200) return fail(`${r.status} ${r.text.slice(0, 300)}`);
    const now = await this.current().catch(() => null);
    if (canonical(now) !== canonical(cfg)) return fail('the config read back differs from the one sent');
    this.writeConfigFile(cfg);
  }
}

export class CaddyProxy {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly routes: CaddyInstance;
  private readonly edge: CaddyInstance;
  /** Where the routing Caddy listens for the edge. */
  readonly routesListen: string;
  /** The edge's whole config: fixed for this server's life. */
  private readonly edgeCfg: CaddyConfig;

  constructor(p: CaddyParams) {
    const socket = join(p.stateDir, 'routes.sock');
    if (socket.length > MAX_SOCKET_PATH) {
      throw Unavailable(`the proxy socket path ${socket} is longer than ${MAX_SOCKET_PATH} bytes`, { hint: 'use a shorter BERTH_DATA_DIR' });
    }
    this.routesListen = `unix/${socket}`;
    this.routes = new CaddyInstance('caddy', p.adminAddress, p);
    this.edge = new CaddyInstance('caddy-edge', p.edgeAdminAddress, p);
    this.edgeCfg = edgeConfig({ adminListen: p.edgeAdminAddress, httpPort: p.httpPort, routes: this.routesListen });
  }

  /**
   * Makes the routing Caddy run the config `build` returns (from routeTable, listening on
   * routesListen), then makes sure the edge runs in front of it. Changes run one at a time, and
   * each config is built when its turn comes: two syncs racing never apply an older table last.
   */
  apply(build: () => CaddyConfig | Promise<CaddyConfig>): Promise<void> {
    const run = this.queue.then(async () => {
      await this.routes.apply(await build());
      // After the routes: a routing Caddy from before the edge existed held the public port.
      await this.edge.apply(this.edgeCfg);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Whether this Caddy answers its admin API within `timeoutMs`. Asked up to three times, 100 ms
   * apart: Caddy replaces its admin server on every config load, and a question asked just then
   * is refused although Caddy serves on.
   */
  async isUp(role: ProxyRole, timeoutMs = 500): Promise<boolean> {
    const caddy = role === 'edge' ? this.edge : this.routes;
    for (let attempt = 1; ; attempt++) {
      if (await caddy.isRunning(timeoutMs)) return true;
      if (attempt >= 3) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Starts a Caddy that stopped answering again: the routing Caddy with the last route table it
   * ran, the edge with its fixed config. Runs in turn with route changes, so it never races a
   * load; a Caddy found answering by then is left alone.
   */
  restart(role: ProxyRole): Promise<void> {
    const run = this.queue.then(() => (role === 'edge' ? this.edge.restart(this.edgeCfg) : this.routes.restart()));
    this.queue = run.catch(() => undefined);
    return run;
  }
}
