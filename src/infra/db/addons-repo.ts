// The addons and addon_attachments tables: each owner's managed databases (type, version, the
// password sealed) and the apps each is attached to under which config var. An add-on goes
// with its owner, an attachment with its app (ON DELETE CASCADE); the containers and volumes
// are the domain's to remove first.
import type Database from 'better-sqlite3';
import { now } from './time.js';

export type AddonType = 'postgres' | 'redis';

export interface AddonRow {
  id: number;
  name: string;
  owner: string;
  type: AddonType;
  version: string;
  /** Sealed (SecretBox). */
  sealedPassword: string;
  createdAt: string;
}

export interface AttachmentRow {
  addonId: number;
  appId: number;
  /** The config var the add-on's URL is set as, e.g. DATABASE_URL. */
  envVar: string;
  createdAt: string;
}

interface Raw {
  id: number;
  name: string;
  owner: string;
  type: AddonType;
  version: string;
  password: string;
  created_at: string;
}

const toRow = (r: Raw): AddonRow => ({ id: r.id, name: r.name, owner: r.owner, type: r.type, version: r.version, sealedPassword: r.password, createdAt: r.created_at });

interface RawAttachment {
  addon_id: number;
  app_id: number;
  env_var: string;
  created_at: string;
}

const toAttachment = (r: RawAttachment): AttachmentRow => ({ addonId: r.addon_id, appId: r.app_id, envVar: r.env_var, createdAt: r.created_at });

export class AddonsRepo {
  constructor(private readonly db: Database.Database) {}

  insert(a: { name: string; owner: string; type: AddonType; version: string; sealedPassword: string }): AddonRow {
    const r = this.db.prepare('INSERT INTO addons (name, owner, type, version, password, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(a.name, a.owner, a.type, a.version, a.sealedPassword, now());
    return this.get(Number(r.lastInsertRowid))!;
  }

  get(id: number): AddonRow | undefined {
    const r = this.db.prepare<[number], Raw>('SELECT * FROM addons WHERE id = ?').get(id);
    return r && toRow(r);
  }

  byName(name: string): AddonRow | undefined {
    const r = this.db.prepare<[string], Raw>('SELECT * FROM addons WHERE name = ?').get(name);
    return r && toRow(r);
  }

  list(): AddonRow[] {
    return this.db.prepare<[], Raw>('SELECT * FROM addons ORDER BY owner, name').all().map(toRow);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM addons WHERE id = ?').run(id);
  }

  attach(addonId: number, appId: number, envVar: string): void {
    this.db.prepare('INSERT INTO addon_attachments (addon_id, app_id, env_var, created_at) VALUES (?, ?, ?, ?)').run(addonId, appId, envVar, now());
  }

  detach(addonId: number, appId: number): void {
    this.db.prepare('DELETE FROM addon_attachments WHERE addon_id = ? AND app_id = ?').run(addonId, appId);
  }

  attachments(addonId: number): AttachmentRow[] {
    return this.db.prepare<[number], RawAttachment>('SELECT * FROM addon_attachments WHERE addon_id = ? ORDER BY app_id').all(addonId).map(toAttachment);
  }

  attachmentsOfApp(appId: number): AttachmentRow[] {
    return this.db.prepare<[number], RawAttachment>('SELECT * FROM addon_attachments WHERE app_id = ? ORDER BY addon_id').all(appId).map(toAttachment);
  }
}
