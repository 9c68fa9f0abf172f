// The only door to the proxy: the edge Caddy on the public ports and Berth's router process
// (router-server.ts) it asks for upstreams and certificate permission. The edge's config is
// fixed (edge-config.ts: it changes only with Berth's own settings); a route change is a new
// table put into the router, which the edge sees within REFRESH_MS, so no deploy reloads Caddy.
// Both run detached, started when they do not answer, so apps keep being served while Berth
// restarts; isUp/restart let the proxy watch (domain/routing/proxy-watch.ts) start a dead one
// again while Berth runs.
import { request, type IncomingMessage } from 'node:http';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Unavailable, messageOf } from '../../errors.js';
import { edgeConfig, type CaddyConfig, type EdgeParams } from './edge-config.js';
import { FailureLog, storedCertificate, type CertificateFailure, type CertificateInfo } from './certificates.js';
import { killAndWait, livePid, spawnDetached, tailLog, waitUntilUp } from './detached.js';
import { controlSocket } from './router-server.js';
import { routerTable, type RoutedApp, type RouterTable } from './router-table.js';

export interface CaddyParams {
  /** The edge Caddy's admin address. */
  edgeAdminAddress: string;
  /**
   * Admin address of the routing Caddy older Berths ran behind the edge: stopped at start when
   * what answers there is that Caddy (its one server listens on <stateDir>/routes.sock).
   */
  legacyRoutingAdmin?: string;
  caddyBin: string;
  /** Where Berth keeps the edge's last applied config, pid files, logs and the router's table. */
  stateDir: string;
  /** Everything of the edge's config but its admin address (edge-config.ts). */
  edge: Omit<EdgeParams, 'adminListen'>;
  /** Hosts that get a certificate although no app has them (the API host). */
  certHosts: string[];
  startTimeoutMs?: number;
}

/** Which proxy process: `edge` (Caddy on the public ports) or `router` (Berth's lookups and pages). */
export type ProxyRole = 'edge' | 'router';

function readConfigFile(file: string): CaddyConfig {
  return JSON.parse(readFileSync(file, 'utf8')) as CaddyConfig;
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );

/**
 * One HTTP call with a JSON body on a fresh connection, to an admin API (`URL`) or a unix socket.
 * Fresh: Caddy replaces its admin server on a config load, closing the connections it had, so a
 * kept-alive one reused for the read-back would be reset.
 */
