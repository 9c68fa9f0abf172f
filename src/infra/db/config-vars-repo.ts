// The config_vars table. Values arrive and leave sealed: this repository never sees clear text.
import type Database from 'better-sqlite3';

export class ConfigVarsRepo {
  constructor(private readonly db: Database.Database) {}

  /** key -> sealed value. */
  all(appId: number): Record<string, string> {
    const rows = this.db.prepare<[number], { key: string; value: string }>('SELECT key, value FROM config_vars WHERE app_id = ? ORDER BY key').all(appId);
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  /** Replaces the app's whole set. */
  replace(appId: number, sealed: Record<string, string>): void {
    this.db.prepare('DELETE FROM config_vars WHERE app_id = ?').run(appId);
    const insert = this.db.prepare('INSERT INTO config_vars (app_id, key, value) VALUES (?, ?, ?)');
    for (const [k, v] of Object.entries(sealed)) insert.run(appId, k, v);
  }
}
