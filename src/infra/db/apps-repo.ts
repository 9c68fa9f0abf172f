// The apps table.
import type Database from 'better-sqlite3';
import type { AppRow, HealthCheckSettings } from './rows.js';
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

export type AppSettings = Partial<Pick<AppRow, 'port' | 'healthcheck' | 'env' | 'domains' | 'capabilities'>>;

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
      .prepare('UPDATE apps SET port = ?, healthcheck = ?, env = ?, domains = ?, capabilities = ?, updated_at = ? WHERE id = ?')
      .run(
        s.port !== undefined ? s.port : cur.port,
        JSON.stringify(s.healthcheck ?? cur.healthcheck),
        JSON.stringify(s.env ?? cur.env),
        JSON.stringify(s.domains ?? cur.domains),
        JSON.stringify(s.capabilities ?? cur.capabilities),
        now(),
        id,
      );
  }

  setFormation(id: number, formation: Record<string, number>): void {
    this.db.prepare('UPDATE apps SET formation = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(formation), now(), id);
  }

  setCurrentDeployment(id: number, deploymentId: number | null): void {
    this.db.prepare('UPDATE apps SET current_deployment_id = ?, updated_at = ? WHERE id = ?').run(deploymentId, now(), id);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM apps WHERE id = ?').run(id);
  }
}
