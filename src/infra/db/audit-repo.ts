// The audit table: one row per change made through the API (who, what, which app, outcome).
import type Database from 'better-sqlite3';
import { now } from './time.js';

export interface AuditRow {
  id: number;
  at: string;
  user: string;
  action: string;
  app: string | null;
  status: number;
}

export class AuditRepo {
  constructor(private readonly db: Database.Database) {}

  add(e: { user: string; action: string; app: string | null; status: number }): void {
    this.db.prepare('INSERT INTO audit (at, user, action, app, status) VALUES (?, ?, ?, ?, ?)').run(now(), e.user, e.action, e.app, e.status);
  }

  list(opts: { app?: string | undefined; limit: number }): AuditRow[] {
    return opts.app
      ? this.db.prepare<[string, number], AuditRow>('SELECT * FROM audit WHERE app = ? ORDER BY id DESC LIMIT ?').all(opts.app, opts.limit)
      : this.db.prepare<[number], AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(opts.limit);
  }
}
