// The apps table.
import type Database from 'better-sqlite3';
import type { AppRow, CronJobSpec, HealthCheckSettings, LimitSettings } from './rows.js';
import { now } from './time.js';

interface Raw {
  id: number;
  name: string;
  owner: string;
  port: number | null;
  healthcheck: string;
  env: string;
  domains: string;
  capabilities: string;
  formation: string;
  limits: string;
  tls: number;
  hsts: number;
  routing_deployment_id: number | null;
  deploy_branch: string;
  webhook_secret: string | null;
  parent_app_id: number | null;
  pr_number: number | null;
  expires_at: string | null;
  promote_to_app_id: number | null;
  fork_config: number;
  cron: string;
  volumes: string;
  current_deployment_id: number | null;
  created_at: string;
  updated_at: string;
}

const toRow = (r: Raw): AppRow => ({
  id: r.id,
  name: r.name,
  owner: r.owner,
  port: r.port,
  healthcheck: JSON.parse(r.healthcheck) as HealthCheckSettings,
  env: JSON.parse(r.env) as Record<string, string>,
  domains: JSON.parse(r.domains) as string[],
  capabilities: JSON.parse(r.capabilities) as string[],
  formation: JSON.parse(r.formation) as Record<string, number>,
  limits: JSON.parse(r.limits) as LimitSettings,
  tls: r.tls === 1,
  hsts: r.hsts === 1,
  routingDeploymentId: r.routing_deployment_id,
  deployBranch: r.deploy_branch,
  webhookSecret: r.webhook_secret,
  parentAppId: r.parent_app_id,
  prNumber: r.pr_number,
  expiresAt: r.expires_at,
  promoteToAppId: r.promote_to_app_id,
  forkConfig: r.fork_config === 1,
  cron: JSON.parse(r.cron) as CronJobSpec[],
  volumes: JSON.parse(r.volumes) as Record<string, string>,
  currentDeploymentId: r.current_deployment_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface NewApp {
  name: string;
  owner: string;
  port?: number | null;
  healthcheck?: HealthCheckSettings;
  env?: Record<string, string>;
  domains?: string[];
}

export type AppSettings = Partial<Pick<AppRow, 'port' | 'healthcheck' | 'env' | 'domains' | 'capabilities' | 'limits' | 'tls' | 'hsts' | 'cron' | 'volumes'>>;

export class AppsRepo {
  constructor(private readonly db: Database.Database) {}

  insert(app: NewApp): AppRow {
    const t = now();
    const info = this.db
      .prepare(
        'INSERT INTO apps (name, owner, port, healthcheck, env, domains, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(app.name, app.owner, app.port ?? null, JSON.stringify(app.healthcheck ?? {}), JSON.stringify(app.env ?? {}), JSON.stringify(app.domains ?? []), t, t);
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): AppRow | undefined {
    const r = this.db.prepare<[number], Raw>('SELECT * FROM apps WHERE id = ?').get(id);
    return r && toRow(r);
  }

  find(owner: string, name: string): AppRow | undefined {
    const r = this.db.prepare<[string, string], Raw>('SELECT * FROM apps WHERE owner = ? AND name = ?').get(owner, name);
    return r && toRow(r);
  }

  /** Every owner's app of this name (names are unique per owner). */
  byName(name: string): AppRow[] {
    return this.db.prepare<[string], Raw>('SELECT * FROM apps WHERE name = ? ORDER BY owner').all(name).map(toRow);
  }

  list(): AppRow[] {
    return this.db.prepare<[], Raw>('SELECT * FROM apps ORDER BY name, owner').all().map(toRow);
  }

  update(id: number, s: AppSettings): void {
    const cur = this.get(id);
    if (!cur) return;
    this.db
      .prepare('UPDATE apps SET port = ?, healthcheck = ?, env = ?, domains = ?, capabilities = ?, limits = ?, tls = ?, hsts = ?, updated_at = ? WHERE id = ?')
      .run(
        s.port !== undefined ? s.port : cur.port,
        JSON.stringify(s.healthcheck ?? cur.healthcheck),
        JSON.stringify(s.env ?? cur.env),
        JSON.stringify(s.domains ?? cur.domains),
        JSON.stringify(s.capabilities ?? cur.capabilities),
        JSON.stringify(s.limits ?? cur.limits),
        (s.tls ?? cur.tls) ? 1 : 0,
        (s.hsts ?? cur.hsts) ? 1 : 0,
        now(),
        id,
      );
    // Scheduled jobs change only when a release says which (a spec from before them says nothing).
    if (s.cron !== undefined) this.db.prepare('UPDATE apps SET cron = ? WHERE id = ?').run(JSON.stringify(s.cron), id);
    // Volumes likewise: a spec from before them leaves the app's mounts as they are.
    if (s.volumes !== undefined) this.db.prepare('UPDATE apps SET volumes = ? WHERE id = ?').run(JSON.stringify(s.volumes), id);
  }

  /** Git and pipeline settings: the deploy branch, the sealed webhook secret, the promotion target. */
  setGit(id: number, s: { deployBranch?: string; webhookSecret?: string | null; promoteToAppId?: number | null; forkConfig?: boolean }): void {
    const cur = this.get(id);
    if (!cur) return;
    this.db
      .prepare('UPDATE apps SET deploy_branch = ?, webhook_secret = ?, promote_to_app_id = ?, fork_config = ?, updated_at = ? WHERE id = ?')
      .run(
        s.deployBranch ?? cur.deployBranch,
        s.webhookSecret !== undefined ? s.webhookSecret : cur.webhookSecret,
        s.promoteToAppId !== undefined ? s.promoteToAppId : cur.promoteToAppId,
        (s.forkConfig ?? cur.forkConfig) ? 1 : 0,
        now(),
        id,
      );
  }

  /** Marks an app as the preview of `parentId` for a pull request, expiring at `expiresAt`. */
  setPreview(id: number, p: { parentId: number; prNumber: number | null; expiresAt: string }): void {
    this.db.prepare('UPDATE apps SET parent_app_id = ?, pr_number = ?, expires_at = ?, updated_at = ? WHERE id = ?').run(p.parentId, p.prNumber, p.expiresAt, now(), id);
  }

  /** Previews whose time is up. */
  expired(nowIso: string): AppRow[] {
    return this.db.prepare<[string], Raw>('SELECT * FROM apps WHERE expires_at IS NOT NULL AND expires_at <= ?').all(nowIso).map(toRow);
  }

  /**
   * Records a webhook delivery: its id (GitHub's X-GitHub-Delivery, kept 7 days) and the digest
   * of its body (kept as long as the app: a captured body must not replay under a new id, ever).
   * False, and nothing recorded, when either was seen before.
   */
  recordDelivery(appId: number, deliveryId: string, bodyDigest: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM webhook_deliveries WHERE received_at < ?').run(new Date(Date.now() - 7 * 86_400_000).toISOString());
      if (this.db.prepare('SELECT 1 FROM webhook_bodies WHERE app_id = ? AND digest = ?').get(appId, bodyDigest)) return false;
      if (this.db.prepare('INSERT OR IGNORE INTO webhook_deliveries (delivery_id, app_id, received_at) VALUES (?, ?, ?)').run(deliveryId, appId, now()).changes === 0) return false;
      this.db.prepare('INSERT INTO webhook_bodies (app_id, digest, received_at) VALUES (?, ?, ?)').run(appId, bodyDigest, now());
      return true;
    })();
  }

  setFormation(id: number, formation: Record<string, number>): void {
    this.db.prepare('UPDATE apps SET formation = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(formation), now(), id);
  }

  /** Pins (or with null unpins) the deployment the proxy routes the app to; see AppRow.routingDeploymentId. */
  setRouting(id: number, deploymentId: number | null): void {
    this.db.prepare('UPDATE apps SET routing_deployment_id = ? WHERE id = ?').run(deploymentId, id);
  }

  setCurrentDeployment(id: number, deploymentId: number | null): void {
    this.db.prepare('UPDATE apps SET current_deployment_id = ?, updated_at = ? WHERE id = ?').run(deploymentId, now(), id);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM apps WHERE id = ?').run(id);
  }
}
