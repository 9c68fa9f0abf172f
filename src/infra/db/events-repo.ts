// The events table: the log of state changes that `berth events` and the dashboard show.
import type Database from 'better-sqlite3';
import type { EventRow } from './rows.js';
import { now } from './time.js';

interface Raw {
  id: number;
  app_id: number | null;
  owner: string | null;
  subject: string;
  kind: string;
  message: string;
  created_at: string;
}

const toRow = (r: Raw): EventRow => ({ id: r.id, appId: r.app_id, owner: r.owner, subject: r.subject, kind: r.kind, message: r.message, createdAt: r.created_at });

export class EventsRepo {
  constructor(private readonly db: Database.Database) {}

  /** Records an event; `owner` names the owner an event of no app is about (e.g. an add-on's backup), so it is notified. */
  add(e: { appId: number | null; subject: string; kind: string; message: string; owner?: string }): void {
    this.db.prepare('INSERT INTO events (app_id, owner, subject, kind, message, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(e.appId, e.owner ?? null, e.subject, e.kind, e.message, now());
  }

  /** How many events of `kind` about `subject` were recorded since `sinceIso` (all time when omitted). */
  count(subject: string, kind: string, sinceIso = ''): number {
    return this.db.prepare<[string, string, string], { n: number }>('SELECT COUNT(*) AS n FROM events WHERE subject = ? AND kind = ? AND created_at >= ?').get(subject, kind, sinceIso)!.n;
  }

  /** Events after `afterId`, oldest first (the dashboard's live feed). */
  after(afterId: number, limit = 500): EventRow[] {
    return this.db.prepare<[number, number], Raw>('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit).map(toRow);
  }

  lastId(): number {
    return this.db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM events').get()!.id ?? 0;
  }

  listForApp(appId: number, limit = 100): EventRow[] {
    return this.db.prepare<[number, number], Raw>('SELECT * FROM events WHERE app_id = ? ORDER BY id DESC LIMIT ?').all(appId, limit).map(toRow);
  }
}
