// Deps for unit tests of the domain's logic: a real SQLite database and log store in a temp
// folder, the in-memory engine and proxy fakes, a minimal job queue and a logger that only
// remembers. Plus a loopback HTTP server that plays the app the fake containers "run".
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ConfigSource } from '../../config.js';
import { openDb } from '../../infra/db/database.js';
import { LogStore } from '../../infra/logs/log-store.js';
import { SecretBox } from '../../infra/secrets/secret-box.js';
import type { DeploymentRow } from '../../infra/db/rows.js';
import type { Deps, Logger } from '../context.js';
import type { DeploySource } from '../deploys/deploy-source.js';
import { runDeploy } from '../deploys/deploy-runner.js';
import type { JobQueue } from '../job-queue.js';
import { FakeEngine, type FakeEngineOptions } from './fake-engine.js';
import { FakeProxy } from './fake-proxy.js';

/** A job queue that runs jobs at once, tracks background work, and is busy for the keys a test names. */
export class FakeJobs implements JobQueue {
  readonly busyKeys = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    this.busyKeys.add(key);
    try {
      return await fn();
    } finally {
      this.busyKeys.delete(key);
    }
  }

  background(task: Promise<unknown>): void {
    const t = task.catch(() => undefined).finally(() => this.pending.delete(t));
    this.pending.add(t);
  }

  busy(key: string): boolean {
    return this.busyKeys.has(key);
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/** A logger that prints nothing and keeps what it was told, for tests to look at. */
export class QuietLogger implements Logger {
  readonly lines: { level: 'info' | 'warn' | 'error'; msg: string; obj: object | string }[] = [];
  info(obj: object | string, msg = ''): void {
    this.lines.push({ level: 'info', msg, obj });
  }
  warn(obj: object | string, msg = ''): void {
    this.lines.push({ level: 'warn', msg, obj });
  }
  error(obj: object | string, msg = ''): void {
    this.lines.push({ level: 'error', msg, obj });
  }
}

export interface FakeDeps {
  deps: Deps;
  engine: FakeEngine;
  proxy: FakeProxy;
  jobs: FakeJobs;
  logger: QuietLogger;
  /** Closes the database and removes the temp folder. */
  cleanup(): void;
}

/** Deps over fakes of Docker and Caddy; `config` as environment-style settings (drainSeconds defaults to 0). */
export function fakeDeps(opts: { config?: ConfigSource; engine?: FakeEngineOptions } = {}): FakeDeps {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-fake-'));
  const db = openDb(dataDir);
  const engine = new FakeEngine(opts.engine);
  const proxy = new FakeProxy();
  const jobs = new FakeJobs();
  const logger = new QuietLogger();
  const deps: Deps = {
    config: parseConfig({ dataDir, drainSeconds: '0', ...opts.config }),
    db,
    // One fake engine plays every port a local Docker Engine implements.
    scheduler: engine,
    images: engine,
    streams: engine,
    networks: engine,
    proxy,
    logs: new LogStore(join(dataDir, 'logs')),
    jobs,
    logger,
    secrets: SecretBox.ephemeral(),
    instanceId: 'fake0instance',
  };
  return {
    deps,
    engine,
    proxy,
    jobs,
    logger,
    cleanup: () => {
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Records a deploy of `source` (build and deployment rows, as startDeploy does) and runs it to its end. */
export async function deployImage(deps: Deps, appId: number, source: DeploySource & { kind: 'image' }): Promise<DeploymentRow> {
  const build = deps.db.builds.insert({ appId, sourceKind: 'image', source: source.image });
  const deployment = deps.db.deployments.insert({ appId, buildId: build.id });
  return runDeploy(deps, { appId, buildId: build.id, deploymentId: deployment.id, source: { localSources: true, ...source } });
}

/** A stand-in for an app's containers: answers GET on `port` at each loopback address with its status. */
export interface LoopbackApp {
  port: number;
  /** Status answered at each address (default 200). */
  status: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Listens on the same port at each loopback address (127.0.0.x), so containers the fake engine
 * gives those addresses pass (or, answering 500, fail) the domain's real health probe.
 */
export async function serveApp(ips: string[], port = 0): Promise<LoopbackApp> {
  const status = new Map<string, number>();
  const servers: Server[] = [];
  let bound = port;
  for (const ip of ips) {
    const s = createServer((req, res) => {
      res.statusCode = status.get(ip) ?? 200;
      res.end('ok');
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(bound, ip, () => resolve());
    });
    bound = (s.address() as { port: number }).port;
    servers.push(s);
  }
  return {
    port: bound,
    status,
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  };
}
