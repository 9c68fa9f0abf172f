// The metrics table: CPU and memory samples per app, for the dashboard's charts.
import type Database from 'better-sqlite3';

export interface MetricSample {
  appId: number;
  at: string;
  cpuPercent: number;
  memoryBytes: number;
}

interface Raw {
  app_id: number;
  at: string;
  cpu_percent: number;
  memory_bytes: number;
}

const toRow = (r: Raw): MetricSample => ({ appId: r.app_id, at: r.at, cpuPercent: r.cpu_percent, memoryBytes: r.memory_bytes });

export class MetricsRepo {
  constructor(private readonly db: Database.Database) {}

  add(samples: MetricSample[]): void {
    const insert = this.db.prepare('INSERT INTO metrics (app_id, at, cpu_percent, memory_bytes) VALUES (?, ?, ?, ?)');
    for (const s of samples) insert.run(s.appId, s.at, s.cpuPercent, s.memoryBytes);
  }

  /** The newest sample of every app that has one. */
  latest(): MetricSample[] {
    return this.db
      .prepare<[], Raw>('SELECT m.* FROM metrics m JOIN (SELECT app_id, MAX(at) AS at FROM metrics GROUP BY app_id) l ON l.app_id = m.app_id AND l.at = m.at')
      .all()
      .map(toRow);
  }

  since(appId: number, sinceIso: string): MetricSample[] {
    return this.db.prepare<[number, string], Raw>('SELECT * FROM metrics WHERE app_id = ? AND at >= ? ORDER BY at').all(appId, sinceIso).map(toRow);
  }

  prune(beforeIso: string): void {
    this.db.prepare('DELETE FROM metrics WHERE at < ?').run(beforeIso);
  }
}
