// The users and tokens tables.
import type Database from 'better-sqlite3';
import type { Role, TokenRow, UserRow } from './rows.js';
import { now } from './time.js';

interface RawToken {
  id: number;
  user_id: number;
  name: string;
  hash: string;
  prefix: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

const toToken = (r: RawToken): TokenRow => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  hash: r.hash,
  prefix: r.prefix,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  createdAt: r.created_at,
});

const toUser = (r: { id: number; name: string; role: Role; created_at: string }): UserRow => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at });

export class UsersRepo {
  constructor(private readonly db: Database.Database) {}

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users').get()!.n;
  }

  insert(name: string, role: Role): UserRow {
    const info = this.db.prepare('INSERT INTO users (name, role, created_at) VALUES (?, ?, ?)').run(name, role, now());
    return this.get(Number(info.lastInsertRowid))!;
  }

  byName(name: string): UserRow | undefined {
    const r = this.db.prepare<[string], { id: number; name: string; role: Role; created_at: string }>('SELECT * FROM users WHERE name = ?').get(name);
    return r && toUser(r);
  }

  list(): UserRow[] {
    return this.db.prepare<[], { id: number; name: string; role: Role; created_at: string }>('SELECT * FROM users ORDER BY name').all().map(toUser);
  }

  get(id: number): UserRow | undefined {
    const r = this.db.prepare<[number], { id: number; name: string; role: Role; created_at: string }>('SELECT * FROM users WHERE id = ?').get(id);
    return r && toUser(r);
  }

  addMembership(userId: number, owner: string): void {
    this.db.prepare('INSERT OR IGNORE INTO memberships (user_id, owner) VALUES (?, ?)').run(userId, owner);
  }

  /** The scrypt hash of the user's password, when one is set. */
  passwordHash(userId: number): string | null {
    return this.db.prepare<[number], { password_hash: string | null }>('SELECT password_hash FROM users WHERE id = ?').get(userId)?.password_hash ?? null;
  }

  setPasswordHash(userId: number, hash: string | null): void {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, userId);
  }

  setRole(userId: number, role: Role): void {
    this.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, userId);
  }

  delete(userId: number): void {
    this.db.prepare('DELETE FROM users WHERE id = ?').run(userId);
  }

  ownersOf(userId: number): string[] {
    return this.db.prepare<[number], { owner: string }>('SELECT owner FROM memberships WHERE user_id = ? ORDER BY owner').all(userId).map((r) => r.owner);
  }

  insertToken(t: { userId: number; name: string; hash: string; prefix: string; expiresAt: string | null }): TokenRow {
    const info = this.db
      .prepare('INSERT INTO tokens (user_id, name, hash, prefix, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(t.userId, t.name, t.hash, t.prefix, t.expiresAt, now());
    return this.token(Number(info.lastInsertRowid))!;
  }

  token(id: number): TokenRow | undefined {
    const r = this.db.prepare<[number], RawToken>('SELECT * FROM tokens WHERE id = ?').get(id);
    return r && toToken(r);
  }

  tokenByHash(hash: string): TokenRow | undefined {
    const r = this.db.prepare<[string], RawToken>('SELECT * FROM tokens WHERE hash = ?').get(hash);
    return r && toToken(r);
  }

  tokens(userId?: number): TokenRow[] {
    const rows =
      userId === undefined
        ? this.db.prepare<[], RawToken>('SELECT * FROM tokens ORDER BY id').all()
        : this.db.prepare<[number], RawToken>('SELECT * FROM tokens WHERE user_id = ? ORDER BY id').all(userId);
    return rows.map(toToken);
  }

  touchToken(id: number): void {
    this.db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(now(), id);
  }

  revokeToken(id: number): void {
    this.db.prepare('UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(now(), id);
  }
}
