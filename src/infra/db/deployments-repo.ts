// The deployments table.
import type Database from 'better-sqlite3';
import type { DeploymentRow, DeploymentStatus, ReleaseSpec } from './rows.js';
import { now } from './time.js';

interface Raw {
  id: number;
  app_id: number;
  build_id: number;
  image: string | null;
  port: number | null;
  status: DeploymentStatus;
  reason: string | null;
  containers: string;
  processes: string;
  spec: string | null;
  created_at: string;
  updated_at: string;
}

const toRow = (r: Raw): DeploymentRow => ({
  id: r.id,
  appId: r.app_id,
  buildId: r.build_id,
  image: r.image,
  port: r.port,
  status: r.status,
  reason: r.reason,
  containers: JSON.parse(r.containers) as string[],
  processes: JSON.parse(r.processes) as Record<string, string>,
  spec: r.spec === null ? null : (JSON.parse(r.spec) as ReleaseSpec),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface DeploymentFields {
  image?: string;
  port?: number;
  reason?: string | null;
  containers?: string[];
  processes?: Record<string, string>;
  spec?: ReleaseSpec;
}

export class DeploymentsRepo {
  constructor(private readonly db: Database.Database) {}

  insert(d: { appId: number; buildId: number }): DeploymentRow {
    const t = now();
    const info = this.db
      .prepare("INSERT INTO deployments (app_id, build_id, status, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?)")
      .run(d.appId, d.buildId, t, t);
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): DeploymentRow | undefined {
    const r = this.db.prepare<[number], Raw>('SELECT * FROM deployments WHERE id = ?').get(id);
    return r && toRow(r);
  }

  byBuild(buildId: number): DeploymentRow | undefined {
    const r = this.db.prepare<[number], Raw>('SELECT * FROM deployments WHERE build_id = ?').get(buildId);
    return r && toRow(r);
  }

  listForApp(appId: number, limit = 50): DeploymentRow[] {
    return this.db.prepare<[number, number], Raw>('SELECT * FROM deployments WHERE app_id = ? ORDER BY id DESC LIMIT ?').all(appId, limit).map(toRow);
  }

  latestForApp(appId: number): DeploymentRow | undefined {
    const r = this.db.prepare<[number], Raw>('SELECT * FROM deployments WHERE app_id = ? ORDER BY id DESC LIMIT 1').get(appId);
    return r && toRow(r);
  }

  /** Deployments not in a final state: after a restart these were interrupted. */
  unfinished(): DeploymentRow[] {
    return this.db.prepare<[], Raw>("SELECT * FROM deployments WHERE status IN ('pending', 'starting')").all().map(toRow);
  }

  /** Every image tag some deployment of any app still records. */
  images(): string[] {
    return this.db.prepare<[], { image: string }>('SELECT DISTINCT image FROM deployments WHERE image IS NOT NULL').all().map((r) => r.image);
  }

  update(id: number, status: DeploymentStatus, f: DeploymentFields = {}): void {
    const cur = this.get(id);
    if (!cur) return;
    this.db
      .prepare('UPDATE deployments SET status = ?, image = ?, port = ?, reason = ?, containers = ?, processes = ?, spec = ?, updated_at = ? WHERE id = ?')
      .run(
        status,
        f.image ?? cur.image,
        f.port ?? cur.port,
        f.reason !== undefined ? f.reason : cur.reason,
        JSON.stringify(f.containers ?? cur.containers),
        JSON.stringify(f.processes ?? cur.processes),
        f.spec ? JSON.stringify(f.spec) : cur.spec && JSON.stringify(cur.spec),
        now(),
        id,
      );
  }

  /** Forgets an image that has been removed from the engine. */
  clearImage(id: number): void {
    this.db.prepare('UPDATE deployments SET image = NULL WHERE id = ?').run(id);
  }
}
