// The only door to Caddy: starts it when nothing answers on the admin address, applies a whole
// config atomically (POST /load), verifies it, and puts the previous one back on failure.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, renameSync, writeFileSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Unavailable, messageOf } from '../../errors.js';
import type { CaddyConfig } from './route-table.js';

export interface CaddyParams {
  adminAddress: string;
  caddyBin: string;
  /** Where Berth keeps Caddy's last applied config, pid file, log and data. */
  stateDir: string;
  startTimeoutMs?: number;
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );

export class CaddyProxy {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly base: string;
  private readonly configFile: string;
  /** The pid of a Caddy Berth started (scripts/demo stop reads it). */
  readonly pidFile: string;

  constructor(private readonly p: CaddyParams) {
    this.base = `http://${p.adminAddress}`;
    this.configFile = join(p.stateDir, 'caddy.json');
    this.pidFile = join(p.stateDir, 'caddy.pid');
  }

  private async admin(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(this.base + path, {
      method,
      // Caddy's admin API refuses requests whose Origin/Host it does not expect; be explicit.
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  }

  /** True when Caddy's admin API answers. */
  async isRunning(): Promise<boolean> {
    try {
      const r = await fetch(`${this.base}/config/`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      return r.ok;
    } catch {
      return false;
    }
  }

  /**
   * Starts Caddy (detached, so apps keep being served while Berth restarts) when nothing answers
   * on the admin address. It starts from the last config Berth applied, or `initial`.
   */
  async ensureRunning(initial: CaddyConfig): Promise<void> {
    if (await this.isRunning()) return;
    mkdirSync(this.p.stateDir, { recursive: true, mode: 0o700 });
    if (!existsSync(this.configFile)) this.writeConfigFile(initial);
    const logFd = openSync(join(this.p.stateDir, 'caddy.log'), 'a');
    const dataHome = join(this.p.stateDir, 'caddy-home');
    let child;
    try {
      child = spawn(this.p.caddyBin, ['run', '--config', this.configFile], {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: { ...process.env, XDG_DATA_HOME: join(dataHome, 'data'), XDG_CONFIG_HOME: join(dataHome, 'config'), HOME: dataHome },
      });
    } finally {
      closeSync(logFd);
    }
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    child.unref();
    if (child.pid) writeFileSync(this.pidFile, String(child.pid), { mode: 0o600 });
    const deadline = Date.now() + (this.p.startTimeoutMs ?? 15_000);
    while (Date.now() < deadline) {
      const err = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 200))]);
      if (err) throw Unavailable(`cannot start Caddy (${this.p.caddyBin}): ${err.message}`, { hint: 'install it with scripts/setup-host' });
      if (child.exitCode !== null) break;
      if (await this.isRunning()) return;
    }
    const log = this.tailLog();
    throw Unavailable(`Caddy did not start on ${this.p.adminAddress}: ${log}`, { hint: `see ${join(this.p.stateDir, 'caddy.log')}` });
  }

  private tailLog(): string {
    try {
      const lines = readFileSync(join(this.p.stateDir, 'caddy.log'), 'utf8').trim().split('\n');
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

  /** The config Caddy runs now. */
  async current(): Promise<unknown> {
    const r = await this.admin('GET', '/config/');
    if (!r.ok) throw Unavailable(`Caddy admin API answered ${r.status}`);
    return r.json();
  }

  /**
   * Loads `cfg` as Caddy's whole config, one change at a time. Caddy's /load is itself atomic
   * (a config that fails to load leaves the old one running); afterwards Berth reads the config
   * back and, if it does not match, puts the previous one back and throws.
   */
  apply(cfg: CaddyConfig): Promise<void> {
    const run = this.queue.then(() => this.applyNow(cfg));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(cfg: CaddyConfig): Promise<void> {
    await this.ensureRunning(cfg);
    let previous: unknown;
    try {
      previous = await this.current();
    } catch {
      previous = null;
    }
    if (previous && canonical(previous) === canonical(cfg)) return;
    const fail = async (why: string): Promise<never> => {
      if (previous) await this.admin('POST', '/load', previous).catch(() => undefined);
      throw Unavailable(`the proxy rejected the new routes: ${why}`);
    };
    let r: Response;
    try {
      r = await this.admin('POST', '/load', cfg);
    } catch (e) {
      return fail(messageOf(e));
    }
    if (!r.ok) return fail(`${r.status} ${(await r.text()).slice(0, 300)}`);
    await r.arrayBuffer().catch(() => undefined);
    const now = await this.current().catch(() => null);
    if (canonical(now) !== canonical(cfg)) return fail('the config read back differs from the one sent');
    this.writeConfigFile(cfg);
  }
}
