// The builds table.
import type Database from 'better-sqlite3';
import type { BuildRow, BuildStatus, SourceKind } from './rows.js';
import { now } from './time.js';

interface Raw {
  id: number;
  app_id: number;
  source_kind: SourceKind;
  source: string;
  status: BuildStatus;
  image: string | null;
  error: string | null;
  source_digest: string | null;
  created_at: string;
  finished_at: string | null;
  step_images: string;
}

const toRow = (r: Raw): BuildRow => ({
  id: r.id,
  appId: r.app_id,
  sourceKind: r.source_kind,
  source: r.source,
  status: r.status,
  image: r.image,
  error: r.error,
  sourceDigest: r.source_digest,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  stepImages: JSON.parse(r.step_images) as string[],
});

export class BuildsRepo {
  constructor(private readonly db: Database.Database) {}

  insert(b: { appId: number; sourceKind: SourceKind; source: string }): BuildRow {
    const info = this.db
      .prepare("INSERT INTO builds (app_id, source_kind, source, status, created_at) VALUES (?, ?, ?, 'pending', ?)")
      .run(b.appId, b.sourceKind, b.source, now());
    return this.get(Number(info.lastInsertRowid))!;
  }

  /** Notes an image a build step made (at most 64 a build: enough for any real Dockerfile). */
  addStepImage(id: number, imageId: string): void {
    this.db
      .prepare("UPDATE builds SET step_images = json_insert(step_images, '$[#]', ?) WHERE id = ? AND json_array_length(step_images) < 64 AND NOT EXISTS (SELECT 1 FROM json_each(step_images) WHERE value = ?)")
      .run(imageId, id, imageId);
  }

  get(id: number): BuildRow | undefined {
    const r = this.db.prepare<[number], Raw>('SELECT * FROM builds WHERE id = ?').get(id);
    return r && toRow(r);
  }

  listForApp(appId: number, limit = 50): BuildRow[] {
    return this.db.prepare<[number, number], Raw>('SELECT * FROM builds WHERE app_id = ? ORDER BY id DESC LIMIT ?').all(appId, limit).map(toRow);
  }

  /** Builds not in a final state: after a restart these were interrupted. */
  unfinished(): BuildRow[] {
    return this.db.prepare<[], Raw>("SELECT * FROM builds WHERE status NOT IN ('succeeded', 'failed')").all().map(toRow);
  }

  setDigest(id: number, digest: string): void {
    this.db.prepare('UPDATE builds SET source_digest = ? WHERE id = ?').run(digest, id);
  }

  /**
   * The image of this app's newest succeeded build with this digest whose deployment still
   * keeps its image, if any.
   */
  reusableImage(appId: number, digest: string): string | undefined {
    const r = this.db
      .prepare<[number, string], { image: string }>(
        `SELECT d.image AS image FROM builds b JOIN deployments d ON d.build_id = b.id
         WHERE b.app_id = ? AND b.source_digest = ? AND b.status = 'succeeded' AND d.image IS NOT NULL
         ORDER BY b.id DESC LIMIT 1`,
      )
      .get(appId, digest);
    return r?.image;
  }

  setStatus(id: number, status: BuildStatus, fields: { image?: string | null; error?: string | null } = {}): void {
    const final = status === 'succeeded' || status === 'failed';
    this.db
      .prepare('UPDATE builds SET status = ?, image = COALESCE(?, image), error = COALESCE(?, error), finished_at = ? WHERE id = ?')
      .run(status, fields.image ?? null, fields.error ?? null, final ? now() : null, id);
  }
}