function call(target: URL | { socketPath: string; path: string }, method: string, body: unknown, timeoutMs: number, who: string): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const opts = { method, agent: false, timeout: timeoutMs, headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req = target instanceof URL ? request(target, opts, onResponse) : request({ ...target, ...opts }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${who} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

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
    private readonly p: { stateDir: string; caddyBin: string; startTimeoutMs?: number },
  ) {
    this.base = `http://${adminAddress}`;
    this.configFile = join(p.stateDir, `${name}.json`);
    this.pidFile = join(p.stateDir, `${name}.pid`);
    this.logFile = join(p.stateDir, `${name}.log`);
  }

  /** One admin API call, on a fresh connection (see call()). */
  admin(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; text: string }> {
    return call(new URL(`${this.base}${path}`), method, body, timeoutMs, this.adminAddress);
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
    return livePid(this.pidFile, (argv) => argv.includes(this.configFile));
  }

  /**
   * Starts this Caddy again from `cfg` (or, without one, its last applied config). A process of
   * it that is still alive but no longer answers its admin API is killed first: a second Caddy
   * could not take over its listeners.
   */
  async restart(cfg?: CaddyConfig): Promise<void> {
    if (await this.isRunning()) return;
    const hung = this.livePid();
    if (hung !== null) await killAndWait(hung, () => this.livePid());
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
    const home = join(this.p.stateDir, `${this.name}-home`);
    const child = spawnDetached(this.p.caddyBin, ['run', '--config', this.configFile], {
      logFile: this.logFile,
      pidFile: this.pidFile,
      env: { ...process.env, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config'), HOME: home },
    });
    const outcome = await waitUntilUp(child, () => this.isRunning(1000), this.p.startTimeoutMs ?? 15_000);
    if (outcome === 'up') return;
    if (outcome instanceof Error) throw Unavailable(`cannot start Caddy (${this.p.caddyBin}): ${outcome.message}`, { hint: 'install it with scripts/setup-host' });
    throw Unavailable(`Caddy (${this.name}) did not start on ${this.adminAddress}: ${tailLog(this.logFile)}`, { hint: `see ${this.logFile}` });
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

/** One call on the router's control socket. */
async function control(socketPath: string, method: string, path: string, body?: unknown, timeoutMs = 2000): Promise<{ status: number; json: unknown }> {
  const r = await call({ socketPath, path }, method, body, timeoutMs, 'the router');
  return { status: r.status, json: JSON.parse(r.text) as unknown };
}

/** Berth's router process (router-main.ts), started detached like Caddy. */
class RouterProcess {
  private readonly socket: string;
  private readonly pidFile: string;
  private readonly logFile: string;
  private readonly args: string[];

  constructor(private readonly p: { stateDir: string; listen: string; redirect: boolean; httpsPort: number; startTimeoutMs?: number }) {
    this.socket = controlSocket(p.stateDir);
    if (this.socket.length > MAX_SOCKET_PATH) {
      throw Unavailable(`the router's socket path ${this.socket} is longer than ${MAX_SOCKET_PATH} bytes`, { hint: 'use a shorter BERTH_DATA_DIR' });
    }
    this.pidFile = join(p.stateDir, 'router.pid');
    this.logFile = join(p.stateDir, 'router.log');
    const main = fileURLToPath(new URL('./router-main.js', import.meta.url));
    this.args = [main, '--listen', p.listen, '--state', p.stateDir, '--redirect', String(p.redirect), '--https-port', String(p.httpsPort)];
  }

  /** The running router's health, or null when none answers. */
  async health(timeoutMs = 1000): Promise<{ version: number; pid: number } | null> {
    try {
      const r = await control(this.socket, 'GET', '/health', undefined, timeoutMs);
      return r.status === 200 ? (r.json as { version: number; pid: number }) : null;
    } catch {
      return null;
    }
  }

  /** The pid of a router Berth started for this state directory, if it is alive. */
  private livePid(): number | null {
    return livePid(this.pidFile, (argv) => argv.includes(this.args[0]!) && argv.includes(this.p.stateDir));
  }

  /** Starts the router unless one answers, started with these settings; any other of ours is killed first. */
  async ensureRunning(): Promise<void> {
    const old = this.livePid();
    // Its command line is its settings: a Berth restarted with new ones replaces it.
    const same = old !== null && livePid(this.pidFile, (argv) => argv.filter(Boolean).slice(1).join(' ') === this.args.join(' ')) === old;
    if ((old === null || same) && (await this.health())) return;
    if (old !== null) await killAndWait(old, () => this.livePid());
    mkdirSync(this.p.stateDir, { recursive: true, mode: 0o700 });
    const child = spawnDetached(process.execPath, this.args, { logFile: this.logFile, pidFile: this.pidFile });
    const outcome = await waitUntilUp(child, async () => (await this.health(500)) !== null, this.p.startTimeoutMs ?? 15_000);
    if (outcome === 'up') return;
    throw Unavailable(`Berth's router did not start on ${this.p.listen}: ${outcome instanceof Error ? outcome.message : tailLog(this.logFile)}`, { hint: `see ${this.logFile}` });
  }

  /** The table the router serves, or null when none answers. */
  async table(): Promise<RouterTable | null> {
    try {
      const r = await control(this.socket, 'GET', '/table');
      return r.status === 200 ? (r.json as RouterTable) : null;
    } catch {
      return null;
    }
  }

  /** Puts a table in force; returns how long until the edge has certainly dropped the answers it changed. */
  async put(table: RouterTable): Promise<number> {
    const r = await control(this.socket, 'PUT', '/table', table, 5000);
    if (r.status !== 200) throw Unavailable(`the router refused the route table: ${JSON.stringify(r.json)}`);
    return (r.json as { settleMs: number }).settleMs;
  }
}

export class CaddyProxy {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly edge: CaddyInstance;
  private readonly router: RouterProcess;
  /** The edge's whole config: fixed for this server's life. */
  private readonly edgeCfg: CaddyConfig;
  private version = 0;
  /** The last table put in force: a restarted router gets it again. */
  private last: RouterTable | null = null;
  /** Host -> epoch ms: certificate requests for it back off until then. */
  private readonly refused: Record<string, number> = {};
  private legacyChecked = false;
  private readonly failureLog: FailureLog;

  constructor(private readonly p: CaddyParams) {
    this.edge = new CaddyInstance('caddy-edge', p.edgeAdminAddress, p);
    this.failureLog = new FailureLog(join(p.stateDir, 'caddy-edge.log'));
    this.router = new RouterProcess({ stateDir: p.stateDir, listen: p.edge.router, redirect: p.edge.redirect, httpsPort: p.edge.httpsPort, startTimeoutMs: p.startTimeoutMs });
    this.edgeCfg = edgeConfig({ ...p.edge, adminListen: p.edgeAdminAddress });
  }

  /**
   * Puts the routes `build` returns in force: a new table in the router, then (once) the edge's
   * fixed config. Resolves when the edge certainly uses them: after a change of a name the edge
   * had cached, that takes up to REFRESH_MS. Changes run one at a time, each table built when
   * its turn comes, so two syncs racing never apply an older table last.
   */
  apply(build: () => Promise<RoutedApp[]>): Promise<void> {
    return this.inTurn(async () => {
      const apps = await build();
      await this.router.ensureRunning();
      if (this.version === 0) {
        // A Berth that restarts carries on from the router's table: its version, and its backoffs.
        const running = await this.router.table();
        this.version = running?.version ?? 0;
        const now = Date.now();
        for (const [h, until] of Object.entries(running?.refused ?? {})) if (until > now) this.refused[h] ??= until;
      }
      const table = routerTable(apps, { certHosts: this.p.certHosts, version: ++this.version, refused: this.activeRefusals() });
      const settle = await this.router.put(table);
      this.last = table;
      await this.edge.apply(this.edgeCfg);
      await this.stopLegacyRouting();
      if (settle > 0) await new Promise((r) => setTimeout(r, settle + 20));
    });
  }

  /** Runs `fn` after every change asked before it, one at a time; a failure is its caller's alone. */
  private inTurn(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The certificate the edge holds for `host`, or null. */
  certificate(host: string): CertificateInfo | null {
    return storedCertificate(this.p.edge.storageDir, host);
  }

  /** ACME failures the edge has logged since the last call. */
  failures(): CertificateFailure[] {
    return this.failureLog.read();
  }

  /** The router refuses certificates for `host` until `untilMs` (epoch ms), so the edge stops asking the CA. */
  backOff(host: string, untilMs: number): Promise<void> {
    this.refused[host.toLowerCase()] = untilMs;
    return this.inTurn(async () => {
      if (!this.last) return;
      const table = { ...this.last, version: ++this.version, refused: this.activeRefusals() };
      await this.router.put(table);
      this.last = table;
    });
  }

  private activeRefusals(): Record<string, number> {
    const now = Date.now();
    for (const [h, until] of Object.entries(this.refused)) if (until <= now) delete this.refused[h];
    return { ...this.refused };
  }

  /** An older Berth's routing Caddy (behind a unix socket) is no longer needed once the edge runs this config. */
  private async stopLegacyRouting(): Promise<void> {
    if (this.legacyChecked || !this.p.legacyRoutingAdmin) return;
    this.legacyChecked = true;
    const legacy = new CaddyInstance('caddy', this.p.legacyRoutingAdmin, this.p);
    const cfg = (await legacy.current().catch(() => null)) as { apps?: { http?: { servers?: Record<string, { listen?: string[] }> } } } | null;
    const listens = Object.values(cfg?.apps?.http?.servers ?? {}).flatMap((s) => s.listen ?? []);
    if (listens.length > 0 && listens.every((l) => l === `unix/${join(this.p.stateDir, 'routes.sock')}`)) {
      await legacy.admin('POST', '/stop').catch(() => undefined);
    }
  }

  /**
   * Whether this proxy process answers within `timeoutMs`. The edge is asked up to three times,
   * 100 ms apart: Caddy replaces its admin server on a config load.
   */
  async isUp(role: ProxyRole, timeoutMs = 500): Promise<boolean> {
    if (role === 'router') return (await this.router.health(timeoutMs)) !== null;
    for (let attempt = 1; ; attempt++) {
      if (await this.edge.isRunning(timeoutMs)) return true;
      if (attempt >= 3) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Starts a proxy process that stopped answering again: the router with the last table (from
   * its file), the edge with its fixed config. Runs in turn with route changes.
   */
  restart(role: ProxyRole): Promise<void> {
    return this.inTurn(async () => {
      if (role === 'edge') return this.edge.restart(this.edgeCfg);
      await this.router.ensureRunning();
      if (this.last) await this.router.put(this.last);
    });
  }
}
