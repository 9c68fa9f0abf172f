// The owners table and the memberships that tie users to owners.
import type Database from 'better-sqlite3';
import type { OwnerQuotas, OwnerRow } from './rows.js';
import { now } from './time.js';

interface Raw {
  name: string;
  domains: string;
  capabilities: string;
  quota_apps: number | null;
  quota_previews: number | null;
  quota_runs: number | null;
  created_at: string;
}

const toRow = (r: Raw): OwnerRow => ({
  name: r.name,
  domains: JSON.parse(r.domains) as string[],
  capabilities: JSON.parse(r.capabilities) as string[],
  quotas: { apps: r.quota_apps, previews: r.quota_previews, runs: r.quota_runs },
  createdAt: r.created_at,
});

export class OwnersRepo {
  constructor(private readonly db: Database.Database) {}

  /** Creates the owner unless it exists; returns whether it was created. */
  ensure(name: string): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO owners (name, created_at) VALUES (?, ?)').run(name, now()).changes > 0;
  }

  get(name: string): OwnerRow | undefined {
    const r = this.db.prepare<[string], Raw>('SELECT * FROM owners WHERE name = ?').get(name);
    return r && toRow(r);
  }

  list(): OwnerRow[] {
    return this.db.prepare<[], Raw>('SELECT * FROM owners ORDER BY name').all().map(toRow);
  }

  update(name: string, s: { domains?: string[] | undefined; capabilities?: string[] | undefined }): void {
    const cur = this.get(name);
    if (!cur) return;
    this.db
      .prepare('UPDATE owners SET domains = ?, capabilities = ? WHERE name = ?')
      .run(JSON.stringify(s.domains ?? cur.domains), JSON.stringify(s.capabilities ?? cur.capabilities), name);
  }

  /** Sets the quotas given (null: back to the server's default); the others stay. */
  setQuotas(name: string, q: Partial<OwnerQuotas>): void {
    const cur = this.get(name);
    if (!cur) return;
    const next = { ...cur.quotas, ...q };
    this.db.prepare('UPDATE owners SET quota_apps = ?, quota_previews = ?, quota_runs = ? WHERE name = ?').run(next.apps, next.previews, next.runs, name);
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM memberships WHERE owner = ?').run(name);
    this.db.prepare('DELETE FROM owners WHERE name = ?').run(name);
  }

  members(name: string): string[] {
    return this.db
      .prepare<[string], { name: string }>('SELECT u.name FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.owner = ? ORDER BY u.name')
      .all(name)
      .map((r) => r.name);
  }

  removeMember(userId: number, owner: string): boolean {
    return this.db.prepare('DELETE FROM memberships WHERE user_id = ? AND owner = ?').run(userId, owner).changes > 0;
  }

  appCount(name: string): number {
    return this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM apps WHERE owner = ?').get(name)!.n;
  }

  /** The owner's apps that are not previews, or (previews: true) its previews. */
  countApps(name: string, previews: boolean): number {
    const sql = `SELECT COUNT(*) AS n FROM apps WHERE owner = ? AND expires_at IS ${previews ? 'NOT NULL' : 'NULL'}`;
    return this.db.prepare<[string], { n: number }>(sql).get(name)!.n;
  }
}
