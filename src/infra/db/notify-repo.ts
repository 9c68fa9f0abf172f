// The notify_endpoints table: each owner's notification endpoints (generic or Slack webhooks),
// their URL and signing secret sealed, and the outcome of each one's last delivery.
// An owner's endpoints go with it (ON DELETE CASCADE).
import type Database from 'better-sqlite3';
import { now } from './time.js';

export type NotifyKind = 'webhook' | 'slack';
export type DeliveryStatus = 'ok' | 'retrying' | 'failed';

export interface NotifyEndpointRow {
  id: number;
  owner: string;
  kind: NotifyKind;
  /** Sealed (SecretBox): the URL carries the receiver's token. */
  sealedUrl: string;
  /** Scheme and host: what lists show. */
  target: string;
  /** Sealed HMAC secret the generic webhook's body is signed with; null for Slack. */
  sealedSecret: string | null;
  events: string[];
  createdBy: string;
  createdAt: string;
  lastStatus: DeliveryStatus | null;
  lastEvent: string | null;
  lastCode: number | null;
  lastError: string | null;
  lastAt: string | null;
}

interface Raw {
  id: number;
  owner: string;
  kind: NotifyKind;
  url: string;
  target: string;
  secret: string | null;
  events: string;
  created_by: string;
  created_at: string;
  last_status: DeliveryStatus | null;
  last_event: string | null;
  last_code: number | null;
  last_error: string | null;
  last_at: string | null;
}

const toRow = (r: Raw): NotifyEndpointRow => ({
  id: r.id,
  owner: r.owner,
  kind: r.kind,
  sealedUrl: r.url,
  target: r.target,
  sealedSecret: r.secret,
  events: JSON.parse(r.events) as string[],
  createdBy: r.created_by,
  createdAt: r.created_at,
  lastStatus: r.last_status,
  lastEvent: r.last_event,
  lastCode: r.last_code,
  lastError: r.last_error,
  lastAt: r.last_at,
});

export class NotifyRepo {
  constructor(private readonly db: Database.Database) {}

  insert(e: { owner: string; kind: NotifyKind; sealedUrl: string; target: string; sealedSecret: string | null; events: string[]; createdBy: string }): NotifyEndpointRow {
    const r = this.db
      .prepare('INSERT INTO notify_endpoints (owner, kind, url, target, secret, events, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.owner, e.kind, e.sealedUrl, e.target, e.sealedSecret, JSON.stringify(e.events), e.createdBy, now());
    return this.get(Number(r.lastInsertRowid))!;
  }

  get(id: number): NotifyEndpointRow | undefined {
    const r = this.db.prepare<[number], Raw>('SELECT * FROM notify_endpoints WHERE id = ?').get(id);
    return r && toRow(r);
  }

  listForOwner(owner: string): NotifyEndpointRow[] {
    return this.db.prepare<[string], Raw>('SELECT * FROM notify_endpoints WHERE owner = ? ORDER BY id').all(owner).map(toRow);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM notify_endpoints WHERE id = ?').run(id).changes > 0;
  }

  /** Records the outcome of the endpoint's latest delivery attempt. */
  setLast(id: number, d: { status: DeliveryStatus; event: string; code: number | null; error: string | null }): void {
    this.db.prepare('UPDATE notify_endpoints SET last_status = ?, last_event = ?, last_code = ?, last_error = ?, last_at = ? WHERE id = ?').run(d.status, d.event, d.code, d.error, now(), id);
  }
}
