// The only door to SQLite: opens the database in the data directory, applies migrations,
// and hands out one repository per table. Nothing else imports better-sqlite3.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import { AppsRepo } from './apps-repo.js';
import { BuildsRepo } from './builds-repo.js';
import { DeploymentsRepo } from './deployments-repo.js';
import { EventsRepo } from './events-repo.js';
import { ConfigVarsRepo } from './config-vars-repo.js';
import { ReleasesRepo } from './releases-repo.js';
import { UsersRepo } from './users-repo.js';
import { AuditRepo } from './audit-repo.js';
import { OwnersRepo } from './owners-repo.js';
import { SessionsRepo } from './sessions-repo.js';
import { MetricsRepo } from './metrics-repo.js';
import { CronRepo } from './cron-repo.js';
import { NotifyRepo } from './notify-repo.js';
import { AddonsRepo } from './addons-repo.js';
import { BackupsRepo } from './backups-repo.js';

export interface Db {
  apps: AppsRepo;
  builds: BuildsRepo;
  deployments: DeploymentsRepo;
  events: EventsRepo;
  configVars: ConfigVarsRepo;
  releases: ReleasesRepo;
  users: UsersRepo;
  audit: AuditRepo;
  owners: OwnersRepo;
  sessions: SessionsRepo;
  metrics: MetricsRepo;
  cron: CronRepo;
  notify: NotifyRepo;
  addons: AddonsRepo;
  /** Backups, and as .keys, .destinations, .policies their master keys, destinations and schedules. */
  backups: BackupsRepo;
  /** Runs fn in one transaction: every write in it lands, or none does. */
  tx<T>(fn: () => T): T;
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  close(): void;
}

/** Opens (creating if needed) berth.db in dataDir, or an in-memory database for ':memory:'. */
export function openDb(dataDir: string): Db {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = join(dataDir, 'berth.db');
  }
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  migrate(sqlite);

  const getMeta = sqlite.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const setMeta = sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  return {
    apps: new AppsRepo(sqlite),
    builds: new BuildsRepo(sqlite),
    deployments: new DeploymentsRepo(sqlite),
    events: new EventsRepo(sqlite),
    configVars: new ConfigVarsRepo(sqlite),
    releases: new ReleasesRepo(sqlite),
    users: new UsersRepo(sqlite),
    audit: new AuditRepo(sqlite),
    owners: new OwnersRepo(sqlite),
    sessions: new SessionsRepo(sqlite),
    metrics: new MetricsRepo(sqlite),
    cron: new CronRepo(sqlite),
    notify: new NotifyRepo(sqlite),
    addons: new AddonsRepo(sqlite),
    backups: new BackupsRepo(sqlite),
    tx: <T>(fn: () => T): T => sqlite.transaction(fn)(),
    getMeta: (key) => getMeta.get(key)?.value,
    setMeta: (key, value) => void setMeta.run(key, value),
    close: () => sqlite.close(),
  };
}

function migrate(sqlite: Database.Database): void {
  const current = sqlite.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this Berth (${MIGRATIONS.length}); upgrade Berth`);
  }
  // Foreign keys are off while migrating (a rebuilt table must not cascade its drop to its
  // children; SQLite only changes this outside a transaction) and checked before they are on.
  sqlite.pragma('foreign_keys = OFF');
  MIGRATIONS.slice(current).forEach((sql, i) => {
    sqlite.transaction(() => {
      sqlite.exec(sql);
      const broken = sqlite.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migration ${current + i + 1} broke ${broken.length} foreign keys`);
      sqlite.pragma(`user_version = ${current + i + 1}`);
    })();
  });
  sqlite.pragma('foreign_keys = ON');
}

