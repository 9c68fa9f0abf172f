// The one composition root: builds config, database, Docker, proxy, logs and the job queue,
// passes them down, and hands the command line to the CLI. Nothing else constructs these.
// Server-side modules are loaded only when a command needs them, so client commands start fast.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli/program.js';
import { loadConfig, type ConfigSource } from './config.js';
import type { Deps } from './domain/context.js';

export interface RunningServer {
  url: string;
  deps: Deps;
  close(): Promise<void>;
}

/** The base images' Dockerfiles ship beside the compiled code. */
export const RECIPES_DIR = fileURLToPath(new URL('../images', import.meta.url));

/** Starts the control plane: reconcile state, then serve the API. */
export async function startServer(flags: ConfigSource, opts: { logLevel?: string } = {}): Promise<RunningServer> {
  const [{ pino }, { reconcile }, { buildHttpApp }, { openDb }, { dockerEngine }, { LogStore }, { CaddyProxy }, { JobQueue }] = await Promise.all([
    import('pino'),
    import('./domain/recovery/reconcile.js'),
    import('./http/app.js'),
    import('./infra/db/database.js'),
    import('./infra/docker/engine.js'),
    import('./infra/logs/log-store.js'),
    import('./infra/proxy/caddy.js'),
    import('./jobs/queue.js'),
  ]);
  const { SecretBox } = await import('./infra/secrets/secret-box.js');
  const { Supervisor } = await import('./domain/recovery/supervisor.js');
  const { startSampler } = await import('./domain/metrics/sampler.js');
  const { sweepExpiredPreviews } = await import('./domain/pipelines/previews.js');
  const { randomBytes } = await import('node:crypto');
  const { guardLinkLocal } = await import('./domain/network/egress.js');
  const { IptablesFirewall } = await import('./infra/firewall/iptables.js');
  const { SESSION_COOKIE } = await import('./domain/users/sessions.js');
  const config = loadConfig(process.env, flags);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logger = pino({ level: opts.logLevel ?? process.env.BERTH_LOG_LEVEL ?? 'info' });
  // Before any container starts: app containers must not reach the cloud's instance metadata.
  const linkLocal = await guardLinkLocal({ firewall: new IptablesFirewall(), logger, allowLinkLocal: config.allowLinkLocal });
  const db = openDb(config.dataDir);
  let instanceId = db.getMeta('instance_id');
  if (!instanceId) {
    instanceId = randomBytes(6).toString('hex');
    db.setMeta('instance_id', instanceId);
  }
  // The domain sees each part through the interface it defines (domain/ports.ts).
  const docker = dockerEngine(config.dockerSocket, { buildCgroupPrefix: config.containerPrefix, warn: (m) => logger.warn(m) });
  const proxy = new CaddyProxy({
    edgeAdminAddress: config.caddyEdgeAdmin,
    legacyRoutingAdmin: config.caddyAdmin,
    caddyBin: config.caddyBin,
    stateDir: join(config.dataDir, 'proxy'),
    certHosts: [config.apiHost, ...(config.pathRoutes ? [config.domain] : [])],
    edge: {
      httpPort: config.httpPort,
      httpsPort: config.httpsPort,
      tls: config.tls,
      redirect: config.httpsRedirect,
      storageDir: join(config.dataDir, 'caddy'),
      router: config.routerAddress,
      // The edge reaches the API over a unix socket of its own: its peers are the only ones
      // without an address, which is how the API knows to believe their X-Forwarded-For.
      api: { host: config.apiHost, upstream: `unix/${join(config.dataDir, 'proxy', 'api.sock')}` },
      domain: config.domain,
      pathRoutes: config.pathRoutes,
      acme: { ca: config.acmeCa, email: config.acmeEmail, caRoot: config.acmeCaRoot },
      privateCookies: [SESSION_COOKIE],
    },
  });
  const deps: Deps = {
    config,
    db,
    scheduler: docker.containers,
    images: docker.images,
    streams: docker.streams,
    networks: docker.networks,
    proxy,
    certificates: proxy,
    logs: new LogStore(join(config.dataDir, 'logs'), { maxBytes: config.deployLogMaxMb * 1024 * 1024 }),
    jobs: new JobQueue(config.maxConcurrentDeploys),
    logger,
    secrets: SecretBox.open(join(config.dataDir, 'secret.key')),
    instanceId,
  };
  const { bootstrapAdmin } = await import('./domain/users/tokens.js');
  const admin = bootstrapAdmin(deps, process.env.BERTH_ADMIN_TOKEN);
  if (admin?.generated) {
    // Shown once, on the terminal only: never written to the log.
    process.stderr.write(`\nBerth created the admin user. Its API token, shown only this once:\n\n  ${admin.token}\n\nLog in with: berth login http://${config.listenHost}:${config.listenPort} --token <token>\n\n`);
  }
  try {
    const report = await reconcile(deps);
    logger.info({ ...report }, 'reconciled state with Docker and the proxy');
  } catch (e) {
    linkLocal.stop();
    db.close();
    throw e;
  }
  const supervisor = new Supervisor(deps);
  supervisor.start();
  // Both Caddies run detached (they outlive Berth); while Berth runs, it starts a dead one again.
  const { ProxyWatch } = await import('./domain/routing/proxy-watch.js');
  const { syncRoutes } = await import('./domain/routing/sync-routes.js');
  const proxyWatch = new ProxyWatch({
    proxy,
    logger,
    record: (kind, role, message) => deps.db.events.add({ appId: null, subject: `proxy:${role}`, kind, message }),
    afterRestart: (role) => (role === 'router' ? syncRoutes(deps) : Promise.resolve()),
  });
  proxyWatch.start();
  deps.proxyStatus = () => proxyWatch.status();
  const { TlsWatch } = await import('./domain/tls/tls-watch.js');
  const tlsWatch = new TlsWatch(deps);
  if (config.tls !== 'off') tlsWatch.start();
  deps.tlsFailure = (host) => tlsWatch.failure(host);
  // app.json liveness/readiness checks of running releases: restarts, and readiness in the routes.
  const { HealthWatch } = await import('./domain/health/health-watch.js');
  const healthWatch = new HealthWatch({ deps, restart: (id) => deps.scheduler.restart(id), resync: () => syncRoutes(deps) });
  deps.unreadyContainers = () => healthWatch.unready();
  healthWatch.start();
  const sampler = startSampler(deps, config.metricsIntervalSeconds);
  // Scheduled jobs (app.json cron): after reconcile, which removed the containers of runs a stop interrupted.
  const { CronRunner } = await import('./domain/cron/cron-runner.js');
  const { startTicker } = await import('./jobs/ticker.js');
  const cronRunner = new CronRunner(deps);
  const interrupted = cronRunner.recover();
  if (interrupted > 0) logger.warn({ runs: interrupted }, 'cron runs interrupted by the restart were marked so');
  const cronTicker = startTicker(cronRunner, logger, 'cron');
  deps.cronRunNow = (appName, jobId) => cronRunner.runNow(appName, jobId);
  // Backups: stores by destination; scheduled backups, drills and retention (berth backups schedule).
  const { backupStoreFor } = await import('./infra/backup-store/index.js');
  const { addressRefusal: refusal } = await import('./domain/notify/url-policy.js');
  deps.backupStore = (d) => backupStoreFor(d, { refuseAddress: (ip) => refusal(ip, config.backupAllowPrivate, 'BERTH_BACKUP_ALLOW_PRIVATE') });
  const { BackupRunner } = await import('./domain/backups/backup-runner.js');
  const backupRunner = new BackupRunner(deps);
  await backupRunner.recover().catch((e: unknown) => logger.warn({ err: e }, 'could not clean up after interrupted backups'));
  const backupTicker = startTicker(backupRunner, logger, 'backup');
  // Notifications (berth notify): recorded events -> the owners' webhooks, in the background.
  const { httpSender } = await import('./infra/notify/http-sender.js');
  const { Notifier, SEND_TIMEOUT_MS } = await import('./domain/notify/notifier.js');
  const { addressRefusal } = await import('./domain/notify/url-policy.js');
  deps.notifySend = httpSender({ timeoutMs: SEND_TIMEOUT_MS, refuseAddress: (ip) => addressRefusal(ip, config.notifyAllowPrivate) });
  const notifier = new Notifier(deps);
  notifier.start();
  // Expired previews go within a quarter of their lifetime (at least every minute).
  const sweepMs = Math.min(60_000, Math.max(1000, (config.previewTtlHours * 3_600_000) / 4));
  const sweeper = setInterval(() => {
    sweepExpiredPreviews(deps).then(
      (gone) => gone.length > 0 && logger.info({ previews: gone }, 'destroyed expired previews'),
      (e: unknown) => logger.warn({ err: e }, 'sweeping expired previews failed'),
    );
  }, sweepMs);
  sweeper.unref();
  const app = await buildHttpApp(deps, logger);
  await app.listen({ host: config.listenHost, port: config.listenPort });
  const edgeListener = await listenForEdge(app.server, join(config.dataDir, 'proxy', 'api.sock'));
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listenPort;
  const url = `http://${config.listenHost}:${port}`;
  logger.info({ url, domain: config.domain, proxyPort: config.httpPort, dataDir: config.dataDir }, 'berth server ready');
  return {
    url,
    deps,
    async close() {
      // First: a Caddy stopped after Berth (scripts/demo stop) must stay stopped.
      const watchStopped = proxyWatch.stop();
      await app.close();
      await watchStopped;
      await supervisor.stop();
      await healthWatch.stop();
      await sampler.stop();
      await cronTicker.stop();
      await backupTicker.stop();
      clearInterval(sweeper);
      tlsWatch.stop();
      edgeListener.close();
      linkLocal.stop();
      await deps.jobs.idle();
      await notifier.stop();
      db.close();
    },
  };
}

/** The `berth` executable's entry: the CLI, which can start the server or build base images. */
export function main(argv: string[]): Promise<void> {
  return runCli(argv, {
    startServer,
    bootstrapImages: async (p) => {
      const [{ bootstrapImages }, { dockerEngine }] = await Promise.all([import('./domain/images/bootstrap.js'), import('./infra/docker/engine.js')]);
      const config = loadConfig(process.env);
      const docker = dockerEngine(config.dockerSocket);
      return bootstrapImages({ ping: () => docker.containers.ping(), images: docker.images, containers: docker.containers }, { ...p, images: config.images, recipesDir: RECIPES_DIR });
    },
  });
}

/** A unix socket (0600) whose connections the API server answers: the edge's way to the API. */
async function listenForEdge(server: import('node:http').Server, path: string): Promise<import('node:net').Server> {
  const net = await import('node:net');
  const fs = await import('node:fs');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  fs.rmSync(path, { force: true });
  const s = net.createServer((socket) => server.emit('connection', socket));
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(path, () => resolve());
  });
  fs.chmodSync(path, 0o600);
  return s;
}
