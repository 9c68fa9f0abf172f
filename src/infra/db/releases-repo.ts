// The releases table: vN per app, each an image and a sealed config snapshot.
import type Database from 'better-sqlite3';
import type { ReleaseRow, ReleaseSpec } from './rows.js';
import { now } from './time.js';

interface Raw {
  id: number;
  app_id: number;
  version: number;
  deployment_id: number | null;
  image: string;
  config: string;
  description: string;
  spec: string | null;
  created_at: string;
}

const toRow = (r: Raw): ReleaseRow => ({
  id: r.id,
  appId: r.app_id,
  version: r.version,
  deploymentId: r.deployment_id,
  image: r.image,
  config: r.config,
  description: r.description,
  spec: r.spec === null ? null : (JSON.parse(r.spec) as ReleaseSpec),
  createdAt: r.created_at,
});

export class ReleasesRepo {
  constructor(private readonly db: Database.Database) {}

  /** Adds the app's next version. */
  insert(r: { appId: number; deploymentId: number; image: string; config: string; description: string; spec: ReleaseSpec }): ReleaseRow {
    const next = this.db.prepare<[number], { v: number | null }>('SELECT MAX(version) AS v FROM releases WHERE app_id = ?').get(r.appId)?.v ?? 0;
    const info = this.db
      .prepare('INSERT INTO releases (app_id, version, deployment_id, image, config, description, spec, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.appId, next + 1, r.deploymentId, r.image, r.config, r.description, JSON.stringify(r.spec), now());
    return toRow(this.db.prepare<[number], Raw>('SELECT * FROM releases WHERE id = ?').get(Number(info.lastInsertRowid))!);
  }

  /** A restart runs the same release in new containers: the release now points at them. */
  moveToDeployment(releaseId: number, deploymentId: number): void {
    this.db.prepare('UPDATE releases SET deployment_id = ? WHERE id = ?').run(deploymentId, releaseId);
  }

  listForApp(appId: number, limit = 100): ReleaseRow[] {
    return this.db.prepare<[number, number], Raw>('SELECT * FROM releases WHERE app_id = ? ORDER BY version DESC LIMIT ?').all(appId, limit).map(toRow);
  }

  byVersion(appId: number, version: number): ReleaseRow | undefined {
    const r = this.db.prepare<[number, number], Raw>('SELECT * FROM releases WHERE app_id = ? AND version = ?').get(appId, version);
    return r && toRow(r);
  }

  byDeployment(deploymentId: number): ReleaseRow | undefined {
    const r = this.db.prepare<[number], Raw>('SELECT * FROM releases WHERE deployment_id = ?').get(deploymentId);
    return r && toRow(r);
  }
}
