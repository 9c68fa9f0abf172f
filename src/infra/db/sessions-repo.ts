// The sessions table: dashboard logins, stored only as hashes of their cookie values.
import type Database from 'better-sqlite3';
import type { SessionRow } from './rows.js';
import { now } from './time.js';

interface Raw {
  id: number;
  user_id: number;
  hash: string;
  csrf: string;
  expires_at: string;
  created_at: string;
  token_id: number | null;
}

const toRow = (r: Raw): SessionRow => ({ id: r.id, userId: r.user_id, hash: r.hash, csrf: r.csrf, expiresAt: r.expires_at, createdAt: r.created_at, tokenId: r.token_id });

export class SessionsRepo {
  constructor(private readonly db: Database.Database) {}

  insert(s: { userId: number; hash: string; csrf: string; expiresAt: string; tokenId: number | null }): SessionRow {
    // Expired sessions go whenever a new one comes: the table stays as small as its live logins.
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now());
    const info = this.db.prepare('INSERT INTO sessions (user_id, hash, csrf, expires_at, created_at, token_id) VALUES (?, ?, ?, ?, ?, ?)').run(s.userId, s.hash, s.csrf, s.expiresAt, now(), s.tokenId);
    return toRow(this.db.prepare<[number], Raw>('SELECT * FROM sessions WHERE id = ?').get(Number(info.lastInsertRowid))!);
  }

  byHash(hash: string): SessionRow | undefined {
    const r = this.db.prepare<[string], Raw>('SELECT * FROM sessions WHERE hash = ?').get(hash);
    return r && toRow(r);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }

  deleteForUser(userId: number): void {
    this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
  }
}
